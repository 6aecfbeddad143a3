"""Progress tables (seed 004) from the service-point documents: counted by Elasticsearch aggregations.

Every count is a `filters` aggregation over distinct point documents, so a point pinned ten times
or an event replayed after a crash counts once.
"""

from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.adapters.overview_reader import LISTED, MISSING_INDEX_IS_EMPTY, PROGRESS_FILTERS
from stats_service.domain.progress import ProgressCounts

# More groups than any ministry has departments or the country has provinces or ministries.
MAX_GROUPS = 10_000
PAGE_SIZE = 5_000


def progress_aggs() -> dict[str, Any]:
    return {"progress": {"filters": {"filters": PROGRESS_FILTERS}}}


def counts_from(bucket: dict[str, Any]) -> ProgressCounts:
    buckets = bucket.get("progress", {}).get("buckets", {})
    return ProgressCounts(
        service_points=int(bucket.get("doc_count", 0)),
        **{name: int(buckets.get(name, {}).get("doc_count", 0)) for name in PROGRESS_FILTERS},
    )


def grouped_search_body(group_field: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": [LISTED, *filters]}},
        "aggs": {
            "groups": {"terms": {"field": group_field, "size": MAX_GROUPS}, "aggs": progress_aggs()},
            "all": {"filter": {"match_all": {}}, "aggs": progress_aggs()},
        },
    }


@dataclass(frozen=True, slots=True)
class Grouped:
    groups: dict[str, ProgressCounts]
    total: ProgressCounts


def grouped_from(response: dict[str, Any]) -> Grouped:
    aggregations = response.get("aggregations", {})
    groups = {str(bucket["key"]): counts_from(bucket) for bucket in aggregations.get("groups", {}).get("buckets", [])}
    return Grouped(groups, counts_from(aggregations.get("all", {})))


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    name_th: str | None
    name_en: str | None
    ministry_id: str | None


@dataclass(frozen=True, slots=True)
class PointRow:
    service_point_id: str
    name_th: str | None
    department_id: str | None
    province_code: str | None
    district_code: str | None
    pinned: bool
    surveyed: bool
    copy_status: str | None
    name_en: str | None = None


class ProgressReader:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def grouped(self, group_field: str, filters: list[dict[str, Any]]) -> Grouped:
        response = await self._client.search(
            index=self._indices.service_points,
            **grouped_search_body(group_field, filters),
            **MISSING_INDEX_IS_EMPTY,
        )
        return grouped_from(response.body)

    async def units(self, kind: str, ministry_id: str | None = None) -> dict[str, Unit]:
        filters: list[dict[str, Any]] = [{"term": {"kind": kind}}]
        if ministry_id is not None:
            filters.append({"term": {"ministry_id": ministry_id}})
        response = await self._client.search(
            index=self._indices.units,
            query={"bool": {"filter": filters}},
            size=MAX_GROUPS,
            **MISSING_INDEX_IS_EMPTY,
        )
        units = {}
        for hit in response.body.get("hits", {}).get("hits", []):
            source = hit["_source"]
            units[source["unit_id"]] = Unit(
                source["unit_id"], source.get("name_th"), source.get("name_en"), source.get("ministry_id")
            )
        return units

    async def unit(self, kind: str, unit_id: str) -> Unit | None:
        response = await self._client.options(ignore_status=404).get(index=self._indices.units, id=f"{kind}:{unit_id}")
        if not response.body.get("found"):
            return None
        source = response.body["_source"]
        return Unit(unit_id, source.get("name_th"), source.get("name_en"), source.get("ministry_id"))

    async def points(self, filters: list[dict[str, Any]]) -> list[PointRow]:
        """Every listed point matching the filters, by id; paged with search_after."""
        rows: list[PointRow] = []
        after: list[Any] | None = None
        while True:
            response = await self._client.search(
                index=self._indices.service_points,
                query={"bool": {"filter": [LISTED, *filters]}},
                sort=[{"service_point_id": "asc"}],
                size=PAGE_SIZE,
                source_includes=[
                    "service_point_id",
                    "name_th",
                    "name_en",
                    "department_id",
                    "province_code",
                    "district_code",
                    "pinned",
                    "surveyed",
                    "copy_status",
                ],
                **({"search_after": after} if after else {}),
                **MISSING_INDEX_IS_EMPTY,
            )
            hits = response.body.get("hits", {}).get("hits", [])
            for hit in hits:
                source = hit["_source"]
                rows.append(
                    PointRow(
                        service_point_id=source["service_point_id"],
                        name_th=source.get("name_th"),
                        department_id=source.get("department_id"),
                        province_code=source.get("province_code"),
                        district_code=source.get("district_code"),
                        pinned=source.get("pinned") is True,
                        surveyed=source.get("surveyed") is True,
                        copy_status=source.get("copy_status") if source.get("surveyed") else None,
                        name_en=source.get("name_en"),
                    )
                )
            if len(hits) < PAGE_SIZE:
                return rows
            after = hits[-1]["sort"]
