"""The search read model in Elasticsearch (`citizeninfo-search`), kept from pin-service's own events.

Each point is one document with a deterministic id (the point id); catalogue and pin events write
different fields with partial upserts, so they commute and a replay changes nothing.
"""

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

import structlog
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.catalogue import ServicePointUpserted
from citizeninfo_shared.events.envelope import EventData
from citizeninfo_shared.events.pins import PinPlaced
from elasticsearch import AsyncElasticsearch, BadRequestError
from elasticsearch.helpers import async_bulk
from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from pin_service.adapters.geography import ThaiGeography
from pin_service.domain.thai_text import index_text

log = structlog.get_logger(__name__)

# A new mapping or text pipeline gets a new version: a new index, filled from the topics' beginning by a
# new consumer group, so the old index keeps answering until it is dropped.
SEARCH_INDEX_VERSION = 2
SEARCH_INDEX = f"citizeninfo-search-v{SEARCH_INDEX_VERSION}"
SEARCH_CONSUMER_GROUP = f"pin-service.search-index.v{SEARCH_INDEX_VERSION}"  # the catalogue topic
SEARCH_PINS_CONSUMER_GROUP = f"{SEARCH_CONSUMER_GROUP}.pins"
EventDataT = TypeVar("EventDataT", bound=EventData)

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"},
        "name_th": {"type": "keyword", "index": False},
        "name_en": {"type": "keyword", "index": False},
        "address_th": {"type": "keyword", "index": False},
        "department_id": {"type": "keyword"},
        "ministry_id": {"type": "keyword"},
        "province_code": {"type": "keyword"},
        "district_code": {"type": "keyword"},
        "service_ids": {"type": "keyword"},
        "department_name_th": {"type": "keyword", "index": False},
        "ministry_name_th": {"type": "keyword", "index": False},
        "province_name_th": {"type": "keyword", "index": False},
        "district_name_th": {"type": "keyword", "index": False},
        # Thai words pre-segmented by pythainlp and joined by spaces; `standard` splits on them.
        "search_text": {"type": "text", "analyzer": "standard"},
        "location": {"type": "geo_point"},
        "flags": {"type": "keyword"},
        "pinned_at": {"type": "date"},
    },
}


async def ensure_search_index(elasticsearch: AsyncElasticsearch, *, replicas: int = 0) -> None:
    """Creates the index if missing; an existing one gets the replica count asked for (a cluster that grew)."""
    if not await elasticsearch.indices.exists(index=SEARCH_INDEX):
        try:
            await elasticsearch.indices.create(
                index=SEARCH_INDEX,
                mappings=MAPPING,
                settings={"number_of_shards": 1, "number_of_replicas": replicas, "refresh_interval": "1s"},
            )
            return
        except BadRequestError as error:  # another replica created it in between; anything else is real
            if error.error != "resource_already_exists_exception":
                raise
    await elasticsearch.indices.put_settings(index=SEARCH_INDEX, settings={"number_of_replicas": replicas})


def _valid(events: Sequence[CloudEvent], model: type[EventDataT]) -> list[EventDataT]:
    """The events of this type whose data is valid; an invalid one is logged and skipped, not retried forever."""
    valid = []
    for event in events:
        if event.type != model.event_type:
            continue
        try:
            valid.append(event.data_as(model))
        except ValidationError as error:
            log.warning("search_event_skipped", event_id=event.id, error=str(error)[:300])
    return valid


class SearchIndexWriter:
    def __init__(self, elasticsearch: AsyncElasticsearch, database: AsyncDatabase, geography: ThaiGeography) -> None:
        self._es = elasticsearch
        self._db = database
        self._geography = geography

    async def index_is_empty(self) -> bool:
        return (await self._es.count(index=SEARCH_INDEX))["count"] == 0

    async def _names(self, collection: str, ids: set[str]) -> dict[str, dict[str, Any]]:
        found = await asyncio.gather(
            *(self._db[collection].find_one({"_id": i}, {"name_th": 1, "name_en": 1, "ministry_id": 1}) for i in ids)
        )
        return {d["_id"]: d for d in found if d}

    async def apply(self, events: Sequence[CloudEvent]) -> int:
        points = _valid(events, ServicePointUpserted)
        pins = _valid(events, PinPlaced)
        departments = await self._names("departments", {p.department_id for p in points})
        ministry_ids = {p.ministry_id or departments.get(p.department_id, {}).get("ministry_id") for p in points}
        ministries = await self._names("ministries", {m for m in ministry_ids if m})
        services = await self._names("services", {s for p in points for s in p.service_ids})
        # Segmenting Thai is CPU work: off the event loop, so the API keeps answering during a big import.
        actions = await asyncio.to_thread(
            lambda: [self._point_action(p, departments, ministries, services) for p in points]
        )
        actions += [
            {
                "_op_type": "update",
                "_index": SEARCH_INDEX,
                "_id": pin.service_point_id,
                "doc": {
                    "id": pin.service_point_id,
                    "location": {"lat": pin.lat, "lon": pin.lon},
                    "flags": list(pin.flags),
                    "pinned_at": pin.pinned_at.isoformat(),
                },
                "doc_as_upsert": True,
                "retry_on_conflict": 3,
            }
            for pin in pins
        ]
        if actions:
            await async_bulk(self._es, actions, raise_on_error=True)
        return len(actions)

    def _point_action(
        self,
        point: ServicePointUpserted,
        departments: dict[str, dict[str, Any]],
        ministries: dict[str, dict[str, Any]],
        services: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        department = departments.get(point.department_id, {})
        ministry_id = point.ministry_id or department.get("ministry_id")
        ministry = ministries.get(ministry_id or "", {})
        province = self._geography.province_name(point.province_code) or (None, None)
        district = self._geography.district_name(point.district_code or "") or (None, None)
        service_names = [services[s].get("name_th") for s in point.service_ids if s in services]
        return {
            "_op_type": "update",
            "_index": SEARCH_INDEX,
            "_id": point.service_point_id,
            "doc": {
                "id": point.service_point_id,
                "name_th": point.name_th,
                "name_en": point.name_en,
                "address_th": point.address_th,
                "department_id": point.department_id,
                "ministry_id": ministry_id,
                "province_code": point.province_code,
                "district_code": point.district_code,
                "service_ids": point.service_ids,
                "department_name_th": department.get("name_th"),
                "ministry_name_th": ministry.get("name_th"),
                "province_name_th": province[0],
                "district_name_th": district[0],
                "search_text": " ".join(
                    filter(
                        None,
                        [
                            index_text(
                                point.name_th,
                                point.address_th,
                                department.get("name_th"),
                                ministry.get("name_th"),
                                province[0],
                                district[0],
                                *service_names,
                            ),
                            " ".join(
                                filter(
                                    None,
                                    [
                                        point.name_en,
                                        department.get("name_en"),
                                        province[1],
                                        district[1],
                                        point.service_point_id,
                                    ],
                                )
                            ),
                        ],
                    )
                ),
            },
            "doc_as_upsert": True,
            "retry_on_conflict": 3,
        }
