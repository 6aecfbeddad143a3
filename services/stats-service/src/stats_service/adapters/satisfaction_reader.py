"""Satisfaction from the rating documents: tallies per score and verified flag, per window and per unit.

Windows are calendar days in Thailand's time zone (the daily buckets officials read): "7d" is today
and the six days before it, "30d" likewise, "all" everything kept.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.adapters.overview_reader import MISSING_INDEX_IS_EMPTY
from stats_service.domain.satisfaction import ScoreTally

TIME_ZONE = "Asia/Bangkok"
MAX_UNITS = 65_000
MAX_ASPECTS = 50


class Window(StrEnum):
    DAYS_7 = "7d"
    DAYS_30 = "30d"
    ALL = "all"


WINDOW_DAYS = {Window.DAYS_7: 7, Window.DAYS_30: 30}


class Level(StrEnum):
    """What a satisfaction figure is about, and the rating field that names it."""

    SERVICE_POINT = "service-points"
    DEPARTMENT = "departments"
    MINISTRY = "ministries"
    PROVINCE = "provinces"

    @property
    def field(self) -> str:
        return {
            Level.SERVICE_POINT: "service_point_id",
            Level.DEPARTMENT: "department_id",
            Level.MINISTRY: "ministry_id",
            Level.PROVINCE: "province_code",
        }[self]


def window_filter(window: Window) -> dict[str, Any]:
    if window is Window.ALL:
        return {"match_all": {}}
    days_back = WINDOW_DAYS[window] - 1
    return {"range": {"submitted_at": {"gte": f"now-{days_back}d/d", "time_zone": TIME_ZONE}}}


def tally_aggs() -> dict[str, Any]:
    return {
        "scores": {
            "terms": {"field": "score", "size": 5},
            "aggs": {"verified": {"filter": {"term": {"verified": True}}}},
        }
    }


def detail_aggs() -> dict[str, Any]:
    return {
        **tally_aggs(),
        "asked_for_copy": {"filter": {"term": {"asked_for_copy": True}}},
        "aspects": {
            "nested": {"path": "aspects"},
            "aggs": {
                "names": {
                    "terms": {"field": "aspects.name", "size": MAX_ASPECTS},
                    "aggs": {"mean": {"avg": {"field": "aspects.score"}}},
                }
            },
        },
    }


def tally_from(bucket: dict[str, Any]) -> ScoreTally:
    unverified: dict[int, int] = {}
    verified: dict[int, int] = {}
    for score_bucket in bucket.get("scores", {}).get("buckets", []):
        score = int(score_bucket["key"])
        verified_count = int(score_bucket.get("verified", {}).get("doc_count", 0))
        verified[score] = verified_count
        unverified[score] = int(score_bucket["doc_count"]) - verified_count
    return ScoreTally(unverified=unverified, verified=verified)


@dataclass(frozen=True, slots=True)
class WindowFigures:
    tally: ScoreTally
    asked_for_copy: int
    aspects: dict[str, tuple[int, float]]  # name → (ratings, mean)


def figures_from(bucket: dict[str, Any]) -> WindowFigures:
    aspects = {
        str(b["key"]): (int(b["doc_count"]), float(b["mean"]["value"]))
        for b in bucket.get("aspects", {}).get("names", {}).get("buckets", [])
        if b.get("mean", {}).get("value") is not None
    }
    return WindowFigures(tally_from(bucket), int(bucket.get("asked_for_copy", {}).get("doc_count", 0)), aspects)


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    tally: ScoreTally


def unit_filter(level: Level | None, unit_id: str | None) -> list[dict[str, Any]]:
    return [] if level is None or unit_id is None else [{"term": {level.field: unit_id}}]


class SatisfactionReader:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def _search(self, **body: Any) -> dict[str, Any]:
        response = await self._client.search(index=self._indices.ratings, size=0, **body, **MISSING_INDEX_IS_EMPTY)
        return response.body

    async def windows(self, level: Level | None, unit_id: str | None) -> dict[Window, WindowFigures]:
        """One unit's (or, without a level, the nation's) figures in every window."""
        body = await self._search(
            query={"bool": {"filter": unit_filter(level, unit_id)}},
            aggs={
                "windows": {
                    "filters": {"filters": {w.value: window_filter(w) for w in Window}},
                    "aggs": detail_aggs(),
                }
            },
        )
        buckets = body.get("aggregations", {}).get("windows", {}).get("buckets", {})
        return {w: figures_from(buckets.get(w.value, {})) for w in Window}

    async def national_tallies(self) -> dict[Window, ScoreTally]:
        return {w: figures.tally for w, figures in (await self.windows(None, None)).items()}

    async def by_unit(self, level: Level, window: Window, filters: list[dict[str, Any]]) -> dict[str, ScoreTally]:
        body = await self._search(
            query={"bool": {"filter": [window_filter(window), *filters]}},
            aggs={"units": {"terms": {"field": level.field, "size": MAX_UNITS}, "aggs": tally_aggs()}},
        )
        return {
            str(bucket["key"]): tally_from(bucket)
            for bucket in body.get("aggregations", {}).get("units", {}).get("buckets", [])
        }

    async def daily(self, level: Level | None, unit_id: str | None, days: int) -> list[DayFigures]:
        body = await self._search(
            query={
                "bool": {
                    "filter": [
                        *unit_filter(level, unit_id),
                        {"range": {"submitted_at": {"gte": f"now-{days - 1}d/d", "time_zone": TIME_ZONE}}},
                    ]
                }
            },
            aggs={
                "days": {
                    "date_histogram": {
                        "field": "submitted_at",
                        "calendar_interval": "day",
                        "time_zone": TIME_ZONE,
                        "format": "yyyy-MM-dd",
                        "min_doc_count": 0,
                        "extended_bounds": {"min": f"now-{days - 1}d/d", "max": "now/d"},
                    },
                    "aggs": tally_aggs(),
                }
            },
        )
        return [
            DayFigures(date.fromisoformat(bucket["key_as_string"]), tally_from(bucket))
            for bucket in body.get("aggregations", {}).get("days", {}).get("buckets", [])
        ]
