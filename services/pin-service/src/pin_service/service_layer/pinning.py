"""Placing pins: the one use case behind `POST /service-points/{id}/pins` (one pin) and `POST /pins:batch`
(many). Both check the same rights, raise the same quality flags, store each pin with its `PinPlaced`
event in one write (the outbox) and answer with the same record of the pin."""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import structlog
from citizeninfo_shared.auth import Principal
from citizeninfo_shared.concurrency import bounded_gather
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.topics import TopicName
from pydantic import BaseModel
from pymongo.errors import PyMongoError

from pin_service.adapters.geography import ThaiGeography
from pin_service.adapters.service_points import ServicePointStore
from pin_service.domain.pins import (
    PinnedPlace,
    PinPrecondition,
    cells_within_duplicate_radius,
    current_pin_id,
    grid_cell,
    idempotent_pin_id,
    is_possible_duplicate,
    precondition_holds,
    quality_flags,
)

log = structlog.get_logger(__name__)
EVENT_SOURCE = "/citizeninfo/pin-service/pins"
SERVICE_POINTS = "service_points"
# The very words the single endpoint answers with, so a batch item's problem reads the same.
OTHER_DEPARTMENT = "Agency staff may act only on service points of their own department."
NOT_STORED = "The pin could not be stored; please send it again."
KEY_REUSED = "This idempotency key was already used for a different pin of this point; use a new key."
PIN_CHANGED = (
    "The point was pinned again since the pin this one is based on (expected_current_pin_id): nothing was "
    "stored. Compare the current pin, then send again without expected_current_pin_id to replace it."
)
PIN_CHANGED_REASON = "pin_changed"
WRITES_AT_ONCE = 16


def _now_in_milliseconds() -> datetime:
    # BSON keeps milliseconds: the pin answered now must equal the one a repeated key reads back.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def unknown_point(service_point_id: str) -> str:
    return f"No service point {service_point_id!r} in the catalogue."


class PinPublic(BaseModel):
    pin_id: str
    service_point_id: str
    lat: float
    lon: float
    accuracy_m: float | None
    flags: list[str]
    pinned_by: str
    pinned_at: datetime


@dataclass(frozen=True, slots=True)
class PinRequest:
    service_point_id: str
    lat: float
    lon: float
    accuracy_m: float | None = None
    idempotency_key: str | None = None
    # Only if the point's current pin is still this one (absent: no condition).
    precondition: PinPrecondition | None = None

    def same_place_as(self, pin: dict[str, Any]) -> bool:
        return (pin["lat"], pin["lon"], pin.get("accuracy_m")) == (self.lat, self.lon, self.accuracy_m)


@dataclass(frozen=True, slots=True)
class PinOutcome:
    """What became of one pin of a batch: created (201), the same pin again for a repeated idempotency
    key (200), or refused with the problem the single endpoint would have answered."""

    status: int
    outcome: Literal["created", "repeated", "refused"]
    pin: PinPublic | None = None
    detail: str | None = None
    # A refused precondition: why (`pin_changed`) and the point's current pin, for the client to compare.
    reason: str | None = None
    current_pin: PinPublic | None = None

    @classmethod
    def refused(cls, status: int, detail: str) -> "PinOutcome":
        return cls(status, "refused", detail=detail)

    @classmethod
    def pin_changed(cls, current: dict[str, Any] | None) -> "PinOutcome":
        return cls(
            409,
            "refused",
            detail=PIN_CHANGED,
            reason=PIN_CHANGED_REASON,
            current_pin=PinPublic.model_validate(current) if current is not None else None,
        )


class PinNotStored(Exception):
    """The database did not take the pin; nothing was stored, the client may send it again."""


class PinChanged(Exception):
    """The point's current pin is not the one the request was based on; nothing was stored."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        super().__init__(PIN_CHANGED)
        self.current_pin = PinPublic.model_validate(current) if current is not None else None


class Relay(Protocol):
    def notify(self, collection: str, document_id: Any) -> None: ...


@dataclass
class _Placement:
    """A pin about to be stored, with its event."""

    index: int
    pin: PinPublic
    entry: OutboxEntry
    cell: str


class PinPlacement:
    def __init__(self, points: ServicePointStore, geography: ThaiGeography, relay: Relay) -> None:
        self._points = points
        self._geography = geography
        self._relay = relay

    # ------------------------------------------------------------------------------- one pin
    async def flags(self, point: dict[str, Any], lat: float, lon: float, accuracy_m: float | None) -> list[str]:
        outside, far, duplicate = await asyncio.gather(
            asyncio.to_thread(self._geography.outside_thailand, lat, lon),
            asyncio.to_thread(
                self._geography.far_from_district, lat, lon, point["province_code"], point.get("district_code")
            ),
            self._points.has_neighbour(point["department_id"], lat, lon, other_than=point["_id"]),
        )
        return quality_flags(
            accuracy_m=accuracy_m, outside_thailand=outside, far_from_district=far, possible_duplicate=duplicate
        )

    async def place(self, point: dict[str, Any], request: PinRequest, principal: Principal) -> PinPublic:
        """Stores one pin (the caller has checked the point exists and the principal may act for it);
        `PinChanged` if the request's precondition does not hold."""
        pins = point.get("pins", [])
        if not precondition_holds(current_pin_id(pins), request.precondition):
            raise PinChanged(pins[-1] if pins else None)
        flags = await self.flags(point, request.lat, request.lon, request.accuracy_m)
        placement = self._compose(0, point, request, principal, flags)
        if not await self._store(placement):
            raise PinNotStored(point["_id"])
        return placement.pin

    def _compose(
        self, index: int, point: dict[str, Any], request: PinRequest, principal: Principal, flags: list[str]
    ) -> _Placement:
        pin_id = (
            idempotent_pin_id(point["_id"], request.idempotency_key)
            if request.idempotency_key is not None
            else str(uuid.uuid4())
        )
        pin = PinPublic(
            pin_id=pin_id,
            service_point_id=point["_id"],
            lat=request.lat,
            lon=request.lon,
            accuracy_m=request.accuracy_m,
            flags=flags,
            pinned_by=principal.username,
            pinned_at=_now_in_milliseconds(),
        )
        event = CloudEvent.wrap(
            PinPlaced(
                **pin.model_dump(),
                department_id=point["department_id"],
                ministry_id=point.get("ministry_id"),
                province_code=point.get("province_code"),
            ),
            source=EVENT_SOURCE,
            subject=point["_id"],
        )
        return _Placement(index, pin, OutboxEntry.of(TopicName.PINS, event), grid_cell(request.lat, request.lon))

    async def _store(self, placement: _Placement) -> bool:
        stored = await self._points.record_pin(
            placement.pin.service_point_id, placement.pin.model_dump(), placement.cell, placement.entry
        )
        if stored:
            self._relay.notify(SERVICE_POINTS, placement.pin.service_point_id)
        return stored

    async def _store_or_report(self, placement: _Placement) -> bool:
        """In a batch a database error fails only its item: the others' results stay true, and with an
        idempotency key the item can be sent again safely (it may have been stored after all)."""
        try:
            return await self._store(placement)
        except PyMongoError as error:
            log.warning("batch_pin_not_stored", service_point_id=placement.pin.service_point_id, error=repr(error))
            return False

    # ------------------------------------------------------------------------------ many pins
    async def place_many(self, requests: Sequence[PinRequest], principal: Principal) -> list[PinOutcome]:
        """Every request's outcome, in order. Pins are flagged and stored as if sent one at a time in
        this order: an earlier pin of the batch counts as a neighbour of a later one, and a point pinned
        twice ends where its last pin puts it. Reads and writes are batched, a bounded number at once."""
        outcomes: list[PinOutcome | None] = [None] * len(requests)
        points = await self._points.get_many(r.service_point_id for r in requests)
        to_place: list[int] = []
        first_of_key: dict[tuple[str, str], int] = {}
        repeats_in_batch: dict[int, int] = {}
        # Each point's current pin as the batch goes (as if sent one at a time): a pin of this batch
        # without a key has an id not known yet, which no precondition can name.
        current: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
        for index, request in enumerate(requests):
            point = points.get(request.service_point_id)
            if point is None:
                outcomes[index] = PinOutcome.refused(404, unknown_point(request.service_point_id))
            elif not principal.may_act_for(point["department_id"]):
                outcomes[index] = PinOutcome.refused(403, OTHER_DEPARTMENT)
            elif request.idempotency_key is not None and (
                (key := (request.service_point_id, request.idempotency_key)) in first_of_key
            ):
                repeats_in_batch[index] = first_of_key[key]
            else:
                if request.idempotency_key is not None:
                    first_of_key[(request.service_point_id, request.idempotency_key)] = index
                    stored = _stored_pin(point, idempotent_pin_id(point["_id"], request.idempotency_key))
                    if stored is not None:
                        outcomes[index] = _again(request, stored)
                        continue
                pins = point.get("pins", [])
                now_id, now_pin = current.get(point["_id"], (current_pin_id(pins), pins[-1] if pins else None))
                if not precondition_holds(now_id, request.precondition):
                    outcomes[index] = PinOutcome.pin_changed(now_pin)
                    continue
                current[point["_id"]] = (
                    idempotent_pin_id(point["_id"], request.idempotency_key) if request.idempotency_key else "",
                    None,
                )
                to_place.append(index)

        placements = await self._flag_in_order(requests, points, to_place, principal)
        stored = await self._store_in_order(placements)
        for placement in placements:
            outcomes[placement.index] = (
                PinOutcome(201, "created", pin=placement.pin)
                if stored[placement.index]
                else PinOutcome.refused(503, NOT_STORED)
            )
        for index, first in repeats_in_batch.items():
            outcomes[index] = _repeat_of(requests[index], outcomes[first])
        return [outcome for outcome in outcomes if outcome is not None]

    async def _flag_in_order(
        self,
        requests: Sequence[PinRequest],
        points: dict[str, dict[str, Any]],
        to_place: list[int],
        principal: Principal,
    ) -> list[_Placement]:
        cells = {index: cells_within_duplicate_radius(requests[index].lat, requests[index].lon) for index in to_place}
        stored_nearby = await self._points.pinned_in_cells(cell for block in cells.values() for cell in block)
        by_cell: dict[str, list[str]] = {}
        known: dict[str, PinnedPlace] = {}
        for place in stored_nearby:
            by_cell.setdefault(grid_cell(place.lat, place.lon), []).append(place.service_point_id)
            known[place.service_point_id] = place
        geography = await asyncio.to_thread(
            self._geography_of, [(requests[i], points[requests[i].service_point_id]) for i in to_place]
        )
        # Where this batch's own pins have put their points so far: each pin is flagged as if the
        # earlier ones were already stored.
        placed: dict[str, PinnedPlace] = {}
        placements = []
        for index, (outside, far) in zip(to_place, geography, strict=True):
            request, point = requests[index], points[requests[index].service_point_id]
            # The points stored in the 3×3 cells around the pin (where this batch has moved them, if it
            # has), and the points this batch has pinned into those cells.
            block = set(cells[index])
            candidates = {point_id for cell in block for point_id in by_cell.get(cell, [])}
            candidates |= {point_id for point_id, place in placed.items() if grid_cell(place.lat, place.lon) in block}
            nearby = [placed.get(point_id) or known[point_id] for point_id in candidates]
            duplicate = is_possible_duplicate(
                request.lat, request.lon, point["department_id"], nearby, other_than=point["_id"]
            )
            flags = quality_flags(
                accuracy_m=request.accuracy_m,
                outside_thailand=outside,
                far_from_district=far,
                possible_duplicate=duplicate,
            )
            placements.append(self._compose(index, point, request, principal, flags))
            placed[point["_id"]] = PinnedPlace(point["_id"], point["department_id"], request.lat, request.lon)
        return placements

    def _geography_of(self, pins: list[tuple[PinRequest, dict[str, Any]]]) -> list[tuple[bool, bool]]:
        """Both geography checks of every pin, in one trip to a thread (they are CPU work)."""
        return [
            (
                self._geography.outside_thailand(request.lat, request.lon),
                self._geography.far_from_district(
                    request.lat, request.lon, point["province_code"], point.get("district_code")
                ),
            )
            for request, point in pins
        ]

    async def _store_in_order(self, placements: list[_Placement]) -> dict[int, bool]:
        """Stores the pins, a bounded number at once; a point's pins one after another, in order."""
        rounds: list[list[_Placement]] = []
        depth: dict[str, int] = {}
        for placement in placements:
            level = depth.get(placement.pin.service_point_id, 0)
            depth[placement.pin.service_point_id] = level + 1
            if level == len(rounds):
                rounds.append([])
            rounds[level].append(placement)
        stored: dict[int, bool] = {}
        for round_ in rounds:
            results = await bounded_gather(WRITES_AT_ONCE, [self._store_or_report(p) for p in round_])
            stored.update({p.index: ok for p, ok in zip(round_, results, strict=True)})
        return stored


def _stored_pin(point: dict[str, Any], pin_id: str) -> dict[str, Any] | None:
    return next((pin for pin in point.get("pins", []) if pin.get("pin_id") == pin_id), None)


def _again(request: PinRequest, stored: dict[str, Any]) -> PinOutcome:
    """A key already used for this point: the pin it stored, if this is the same pin."""
    if not request.same_place_as(stored):
        return PinOutcome.refused(409, KEY_REUSED)
    return PinOutcome(200, "repeated", pin=PinPublic.model_validate(stored))


def _repeat_of(request: PinRequest, first: PinOutcome | None) -> PinOutcome:
    """An item repeating an earlier item's key in the same batch gets that item's result again."""
    if first is None or first.pin is None:
        return first or PinOutcome.refused(503, NOT_STORED)
    if not request.same_place_as(first.pin.model_dump()):
        return PinOutcome.refused(409, KEY_REUSED)
    return PinOutcome(200, "repeated", pin=first.pin)
