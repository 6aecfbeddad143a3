"""Service points: read one, pin it (a re-pin moves it; the full history is kept)."""

import uuid
from datetime import UTC, datetime
from typing import Any

from citizeninfo_shared.auth import CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, update_with_events
from citizeninfo_shared.problems import Problem, RequestModel
from citizeninfo_shared.topics import TopicName
from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from pin_service.domain.pins import quality_flags

router = APIRouter(tags=["service points"])
EVENT_SOURCE = "/citizeninfo/pin-service/pins"


class PinCreate(RequestModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class PinPublic(BaseModel):
    pin_id: str
    service_point_id: str
    lat: float
    lon: float
    accuracy_m: float | None
    flags: list[str]


async def _service_point(request: Request, service_point_id: str) -> dict[str, Any]:
    document = await request.app.state.db["service_points"].find_one(
        {"_id": service_point_id}, {**PUBLIC_PROJECTION, "pins": 0, "content_hash": 0}
    )
    if document is None:
        raise Problem(404, f"No service point {service_point_id!r} in the catalogue.")
    return document


@router.get("/service-points/{service_point_id}", summary="One service point")
async def get_service_point(request: Request, service_point_id: str) -> dict[str, Any]:
    document = await _service_point(request, service_point_id)
    location = document.get("location")
    return {
        "id": document.pop("_id"),
        **document,
        "pinned": location is not None,
        "location": location,
    }


@router.post(
    "/service-points/{service_point_id}/pins",
    status_code=status.HTTP_201_CREATED,
    response_model=PinPublic,
    summary="Pin (or move) a service point",
)
async def pin_service_point(
    request: Request, service_point_id: str, body: PinCreate, principal: CurrentPrincipal
) -> PinPublic:
    point = await _service_point(request, service_point_id)
    ensure_may_act_for(principal, point.get("department_id"))
    now = datetime.now(UTC)
    pin = PinPublic(
        pin_id=str(uuid.uuid4()),
        service_point_id=service_point_id,
        lat=body.lat,
        lon=body.lon,
        accuracy_m=body.accuracy_m,
        flags=quality_flags(body.accuracy_m),
    )
    event = CloudEvent.wrap(
        PinPlaced(
            **pin.model_dump(),
            department_id=point["department_id"],
            ministry_id=point.get("ministry_id"),
            province_code=point.get("province_code"),
            pinned_by=principal.username,
            pinned_at=now,
        ),
        source=EVENT_SOURCE,
        subject=service_point_id,
    )
    history_entry = {**pin.model_dump(), "pinned_by": principal.username, "pinned_at": now}
    update = update_with_events(
        {
            "$set": {"location": {"lat": body.lat, "lon": body.lon}, "pinned_at": now},
            "$push": {"pins": history_entry},
        },
        OutboxEntry.of(TopicName.PINS, event),
    )
    await request.app.state.db["service_points"].update_one({"_id": service_point_id}, update)
    request.app.state.outbox_relay.notify("service_points", service_point_id)
    return pin
