"""The read-model indices: their names and explicit mappings, and creating them when missing."""

from dataclasses import dataclass
from typing import Any

import structlog
from elasticsearch import AsyncElasticsearch, BadRequestError

from stats_service.domain.projections import ReadModel

log = structlog.get_logger(__name__)

_KEYWORD = {"type": "keyword"}
_BOOLEAN = {"type": "boolean"}
_DATE = {"type": "date"}

# "dynamic": false keeps a field nobody mapped in _source without guessing a type for it, so a field
# added to a projection before its mapping can never turn the index's types wrong.
MAPPINGS: dict[ReadModel, dict[str, Any]] = {
    ReadModel.SERVICE_POINTS: {
        "dynamic": False,
        "properties": {
            "service_point_id": _KEYWORD,
            "department_id": _KEYWORD,
            "ministry_id": _KEYWORD,
            "province_code": _KEYWORD,
            "district_code": _KEYWORD,
            "name_th": {"type": "keyword", "ignore_above": 1024},
            "name_en": {"type": "keyword", "ignore_above": 1024},
            "listed": _BOOLEAN,
            "pinned": _BOOLEAN,
            "pin_id": _KEYWORD,
            "location": {"type": "geo_point"},
            "pinned_at": _DATE,
            "surveyed": _BOOLEAN,
            "copy_status": _KEYWORD,
            "readiness_mode": _KEYWORD,
            "surveyed_at": _DATE,
            # One event time per topic: each topic owns its fields, so arrival order never matters.
            "catalogue_event_time": _DATE,
            "pin_event_time": _DATE,
            "survey_event_time": _DATE,
            # No longer written (it depended on arrival order across topics) and no longer read (the
            # Grafana panels use catalogue_event_time); mapped still, as in indices built before.
            "last_event_time": _DATE,
        },
    },
    ReadModel.RATINGS: {
        "dynamic": False,
        "properties": {
            "rating_id": _KEYWORD,
            "service_point_id": _KEYWORD,
            "department_id": _KEYWORD,
            "ministry_id": _KEYWORD,
            "province_code": _KEYWORD,
            "service_id": _KEYWORD,
            "score": {"type": "integer"},
            "aspects": {"type": "nested", "properties": {"name": _KEYWORD, "score": {"type": "integer"}}},
            "verified": _BOOLEAN,
            "asked_for_copy": _BOOLEAN,
            "submitted_at": _DATE,
            "last_event_time": _DATE,
        },
    },
    ReadModel.COMPLAINTS: {
        "dynamic": False,
        "properties": {
            "complaint_id": _KEYWORD,
            "service_point_id": _KEYWORD,
            "department_id": _KEYWORD,
            "ministry_id": _KEYWORD,
            "province_code": _KEYWORD,
            "category": _KEYWORD,
            "asked_for_copy": _BOOLEAN,
            "filed_at": _DATE,
            "last_event_time": _DATE,
            # Deadlines: the filing's due time; the latest status snapshot's fields (see projections).
            "filed_due_at": _DATE,
            "status": _KEYWORD,
            "open": _BOOLEAN,
            "due_at": _DATE,
            "status_sequence": {"type": "integer"},
            "reopen_count": {"type": "integer"},
            "status_changed_at": _DATE,
        },
    },
    ReadModel.UNITS: {
        "dynamic": False,
        "properties": {
            "kind": _KEYWORD,
            "unit_id": _KEYWORD,
            "ministry_id": _KEYWORD,
            "name_th": {"type": "keyword", "ignore_above": 1024},
            "name_en": {"type": "keyword", "ignore_above": 1024},
            "last_event_time": _DATE,
        },
    },
}


@dataclass(frozen=True, slots=True)
class StatsIndices:
    prefix: str

    def name(self, read_model: ReadModel) -> str:
        return f"{self.prefix}-{read_model.value}"

    @property
    def service_points(self) -> str:
        return self.name(ReadModel.SERVICE_POINTS)

    @property
    def ratings(self) -> str:
        return self.name(ReadModel.RATINGS)

    @property
    def complaints(self) -> str:
        return self.name(ReadModel.COMPLAINTS)

    @property
    def units(self) -> str:
        return self.name(ReadModel.UNITS)

    def all(self) -> list[str]:
        return [self.name(read_model) for read_model in ReadModel]


async def ensure_indices(
    client: AsyncElasticsearch, indices: StatsIndices, *, replicas: int, refresh_interval: str = "1s"
) -> list[str]:
    """Creates each missing index with its mapping; adds newly mapped fields to existing ones.

    Returns the names it created. Adding fields is the only mapping change Elasticsearch allows in
    place; a changed type raises, since silently keeping the old one would skew the counts.
    """
    created = []
    for read_model, mapping in MAPPINGS.items():
        name = indices.name(read_model)
        if await client.indices.exists(index=name):
            await client.indices.put_mapping(index=name, **mapping)
            await client.indices.put_settings(
                index=name, settings={"refresh_interval": refresh_interval, "number_of_replicas": replicas}
            )
            continue
        try:
            await client.indices.create(
                index=name,
                mappings=mapping,
                settings={"number_of_shards": 1, "number_of_replicas": replicas, "refresh_interval": refresh_interval},
            )
            created.append(name)
            log.info("stats_index_created", index=name)
        except BadRequestError as exc:
            # Another worker may have created it in between; anything else is a real error.
            if exc.error != "resource_already_exists_exception":
                raise
    return created
