"""Service points in pin-service's database: reading with their catalogue context, and pinning."""

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from citizeninfo_shared.concurrency import bounded_gather
from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, update_with_events
from pymongo.asynchronous.database import AsyncDatabase

from pin_service.domain.pins import PinnedPlace, cells_within_duplicate_radius, is_possible_duplicate

POINT_PROJECTION = {**PUBLIC_PROJECTION, "content_hash": 0}
# Reads of one request in flight at once: enough to hide round trips, few enough to leave the
# database's connections to everyone else.
READS_AT_ONCE = 16


class PinConflict(Exception):
    """The point changed while a flag was being resolved; the caller may retry."""


class ServicePointStore:
    def __init__(self, database: AsyncDatabase, *, reads_at_once: int = READS_AT_ONCE) -> None:
        self._db = database
        self._points = database["service_points"]
        self._reads_at_once = reads_at_once

    async def ensure_indexes(self) -> None:
        # Each index serves an equality filter (FerretDB scans for any field without one).
        for field in ("grid_cell", "department_id", "flags_open"):
            await self._points.create_index(field)

    async def get(self, service_point_id: str) -> dict[str, Any] | None:
        return await self._points.find_one({"_id": service_point_id}, POINT_PROJECTION)

    async def context(self, point: dict[str, Any]) -> dict[str, Any]:
        """The department, ministry and services a point refers to (each read by `_id`)."""
        department = await self._db["departments"].find_one(
            {"_id": point["department_id"]}, {"name_th": 1, "name_en": 1, "ministry_id": 1}
        )
        ministry_id = point.get("ministry_id") or (department or {}).get("ministry_id")
        ministry, *services = await asyncio.gather(
            self._db["ministries"].find_one({"_id": ministry_id}, {"name_th": 1, "name_en": 1}),
            *(
                self._db["services"].find_one({"_id": service_id}, {**POINT_PROJECTION, "department_id": 0})
                for service_id in point.get("service_ids", [])
            ),
        )
        return {"department": department, "ministry": ministry, "services": [s for s in services if s]}

    async def of_department(self, department_id: str) -> list[dict[str, Any]]:
        """The department's points with what its staff list shows (read by the indexed department id)."""
        fields = ("name_th", "name_en", "address_th", "province_code", "district_code", "location")
        projection = {field: 1 for field in (*fields, "latest_flags", "flags_open")}
        return [point async for point in self._points.find({"department_id": department_id}, projection)]

    async def get_many(self, service_point_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The points that exist among `service_point_ids`, each read by `_id` (on FerretDB an `$in`
        scans the collection), a bounded number at a time."""
        found = await bounded_gather(
            self._reads_at_once, [self.get(point_id) for point_id in dict.fromkeys(service_point_ids)]
        )
        return {point["_id"]: point for point in found if point is not None}

    async def pinned_in_cells(self, cells: Iterable[str]) -> list[PinnedPlace]:
        """The pinned points whose grid cell is one of `cells` (each cell read through its index)."""
        blocks = await bounded_gather(
            self._reads_at_once,
            [
                self._points.find({"grid_cell": cell}, {"department_id": 1, "location": 1}).to_list(None)
                for cell in dict.fromkeys(cells)
            ],
        )
        return [
            PinnedPlace(point["_id"], point.get("department_id"), point["location"]["lat"], point["location"]["lon"])
            for block in blocks
            for point in block
            if point.get("location")
        ]

    async def has_neighbour(self, department_id: str, lat: float, lon: float, *, other_than: str) -> bool:
        """Whether another point of the department is pinned within the duplicate radius."""
        nearby = await self.pinned_in_cells(cells_within_duplicate_radius(lat, lon))
        return is_possible_duplicate(lat, lon, department_id, nearby, other_than=other_than)

    async def record_pin(self, service_point_id: str, pin: dict[str, Any], cell: str, entry: OutboxEntry) -> bool:
        """Moves the point to the pin and keeps the pin in its history, with the event, in one write."""
        update = update_with_events(
            {
                "$set": {
                    "location": {"lat": pin["lat"], "lon": pin["lon"]},
                    "grid_cell": cell,
                    "pinned_at": pin["pinned_at"],
                    "latest_flags": pin["flags"],
                    "flags_open": bool(pin["flags"]),
                },
                "$push": {"pins": pin},
                "$inc": {"pin_count": 1},
            },
            entry,
        )
        async with DOCUMENT_LOCKS.hold("service_points", service_point_id):
            result = await self._points.update_one({"_id": service_point_id}, update)
        return result.modified_count == 1

    async def flagged(self, limit: int) -> list[dict[str, Any]]:
        return await self._points.find({"flags_open": True}, POINT_PROJECTION).limit(limit).to_list(None)

    async def resolve_flags(
        self, point: dict[str, Any], pin_id: str, *, resolved_by: str, note: str | None, at: datetime
    ) -> dict[str, Any] | None:
        """Marks the pin's flags reviewed; compare-and-set on the pin count so a new pin is never lost."""
        pins = point.get("pins", [])
        target = next((p for p in pins if p["pin_id"] == pin_id), None)
        if target is None:
            return None
        target["resolution"] = {"resolved_by": resolved_by, "note": note, "resolved_at": at}
        latest = pins[-1]["pin_id"] == pin_id
        changes: dict[str, Any] = {"pins": pins}
        if latest:
            changes["flags_open"] = False
        async with DOCUMENT_LOCKS.hold("service_points", point["_id"]):
            result = await self._points.update_one(
                {"_id": point["_id"], "pin_count": point.get("pin_count", len(pins))}, {"$set": changes}
            )
        if result.matched_count == 0:
            raise PinConflict(point["_id"])
        return target
