"""Open and overdue complaints per department and ministry, counted when asked (overdue depends on the
time of the question, so it is never stored: a range query on the due time against `now`).

A complaint document is open when its latest status snapshot says so, or — with no snapshot yet — as
filed; it is overdue when open and its due time (the snapshot's `due_at`, else the filing's
`filed_due_at`) is before now. Complaints filed before due times were published have neither: they are
counted open (until a status arrives) but never overdue.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.adapters.overview_reader import MISSING_INDEX_IS_EMPTY

MAX_UNITS = 10_000
_NO_SNAPSHOT = {"bool": {"must_not": [{"exists": {"field": "status_sequence"}}]}}


def open_query() -> dict[str, Any]:
    return {"bool": {"should": [{"term": {"open": True}}, _NO_SNAPSHOT], "minimum_should_match": 1}}


def overdue_query(now: datetime) -> dict[str, Any]:
    before_now = {"lt": now.isoformat()}
    return {
        "bool": {
            "should": [
                {"bool": {"filter": [{"term": {"open": True}}, {"range": {"due_at": before_now}}]}},
                {"bool": {"filter": [_NO_SNAPSHOT, {"range": {"filed_due_at": before_now}}]}},
            ],
            "minimum_should_match": 1,
        }
    }


def deadlines_search_body(
    now: datetime, *, ministry_id: str | None = None, department_id: str | None = None
) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [open_query()]
    if ministry_id is not None:
        filters.append({"term": {"ministry_id": ministry_id}})
    if department_id is not None:
        filters.append({"term": {"department_id": department_id}})
    per_unit = {"overdue": {"filter": overdue_query(now)}}
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": filters}},
        "aggs": {
            "overdue": {"filter": overdue_query(now)},
            "departments": {"terms": {"field": "department_id", "size": MAX_UNITS}, "aggs": per_unit},
            "ministries": {"terms": {"field": "ministry_id", "size": MAX_UNITS}, "aggs": per_unit},
        },
    }


@dataclass(frozen=True, slots=True)
class DeadlineCounts:
    open: int
    overdue: int


@dataclass(frozen=True, slots=True)
class Deadlines:
    total: DeadlineCounts
    departments: dict[str, DeadlineCounts]
    ministries: dict[str, DeadlineCounts]


def deadlines_from(response: dict[str, Any]) -> Deadlines:
    aggregations = response.get("aggregations", {})

    def units(name: str) -> dict[str, DeadlineCounts]:
        buckets = aggregations.get(name, {}).get("buckets", [])
        return {b["key"]: DeadlineCounts(b["doc_count"], b["overdue"]["doc_count"]) for b in buckets}

    total = response.get("hits", {}).get("total", {}).get("value", 0)
    return Deadlines(
        DeadlineCounts(total, aggregations.get("overdue", {}).get("doc_count", 0)),
        units("departments"),
        units("ministries"),
    )


class ComplaintDeadlineReader:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def deadlines(
        self, now: datetime, *, ministry_id: str | None = None, department_id: str | None = None
    ) -> Deadlines:
        response = await self._client.search(
            index=self._indices.complaints,
            **deadlines_search_body(now, ministry_id=ministry_id, department_id=department_id),
            **MISSING_INDEX_IS_EMPTY,
        )
        return deadlines_from(response.body)

    async def names(self, kind: str, unit_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """Thai and English names of these ministries or departments (from the catalogue's units)."""
        if not unit_ids:
            return {}
        response = await self._client.options(ignore_status=404).mget(
            index=self._indices.units, ids=[f"{kind}:{unit_id}" for unit_id in unit_ids]
        )
        found = {}
        for document in response.body.get("docs", []):
            if document.get("found"):
                source = document["_source"]
                found[source["unit_id"]] = (source.get("name_th"), source.get("name_en"))
        return found
