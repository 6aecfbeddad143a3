"""Reconciliation: points whose latest survey says copies are cancelled while citizens say they were
asked for one. Citizens' reports are few, so the reports are grouped by point first and only those
points are looked up."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.adapters.overview_reader import LISTED, MISSING_INDEX_IS_EMPTY

MAX_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class Reports:
    count: int
    latest: datetime | None


@dataclass(frozen=True, slots=True)
class Mismatch:
    service_point_id: str
    name_th: str | None
    department_id: str | None
    ministry_id: str | None
    province_code: str | None
    surveyed_at: datetime | None
    ratings_asked_for_copy: int
    complaints_asked_for_copy: int
    latest_report_at: datetime | None
    service_ids: list[str]


def reports_body(time_field: str, days: int, with_services: bool) -> dict[str, Any]:
    per_point: dict[str, Any] = {"latest": {"max": {"field": time_field}}}
    if with_services:
        per_point["services"] = {"terms": {"field": "service_id", "size": 100}}
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"asked_for_copy": True}},
                    {"range": {time_field: {"gte": f"now-{days}d"}}},
                ]
            }
        },
        "aggs": {"points": {"terms": {"field": "service_point_id", "size": MAX_POINTS}, "aggs": per_point}},
    }


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ReconciliationReader:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def _reports(self, index: str, time_field: str, days: int, with_services: bool) -> dict[str, dict]:
        response = await self._client.search(
            index=index, **reports_body(time_field, days, with_services), **MISSING_INDEX_IS_EMPTY
        )
        return {
            str(bucket["key"]): bucket
            for bucket in response.body.get("aggregations", {}).get("points", {}).get("buckets", [])
        }

    async def mismatches(self, days: int, filters: list[dict[str, Any]]) -> list[Mismatch]:
        ratings = await self._reports(self._indices.ratings, "submitted_at", days, with_services=True)
        complaints = await self._reports(self._indices.complaints, "filed_at", days, with_services=False)
        reported = sorted(set(ratings) | set(complaints))
        if not reported:
            return []
        response = await self._client.search(
            index=self._indices.service_points,
            query={
                "bool": {
                    "filter": [
                        LISTED,
                        {"term": {"surveyed": True}},
                        {"term": {"copy_status": "cancelled"}},
                        {"terms": {"service_point_id": reported}},
                        *filters,
                    ]
                }
            },
            size=MAX_POINTS,
            **MISSING_INDEX_IS_EMPTY,
        )
        found = []
        for hit in response.body.get("hits", {}).get("hits", []):
            point = hit["_source"]
            point_id = point["service_point_id"]
            rating = ratings.get(point_id, {})
            complaint = complaints.get(point_id, {})
            latest = [
                t
                for t in (
                    _time(rating.get("latest", {}).get("value_as_string")),
                    _time(complaint.get("latest", {}).get("value_as_string")),
                )
                if t
            ]
            found.append(
                Mismatch(
                    service_point_id=point_id,
                    name_th=point.get("name_th"),
                    department_id=point.get("department_id"),
                    ministry_id=point.get("ministry_id"),
                    province_code=point.get("province_code"),
                    surveyed_at=_time(point.get("surveyed_at")),
                    ratings_asked_for_copy=int(rating.get("doc_count", 0)),
                    complaints_asked_for_copy=int(complaint.get("doc_count", 0)),
                    latest_report_at=max(latest, default=None),
                    service_ids=sorted(str(b["key"]) for b in rating.get("services", {}).get("buckets", [])),
                )
            )
        # Most reports first: where the survey and the citizens disagree most.
        return sorted(
            found,
            key=lambda m: (-(m.ratings_asked_for_copy + m.complaints_asked_for_copy), m.service_point_id),
        )
