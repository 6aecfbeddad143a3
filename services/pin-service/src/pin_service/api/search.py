"""Finding service points: near a place, and by text in Thai or English, with filters."""

from typing import Annotated, Any

from citizeninfo_shared.problems import Problem
from elasticsearch import AsyncElasticsearch
from fastapi import APIRouter, Depends, Query, Request

from pin_service.adapters.geography import ThaiGeography, thai_gazetteer
from pin_service.adapters.search_index import SEARCH_INDEX
from pin_service.domain.directions import directions_links
from pin_service.domain.search_query import ParsedQuery, parse_query
from pin_service.domain.thai_text import segment

router = APIRouter(tags=["search"])

MAX_RADIUS_M = 500_000
# Elasticsearch's index.max_result_window: offset + limit beyond it is refused by the search engine.
MAX_RESULT_WINDOW = 10_000
SOURCE_FIELDS = [
    "id", "name_th", "name_en", "address_th", "department_id", "department_name_th", "ministry_id",
    "ministry_name_th", "province_code", "province_name_th", "district_code", "district_name_th", "location", "flags",
]  # fmt: skip


async def _elasticsearch(request: Request) -> AsyncElasticsearch:
    return request.app.state.elasticsearch


Elasticsearch = Annotated[AsyncElasticsearch, Depends(_elasticsearch)]


class Filters:
    def __init__(
        self,
        province_code: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
        district_code: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
        ministry_id: Annotated[str | None, Query(max_length=32)] = None,
        department_id: Annotated[str | None, Query(max_length=32)] = None,
        service_id: Annotated[str | None, Query(max_length=32)] = None,
        pinned: bool | None = None,
    ) -> None:
        self.terms = {
            "province_code": province_code,
            "district_code": district_code,
            "ministry_id": ministry_id,
            "department_id": department_id,
            "service_ids": service_id,
        }
        self.pinned = pinned

    def clauses(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        must = [{"term": {field: value}} for field, value in self.terms.items() if value is not None]
        must_not = []
        if self.pinned is True:
            must.append({"exists": {"field": "location"}})
        elif self.pinned is False:
            must_not.append({"exists": {"field": "location"}})
        return must, must_not


def _item(hit: dict[str, Any], with_distance: bool) -> dict[str, Any]:
    source = hit["_source"]
    location = source.get("location")
    item = {
        **{field: source.get(field) for field in SOURCE_FIELDS},
        "pinned": location is not None,
        "directions": directions_links(location["lat"], location["lon"], source.get("name_th") or source["id"])
        if location
        else None,
    }
    if with_distance and location:
        item["distance_m"] = round(hit["sort"][0], 1)
    # English names of the area, for clients showing English (the index keeps the Thai ones).
    province = ThaiGeography.province_name(source.get("province_code") or "")
    district = ThaiGeography.district_name(source.get("district_code") or "")
    item["province_name_en"] = province[1] if province else None
    item["district_name_en"] = district[1] if district else None
    return item


def _text_clauses(parsed: ParsedQuery) -> list[dict[str, Any]]:
    """Every remaining word must be found (the last may be half typed); each service the words name must
    be offered (in the catalogue's wording) or be in the point's own text as typed."""
    clauses: list[dict[str, Any]] = []
    if parsed.words:
        clauses.append({"match_bool_prefix": {"search_text": {"query": parsed.text, "operator": "and"}}})
    for match in parsed.concepts:
        alternatives: list[dict[str, Any]] = [
            {"match_phrase": {"search_text": {"query": segment(term), "boost": 2.0}}}
            for term in match.concept.catalogue_terms
        ]
        alternatives.append({"match": {"search_text": {"query": segment(match.typed), "operator": "and"}}})
        clauses.append({"bool": {"should": alternatives, "minimum_should_match": 1}})
    return clauses


def _understood(parsed: ParsedQuery) -> dict[str, Any]:
    return {
        "words": parsed.text,
        "services": [m.concept.key for m in parsed.concepts],
        "places": [{"kind": p.kind, "code": p.code, "name_th": p.name_th, "name_en": p.name_en} for p in parsed.places],
    }


def _near(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if (lat is None) != (lon is None):
        raise Problem(422, "Give both lat and lon, or neither.")
    return (lat, lon) if lat is not None and lon is not None else None


@router.get("/service-points/nearby", summary="Service points near a place, nearest first")
async def nearby(
    elasticsearch: Elasticsearch,
    filters: Annotated[Filters, Depends()],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0, le=MAX_RADIUS_M)] = 5_000,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    must, must_not = filters.clauses()
    must.append({"geo_distance": {"distance": f"{radius_m}m", "location": {"lat": lat, "lon": lon}}})
    response = await elasticsearch.search(
        index=SEARCH_INDEX,
        query={"bool": {"filter": must, "must_not": must_not}},
        sort=[{"_geo_distance": {"location": {"lat": lat, "lon": lon}, "order": "asc", "unit": "m"}}],
        size=limit,
        source_includes=SOURCE_FIELDS,
        track_total_hits=False,
    )
    return {"items": [_item(hit, with_distance=True) for hit in response["hits"]["hits"]]}


@router.get("/service-points", summary="Search service points by text (Thai or English) and filters")
async def search(
    elasticsearch: Elasticsearch,
    filters: Annotated[Filters, Depends()],
    q: Annotated[str | None, Query(max_length=200)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_M, description="With lat/lon: only this near")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, lt=MAX_RESULT_WINDOW)] = 0,
) -> dict[str, Any]:
    """`q` is read for services (ทำบัตรประชาชน, ID card → the ID-card service) and places (province and
    district names narrow the search); `query` in the answer says how it was understood."""
    if offset + limit > MAX_RESULT_WINDOW:
        raise Problem(
            422,
            f"offset + limit may be at most {MAX_RESULT_WINDOW}: narrow the search (q or filters) instead of "
            "paging this deep.",
        )
    near = _near(lat, lon)
    if radius_m is not None and near is None:
        raise Problem(422, "radius_m needs lat and lon.")
    must, must_not = filters.clauses()
    parsed = parse_query(segment(q.strip()), thai_gazetteer()) if q and q.strip() else ParsedQuery()
    scored = _text_clauses(parsed)
    area = parsed.area_filter()
    if area:
        must.append({"terms": {area[0]: area[1]}})
    sort: list[Any] = ["_score", {"id": "asc"}]
    if near:
        sort = [{"_geo_distance": {"location": {"lat": near[0], "lon": near[1]}, "order": "asc", "unit": "m"}}]
        if radius_m is not None:
            must.append({"geo_distance": {"distance": f"{radius_m}m", "location": {"lat": near[0], "lon": near[1]}}})
    response = await elasticsearch.search(
        index=SEARCH_INDEX,
        query={"bool": {"must": scored, "filter": must, "must_not": must_not}},
        sort=sort,
        size=limit,
        from_=offset,
        source_includes=SOURCE_FIELDS,
        track_total_hits=MAX_RESULT_WINDOW,
    )
    hits = response["hits"]
    return {
        "total": hits["total"]["value"],
        # "gte" when there are more than the engine counts (MAX_RESULT_WINDOW).
        "total_relation": hits["total"].get("relation", "eq"),
        "offset": offset,
        "query": _understood(parsed),
        "items": [_item(hit, with_distance=near is not None) for hit in hits["hits"]],
    }
