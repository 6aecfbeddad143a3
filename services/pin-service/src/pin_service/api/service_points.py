"""Service points: read one with its context, pin it (a re-pin moves it; the full history is kept),
and review the pins whose quality flags were raised."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from citizeninfo_shared.auth import (
    AdminPrincipal,
    CurrentPrincipal,
    OptionalPrincipal,
    ensure_may_act_for,
)
from citizeninfo_shared.deps import DatabaseDep, OutboxRelayDep
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem, RequestModel
from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel, Field

from pin_service.adapters.geography import ThaiGeography
from pin_service.adapters.service_points import PinConflict, ServicePointStore
from pin_service.domain.directions import directions_links
from pin_service.domain.pins import PinPrecondition, flag_notes
from pin_service.domain.point_lists import PointQuery, page_of
from pin_service.service_layer.pinning import (
    NOT_STORED,
    PIN_CHANGED_REASON,
    PinChanged,
    PinNotStored,
    PinPlacement,
    PinPublic,
    PinRequest,
)

__all__ = ["PinCreate", "PinPublic", "router"]

router = APIRouter(tags=["service points"])


PIN_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


class PinCreate(RequestModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    expected_current_pin_id: str | None = Field(
        default=None,
        pattern=PIN_ID_PATTERN,
        description=(
            "Optional precondition: store the pin only if the point's current (latest) pin is this one; "
            "`null` given explicitly: only if the point is not pinned yet; absent: no condition. "
            "Otherwise 409 with `reason: pin_changed` and the `current_pin`"
        ),
    )

    def precondition(self) -> PinPrecondition | None:
        """The precondition the body carries, if any (an explicit `null` is one: "not pinned yet")."""
        if "expected_current_pin_id" not in self.model_fields_set:
            return None
        return PinPrecondition(self.expected_current_pin_id)


class FlagNote(BaseModel):
    flag: str
    th: str
    en: str


class PinCheck(BaseModel):
    """What a pin here would be flagged with, in words; nothing is saved."""

    service_point_id: str
    lat: float
    lon: float
    accuracy_m: float | None
    flags: list[str]
    notes: list[FlagNote]
    distance_to_area_km: float | None = Field(description="From the nearest known place of the point's district")


class FlagResolution(RequestModel):
    note: str | None = Field(default=None, max_length=1000)


async def _store(database: DatabaseDep) -> ServicePointStore:
    return ServicePointStore(database)


Points = Annotated[ServicePointStore, Depends(_store)]


async def _geography(request: Request) -> ThaiGeography:
    return request.app.state.geography


Geography = Annotated[ThaiGeography, Depends(_geography)]


async def _existing(points: ServicePointStore, service_point_id: str) -> dict[str, Any]:
    point = await points.get(service_point_id)
    if point is None:
        raise Problem(404, f"No service point {service_point_id!r} in the catalogue.")
    return point


def _named(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    return {"id": document["_id"], "name_th": document.get("name_th"), "name_en": document.get("name_en")}


def _area(code: str | None, names: tuple[str, str] | None) -> dict[str, Any] | None:
    if code is None:
        return None
    name_th, name_en = names or (None, None)
    return {"code": code, "name_th": name_th, "name_en": name_en}


def _map_area(geography: ThaiGeography, point: dict[str, Any]) -> dict[str, Any] | None:
    """Where a map of the point opens before it is pinned: its district's (else province's) centre."""
    found = geography.centre_of(point.get("province_code") or "", point.get("district_code"))
    if found is None:
        return None
    centre, level, spread_km = found
    return {"lat": centre.lat, "lon": centre.lon, "level": level, "radius_km": round(spread_km, 1)}


@router.get(
    "/departments/{department_id}/service-points",
    summary="A department's points for its staff: search by name or code, filters, a page and the total",
)
async def department_points(
    department_id: Annotated[str, Path(pattern=CATALOGUE_ID_PATTERN)],
    principal: CurrentPrincipal,
    points: Points,
    q: Annotated[str | None, Query(max_length=200, description="Words of the name, address or point id")] = None,
    pinned: Annotated[bool | None, Query(description="Only pinned (true) or not pinned (false) points")] = None,
    flagged: Annotated[bool | None, Query(description="Only points whose latest pin has open flags")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    ensure_may_act_for(principal, department_id)  # before any lookup: no probing of other departments
    query = PointQuery(q=q, pinned=pinned, flagged=flagged, offset=offset, limit=limit)
    total, items = page_of(await points.of_department(department_id), query)
    return {"department_id": department_id, "total": total, "offset": offset, "limit": limit, "items": items}


@router.get("/service-points/{service_point_id}", summary="One service point, its services and location")
async def get_service_point(
    service_point_id: str, points: Points, geography: Geography, principal: OptionalPrincipal
) -> dict[str, Any]:
    point = await _existing(points, service_point_id)
    context = await points.context(point)
    location = point.get("location")
    pins = point.pop("pins", [])
    body = {
        "id": point["_id"],
        "name_th": point["name_th"],
        "name_en": point.get("name_en"),
        "address_th": point.get("address_th"),
        "department_id": point["department_id"],
        "ministry_id": point.get("ministry_id"),
        "province_code": point.get("province_code"),
        "district_code": point.get("district_code"),
        "service_ids": point.get("service_ids", []),
        "department": _named(context["department"]),
        "ministry": _named(context["ministry"]),
        "province": _area(point.get("province_code"), geography.province_name(point.get("province_code", ""))),
        "district": _area(point.get("district_code"), geography.district_name(point.get("district_code") or "")),
        "services": [
            {
                "id": s["_id"],
                "name_th": s.get("name_th"),
                "name_en": s.get("name_en"),
                "steps": s.get("steps", []),
                "documents": s.get("documents", []),
            }
            for s in context["services"]
        ],
        "pinned": location is not None,
        "location": location,
        "pin_count": point.get("pin_count", len(pins)),
        "flags": point.get("latest_flags", []),
        "flag_notes": flag_notes(point.get("latest_flags", [])),
        "map_area": _map_area(geography, point),
        "may_edit": principal is not None and principal.may_act_for(point["department_id"]),
        "directions": directions_links(location["lat"], location["lon"], point["name_th"]) if location else None,
    }
    if principal is not None and principal.may_act_for(point["department_id"]):
        body["pin_history"] = pins
    return body


@router.get("/service-points/{service_point_id}/pins", summary="Pin history (that department's staff, or admin)")
async def pin_history(service_point_id: str, points: Points, principal: CurrentPrincipal) -> dict[str, Any]:
    point = await _existing(points, service_point_id)
    ensure_may_act_for(principal, point["department_id"])
    return {"service_point_id": service_point_id, "items": point.get("pins", [])}


async def _placement(database: DatabaseDep, geography: Geography, relay: OutboxRelayDep) -> PinPlacement:
    return PinPlacement(ServicePointStore(database), geography, relay)


Placement = Annotated[PinPlacement, Depends(_placement)]


@router.post(
    "/service-points/{service_point_id}/pins:check",
    summary="What a pin here would be flagged with, in words, without saving it",
)
async def check_pin(
    service_point_id: str,
    body: PinCreate,
    principal: CurrentPrincipal,
    points: Points,
    geography: Geography,
    placement: Placement,
) -> PinCheck:
    point = await _existing(points, service_point_id)
    ensure_may_act_for(principal, point["department_id"])
    flags = await placement.flags(point, body.lat, body.lon, body.accuracy_m)
    distance = await asyncio.to_thread(
        geography.distance_to_area_km, body.lat, body.lon, point["province_code"], point.get("district_code")
    )
    return PinCheck(
        service_point_id=service_point_id,
        lat=body.lat,
        lon=body.lon,
        accuracy_m=body.accuracy_m,
        flags=flags,
        notes=[FlagNote(**note) for note in flag_notes(flags)],
        distance_to_area_km=round(distance, 1) if distance is not None else None,
    )


@router.post(
    "/service-points/{service_point_id}/pins",
    status_code=status.HTTP_201_CREATED,
    response_model=PinPublic,
    summary="Pin (or move) a service point",
    responses={409: {"description": "expected_current_pin_id given and the point's current pin differs"}},
)
async def pin_service_point(
    service_point_id: str, body: PinCreate, principal: CurrentPrincipal, points: Points, placement: Placement
) -> PinPublic:
    point = await _existing(points, service_point_id)
    ensure_may_act_for(principal, point["department_id"])
    request = PinRequest(service_point_id, body.lat, body.lon, body.accuracy_m, precondition=body.precondition())
    try:
        return await placement.place(point, request, principal)
    except PinChanged as error:
        current = error.current_pin.model_dump(mode="json") if error.current_pin is not None else None
        raise Problem(409, str(error), reason=PIN_CHANGED_REASON, current_pin=current) from error
    except PinNotStored as error:
        # Never answer 201 for a pin that was not stored.
        raise Problem(503, NOT_STORED, headers={"Retry-After": "1"}) from error


@router.get("/pins/flagged", summary="Points whose latest pin raised quality flags (admin)")
async def flagged_pins(
    points: Points, _admin: AdminPrincipal, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, Any]:
    items = []
    for point in await points.flagged(limit):
        latest = point.get("pins", [])[-1:] or [{}]
        items.append(
            {
                "service_point_id": point["_id"],
                "name_th": point["name_th"],
                "department_id": point["department_id"],
                "province_code": point.get("province_code"),
                "district_code": point.get("district_code"),
                "pin": latest[0],
            }
        )
    return {"items": items}


@router.post(
    "/service-points/{service_point_id}/pins/{pin_id}:resolve",
    summary="Mark a pin's flags as reviewed (admin)",
    responses={409: {"description": "The point was pinned again meanwhile"}},
)
async def resolve_pin_flags(
    service_point_id: str, pin_id: str, body: FlagResolution, points: Points, admin: AdminPrincipal
) -> dict[str, Any]:
    point = await _existing(points, service_point_id)
    try:
        pin = await points.resolve_flags(
            point, pin_id, resolved_by=admin.username, note=body.note, at=datetime.now(UTC)
        )
    except PinConflict as error:
        raise Problem(409, "The point was pinned again meanwhile; reload it and resolve again.") from error
    if pin is None:
        raise Problem(404, f"No pin {pin_id!r} on service point {service_point_id!r}.")
    return pin
