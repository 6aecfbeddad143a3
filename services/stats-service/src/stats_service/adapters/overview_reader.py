"""The national overview from the read-model indices: a filters aggregation and a count of ratings."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.domain.progress import ProgressCounts

# Only points listed in the catalogue count; a pin or a survey for a point the catalogue has not
# announced yet waits in its document until the point is listed.
LISTED = {"term": {"listed": True}}
SURVEYED = {"term": {"surveyed": True}}

PROGRESS_FILTERS: dict[str, dict[str, Any]] = {
    "pinned": {"term": {"pinned": True}},
    "surveyed": SURVEYED,
    "copy_cancelled": {"bool": {"filter": [SURVEYED, {"term": {"copy_status": "cancelled"}}]}},
    "copy_in_progress": {"bool": {"filter": [SURVEYED, {"term": {"copy_status": "in_progress"}}]}},
}

# A missing index (nothing consumed yet) reads as zero, not as an error.
MISSING_INDEX_IS_EMPTY = {"ignore_unavailable": True, "allow_no_indices": True}


@dataclass(frozen=True, slots=True)
class Overview:
    progress: ProgressCounts
    ratings: int
    last_event_time: datetime | None
    ratings_verified: int = 0
    complaints: int = 0


LATEST_EVENT = {"last_event_time": {"max": {"field": "last_event_time"}}}
POINT_EVENT_TIMES = ("catalogue_event_time", "pin_event_time", "survey_event_time")
LATEST_POINT_EVENT = {name: {"max": {"field": name}} for name in POINT_EVENT_TIMES}


def progress_search_body() -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": [LISTED]}},
        "aggs": {"progress": {"filters": {"filters": PROGRESS_FILTERS}}, **LATEST_POINT_EVENT},
    }


def ratings_search_body() -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": True,
        "aggs": {**LATEST_EVENT, "verified": {"filter": {"term": {"verified": True}}}},
    }


def complaints_search_body() -> dict[str, Any]:
    return {"size": 0, "track_total_hits": True, "aggs": LATEST_EVENT}


def total_hits(response: dict[str, Any]) -> int:
    return int(response.get("hits", {}).get("total", {}).get("value", 0))


def latest_event_time(response: dict[str, Any]) -> datetime | None:
    """The newest of the answer's *_event_time maxima (a point document has one per topic)."""
    aggregations = response.get("aggregations", {})
    times = [
        datetime.fromisoformat(agg["value_as_string"])
        for name, agg in aggregations.items()
        if name.endswith("event_time") and agg.get("value_as_string")
    ]
    return max(times, default=None)


def progress_from_response(response: dict[str, Any]) -> ProgressCounts:
    buckets = response.get("aggregations", {}).get("progress", {}).get("buckets", {})
    return ProgressCounts(
        service_points=total_hits(response),
        **{name: int(buckets.get(name, {}).get("doc_count", 0)) for name in PROGRESS_FILTERS},
    )


class OverviewReader:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def overview(self) -> Overview:
        points = await self._client.search(
            index=self._indices.service_points, **progress_search_body(), **MISSING_INDEX_IS_EMPTY
        )
        ratings = await self._client.search(
            index=self._indices.ratings, **ratings_search_body(), **MISSING_INDEX_IS_EMPTY
        )
        complaints = await self._client.search(
            index=self._indices.complaints, **complaints_search_body(), **MISSING_INDEX_IS_EMPTY
        )
        responses = (points.body, ratings.body, complaints.body)
        latest = [t for t in map(latest_event_time, responses) if t]
        return Overview(
            progress=progress_from_response(points.body),
            ratings=total_hits(ratings.body),
            last_event_time=max(latest, default=None),
            ratings_verified=int(ratings.body.get("aggregations", {}).get("verified", {}).get("doc_count", 0)),
            complaints=total_hits(complaints.body),
        )
