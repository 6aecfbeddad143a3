"""How each event changes the stats read model: pure functions from a CloudEvent to a document update.

Every update names its document by a deterministic id (the service point id, the rating id), so an
event delivered twice writes the same fields to the same document and never counts twice. Each
topic owns its own fields of a service point document, so events of different topics can be
merged in any order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from citizeninfo_shared.events.catalogue import ServicePointUpserted
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.topics import TopicName


class ReadModel(StrEnum):
    SERVICE_POINTS = "service-points"
    RATINGS = "ratings"


@dataclass(frozen=True, slots=True)
class DocumentUpdate:
    """Set these fields on this document, creating it if it does not exist yet."""

    read_model: ReadModel
    document_id: str
    fields: dict[str, Any]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def service_point_listed(event: CloudEvent) -> DocumentUpdate | None:
    """The catalogue is the one authority on a point's department, ministry and province."""
    if event.type != ServicePointUpserted.event_type:
        return None  # ministries, departments and services are not counted here
    point = event.data_as(ServicePointUpserted)
    return DocumentUpdate(
        ReadModel.SERVICE_POINTS,
        point.service_point_id,
        {
            "service_point_id": point.service_point_id,
            "department_id": point.department_id,
            "ministry_id": point.ministry_id,
            "province_code": point.province_code,
            "district_code": point.district_code,
            "name_th": point.name_th,
            "listed": True,
            "last_event_time": _iso(event.time),
        },
    )


def service_point_pinned(event: CloudEvent) -> DocumentUpdate | None:
    """A re-pin moves the point: the latest pin's location replaces the previous one."""
    if event.type != PinPlaced.event_type:
        return None
    pin = event.data_as(PinPlaced)
    return DocumentUpdate(
        ReadModel.SERVICE_POINTS,
        pin.service_point_id,
        {
            "service_point_id": pin.service_point_id,
            "pinned": True,
            "pin_id": pin.pin_id,
            "location": {"lat": pin.lat, "lon": pin.lon},
            "pinned_at": _iso(pin.pinned_at),
            "last_event_time": _iso(event.time),
        },
    )


def service_point_surveyed(event: CloudEvent) -> DocumentUpdate | None:
    """The latest survey replaces the previous one, copy status included."""
    if event.type != ReadinessAnswered.event_type:
        return None
    answer = event.data_as(ReadinessAnswered)
    return DocumentUpdate(
        ReadModel.SERVICE_POINTS,
        answer.service_point_id,
        {
            "service_point_id": answer.service_point_id,
            "surveyed": True,
            "copy_status": answer.copy_status,
            "readiness_mode": answer.mode,
            "surveyed_at": _iso(answer.answered_at),
            "last_event_time": _iso(event.time),
        },
    )


def rating_recorded(event: CloudEvent) -> DocumentUpdate | None:
    """One document per rating; the comment stays out of the statistics."""
    if event.type != RatingSubmitted.event_type:
        return None
    rating = event.data_as(RatingSubmitted)
    return DocumentUpdate(
        ReadModel.RATINGS,
        rating.rating_id,
        {
            "rating_id": rating.rating_id,
            "service_point_id": rating.service_point_id,
            "service_id": rating.service_id,
            "score": rating.score,
            "verified": rating.verified,
            "asked_for_copy": rating.asked_for_copy,
            "submitted_at": _iso(rating.submitted_at),
            "last_event_time": _iso(event.time),
        },
    )


Projection = Callable[[CloudEvent], DocumentUpdate | None]

PROJECTIONS: dict[TopicName, Projection] = {
    TopicName.CATALOGUE: service_point_listed,
    TopicName.PINS: service_point_pinned,
    TopicName.READINESS: service_point_surveyed,
    TopicName.RATINGS: rating_recorded,
}
