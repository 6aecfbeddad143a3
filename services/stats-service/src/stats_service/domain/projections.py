"""How each event changes the stats read model: pure functions from a CloudEvent to a document update.

Every update names its document by a deterministic id (the service point id, the rating id), so an
event delivered twice writes the same fields to the same document and never counts twice. Each
topic owns its own fields of a service point document (its event time included), so events of
different topics merge in any order to the same document: a replay after a crash and a rebuild
from scratch end identical.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from citizeninfo_shared.events.catalogue import DepartmentUpserted, MinistryUpserted, ServicePointUpserted
from citizeninfo_shared.events.complaints import ComplaintFiled, ComplaintStatusUpdated
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.topics import TopicName


class ReadModel(StrEnum):
    SERVICE_POINTS = "service-points"
    RATINGS = "ratings"
    COMPLAINTS = "complaints"
    # Ministries and departments by id: the names the progress tables print beside the counts.
    UNITS = "units"


@dataclass(frozen=True, slots=True)
class DocumentUpdate:
    """Set these fields on this document, creating it if it does not exist yet."""

    read_model: ReadModel
    document_id: str
    fields: dict[str, Any]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# Where a rating or complaint was given, so that satisfaction per department, ministry and province
# needs no lookup. Read from the raw data: producers add these optional fields release by release.
ORGANISATION_FIELDS = ("department_id", "ministry_id", "province_code")

# Complaint categories that mean "I was asked for a photocopy" (the complaint form's wording varies);
# an explicit `asked_for_copy: true` in the data counts as well.
COPY_DEMANDED_CATEGORIES = frozenset({"asked_for_copy", "copy_requested", "copy_demanded", "document_copy"})


def _organisation(data: dict[str, Any]) -> dict[str, str]:
    return {name: data[name] for name in ORGANISATION_FIELDS if isinstance(data.get(name), str) and data[name]}


def unit_document_id(kind: str, unit_id: str) -> str:
    return f"{kind}:{unit_id}"


def unit_listed(event: CloudEvent) -> DocumentUpdate | None:
    if event.type == MinistryUpserted.event_type:
        ministry = event.data_as(MinistryUpserted)
        return DocumentUpdate(
            ReadModel.UNITS,
            unit_document_id("ministry", ministry.ministry_id),
            {
                "kind": "ministry",
                "unit_id": ministry.ministry_id,
                "ministry_id": ministry.ministry_id,
                "name_th": ministry.name_th,
                "name_en": ministry.name_en,
                "last_event_time": _iso(event.time),
            },
        )
    if event.type == DepartmentUpserted.event_type:
        department = event.data_as(DepartmentUpserted)
        return DocumentUpdate(
            ReadModel.UNITS,
            unit_document_id("department", department.department_id),
            {
                "kind": "department",
                "unit_id": department.department_id,
                "ministry_id": department.ministry_id,
                "name_th": department.name_th,
                "name_en": department.name_en,
                "last_event_time": _iso(event.time),
            },
        )
    return None


def catalogue_entry(event: CloudEvent) -> DocumentUpdate | None:
    """Service points are counted; ministries and departments give the tables their names."""
    if event.type == ServicePointUpserted.event_type:
        return service_point_listed(event)
    return unit_listed(event)  # services are not counted here


def service_point_listed(event: CloudEvent) -> DocumentUpdate | None:
    """The catalogue is the one authority on a point's department, ministry and province."""
    if event.type != ServicePointUpserted.event_type:
        return None
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
            "name_en": point.name_en,
            "listed": True,
            "catalogue_event_time": _iso(event.time),
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
            "pin_event_time": _iso(event.time),
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
            "survey_event_time": _iso(event.time),
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
            **_organisation(event.data),
            "service_id": rating.service_id,
            "score": rating.score,
            # Nested, so that one query averages every aspect without knowing their names.
            "aspects": [{"name": name, "score": score} for name, score in sorted(rating.aspects.items())],
            "verified": rating.verified,
            "asked_for_copy": rating.asked_for_copy,
            "submitted_at": _iso(rating.submitted_at),
            "last_event_time": _iso(event.time),
        },
    )


def complaint_recorded(event: CloudEvent) -> DocumentUpdate | None:
    """One document per complaint: counted, and read by the reconciliation list; no text, no contact.

    The filing and the status snapshots (`ComplaintStatusUpdated`) each own their fields of it (partial
    upserts, like a point's topics): the filing `filed_due_at`, the snapshots `status`, `open`, `due_at`,
    `status_sequence`. A complaint without a snapshot is still as filed: open, due at `filed_due_at`."""
    if event.type == ComplaintStatusUpdated.event_type:
        return complaint_status_recorded(event)
    if event.type != ComplaintFiled.event_type:
        return None  # contact erasures and anything else on the topic are not counted here
    complaint = event.data_as(ComplaintFiled)
    asked_for_copy = event.data.get("asked_for_copy") is True or complaint.category in COPY_DEMANDED_CATEGORIES
    return DocumentUpdate(
        ReadModel.COMPLAINTS,
        complaint.complaint_id,
        {
            "complaint_id": complaint.complaint_id,
            "service_point_id": complaint.service_point_id,
            **_organisation(event.data),
            "category": complaint.category,
            "asked_for_copy": asked_for_copy,
            "filed_at": _iso(complaint.filed_at),
            "filed_due_at": _iso(complaint.due_at) if complaint.due_at is not None else None,
            "last_event_time": _iso(event.time),
        },
    )


def complaint_status_recorded(event: CloudEvent) -> DocumentUpdate | None:
    """The complaint's status as feedback-service holds it now: open or answered, and when due."""
    if event.type != ComplaintStatusUpdated.event_type:
        return None
    snapshot = event.data_as(ComplaintStatusUpdated)
    return DocumentUpdate(
        ReadModel.COMPLAINTS,
        snapshot.complaint_id,
        {
            # The same values the filing wrote (a snapshot names them too): counted per unit either way.
            "complaint_id": snapshot.complaint_id,
            "service_point_id": snapshot.service_point_id,
            **_organisation(event.data),
            "status": snapshot.status,
            "open": snapshot.open,
            "due_at": _iso(snapshot.due_at) if snapshot.due_at is not None else None,
            "status_sequence": snapshot.sequence,
            "reopen_count": snapshot.reopen_count,
            "status_changed_at": _iso(snapshot.changed_at),
        },
    )


Projection = Callable[[CloudEvent], DocumentUpdate | None]

PROJECTIONS: dict[TopicName, Projection] = {
    TopicName.CATALOGUE: catalogue_entry,
    TopicName.PINS: service_point_pinned,
    TopicName.READINESS: service_point_surveyed,
    TopicName.RATINGS: rating_recorded,
    TopicName.COMPLAINTS: complaint_recorded,
}
