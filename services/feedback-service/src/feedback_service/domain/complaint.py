"""Complaints: what is filed (redacted, contact only with consent) and how status updates apply."""

from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Protocol

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.complaints import ComplaintContact, ComplaintFiled
from citizeninfo_shared.privacy import redact
from pydantic import BaseModel

from feedback_service.domain.complaint_deadlines import is_open
from feedback_service.domain.complaint_status import ANSWERED, INITIAL, check_place
from feedback_service.domain.rating import ServiceNotOffered
from feedback_service.domain.tracking_codes import complaint_id_of, display


class Category(StrEnum):
    ASKED_FOR_COPY = "asked_for_copy"
    WAITING_TIME = "waiting_time"
    STAFF_CONDUCT = "staff_conduct"
    WRONG_INFORMATION = "wrong_information"
    FEES = "fees"
    CORRUPTION = "corruption"
    FACILITIES = "facilities"
    OTHER = "other"


# Thai first: the names Open311 clients and the citizen app show.
CATEGORY_NAMES: dict[Category, tuple[str, str]] = {
    Category.ASKED_FOR_COPY: ("ถูกเรียกสำเนาเอกสาร", "Asked for a photocopy"),
    Category.WAITING_TIME: ("รอนานเกินไป", "Waited too long"),
    Category.STAFF_CONDUCT: ("พฤติกรรมเจ้าหน้าที่", "Staff conduct"),
    Category.WRONG_INFORMATION: ("ข้อมูลไม่ถูกต้อง", "Wrong or unclear information"),
    Category.FEES: ("ค่าธรรมเนียมไม่เหมาะสม", "Unexpected fees"),
    Category.CORRUPTION: ("ทุจริตหรือเรียกรับสินบน", "Corruption or bribery"),
    Category.FACILITIES: ("สถานที่และสิ่งอำนวยความสะดวก", "Premises and facilities"),
    Category.OTHER: ("อื่น ๆ", "Other"),
}

INITIAL_STATUS = INITIAL.value


class StatusEntry(BaseModel):
    status: str
    note: str | None = None
    changed_at: datetime
    event_id: str | None = None


def file_complaint(
    *,
    code: str,
    point: ServicePointRef,
    category: Category,
    description: str,
    contact: ComplaintContact | None,
    consent_to_contact: bool,
    service_id: str | None,
    channel: str,
    filed_at: datetime,
    due_at: datetime | None = None,
) -> ComplaintFiled:
    if service_id is not None and service_id not in point.service_ids:
        raise ServiceNotOffered(service_id)
    has_contact = contact is not None and (contact.phone or contact.email)
    return ComplaintFiled(
        complaint_id=complaint_id_of(code),
        tracking_code=display(code),
        service_point_id=point.service_point_id,
        category=category.value,
        # The description goes to another organisation: personal data stays out of it; the
        # contact travels only in its own field and only when the citizen agreed.
        description=redact(description),
        contact=contact if (consent_to_contact and has_contact) else None,
        filed_at=filed_at,
        department_id=point.department_id,
        ministry_id=point.ministry_id,
        province_code=point.province_code,
        service_id=service_id,
        channel=channel,
        due_at=due_at,
    )


class StatusChange(Protocol):
    status: str
    note: str | None
    changed_at: datetime


def history_after(history: list[StatusEntry], change: StatusChange, event_id: str) -> list[StatusEntry]:
    """The history with the change in its place by time; an event already applied changes nothing.

    Raises IllegalTransition when the change does not fit between its neighbours in time (see
    complaint_status), and ValueError for a time without a time zone (it could not be placed).
    """
    if any(entry.event_id == event_id for entry in history):
        return history
    if change.changed_at.utcoffset() is None:
        raise ValueError("a status change needs a time with a time zone")
    entry = StatusEntry(
        status=change.status,
        note=redact(change.note) if change.note else None,
        changed_at=change.changed_at,
        event_id=event_id,
    )
    after = sorted([*history, entry], key=lambda e: e.changed_at)
    check_place([e.status for e in after], next(i for i, e in enumerate(after) if e is entry))
    return after


def clock_started_at(history: list[StatusEntry], filed_at: datetime) -> datetime:
    """When the current wait for an answer began: the filing, or the latest time the complaint was
    opened again after an answer (reopened by the citizen, or put back in progress by the complaint
    system). The due time is the category's target from there (domain/complaint_deadlines)."""
    started = filed_at
    for before, after in pairwise(history):
        if before.status in ANSWERED and is_open(after.status):
            started = after.changed_at
    return started


def answered_at(history: list[StatusEntry]) -> datetime | None:
    """When the complaint was answered, if its latest status is an answer."""
    if history and history[-1].status in ANSWERED:
        return history[-1].changed_at
    return None
