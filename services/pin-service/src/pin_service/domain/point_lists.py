"""A department's list of its points for its staff: search by name or code, pinned / flagged filters,
and a page of it with the real total (pure; the adapter reads the department's points)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PointQuery:
    q: str | None = None
    pinned: bool | None = None
    flagged: bool | None = None
    offset: int = 0
    limit: int = 50


def _folded(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def matches(point: dict[str, Any], query: PointQuery) -> bool:
    pinned = point.get("location") is not None
    if query.pinned is not None and pinned != query.pinned:
        return False
    flagged = bool(point.get("latest_flags")) and bool(point.get("flags_open", True))
    if query.flagged is not None and flagged != query.flagged:
        return False
    wanted = _folded(query.q)
    if not wanted:
        return True
    haystack = " ".join(_folded(point.get(field)) for field in ("_id", "name_th", "name_en", "address_th"))
    return all(word in haystack for word in wanted.split(" "))


def list_item(point: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": point["_id"],
        "name_th": point.get("name_th"),
        "name_en": point.get("name_en"),
        "province_code": point.get("province_code"),
        "district_code": point.get("district_code"),
        "pinned": point.get("location") is not None,
        "location": point.get("location"),
        "flags": point.get("latest_flags", []),
    }


def page_of(points: Iterable[dict[str, Any]], query: PointQuery) -> tuple[int, list[dict[str, Any]]]:
    """(how many points match, the requested page of them), ordered by point id."""
    chosen = sorted((p for p in points if matches(p, query)), key=lambda p: p["_id"])
    return len(chosen), [list_item(p) for p in chosen[query.offset : query.offset + query.limit]]
