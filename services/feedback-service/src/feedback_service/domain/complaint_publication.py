"""What each caller may see of a complaint: the one publication policy (pure; no I/O).

- National administrators see the whole complaint; so do staff of the complaint's department, but for
  the tracking code (the citizen's key to their complaint) and except for the categories below that
  could expose the author to the people complained about: there the department sees what it needs to
  act (the text, redacted, the status) but not who complained — no contact, location or exact times.
- Anyone else sees, per category, at most: the category, the service point and its department, the
  status, coarse times and — for categories whose text cannot point at its author — the description
  and status notes, redacted again on the way out (text stored before the redaction improved is
  covered too). Never the tracking code (it opens the citizen's own page), the contact, or the
  complainant's location (the point's location if one is needed; this service does not keep it).
- Categories that could expose their author to the people complained about are never shown to
  anyone else at all: corruption, staff conduct, and unexpected fees (an improper fee is asked of, and
  paid by, one citizen at one counter: the one who complains is the one who paid).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from citizeninfo_shared.events.complaints import ComplaintContact, ComplaintFiled
from citizeninfo_shared.privacy import redact

from feedback_service.domain.complaint import Category, StatusEntry


@dataclass(frozen=True, slots=True)
class PublicPolicy:
    """What an anonymous caller may see of complaints of one category."""

    listed: bool
    text: bool  # the description and status notes (redacted)


HIDDEN = PublicPolicy(listed=False, text=False)
PUBLIC_POLICY: dict[Category, PublicPolicy] = {
    Category.ASKED_FOR_COPY: PublicPolicy(listed=True, text=True),
    Category.WAITING_TIME: PublicPolicy(listed=True, text=True),
    Category.WRONG_INFORMATION: PublicPolicy(listed=True, text=True),
    Category.FACILITIES: PublicPolicy(listed=True, text=True),
    # Free text of any kind (it may well be about a person): listed, its text withheld.
    Category.OTHER: PublicPolicy(listed=True, text=False),
    Category.FEES: HIDDEN,
    Category.STAFF_CONDUCT: HIDDEN,
    Category.CORRUPTION: HIDDEN,
}
# A category added later is hidden until someone decides otherwise.
PUBLICLY_LISTED: frozenset[Category] = frozenset(c for c in Category if PUBLIC_POLICY.get(c, HIDDEN).listed)


def public_policy(category: str) -> PublicPolicy:
    try:
        return PUBLIC_POLICY.get(Category(category), HIDDEN)
    except ValueError:
        return HIDDEN


class Audience(StrEnum):
    PUBLIC = "public"  # anonymous callers, and staff of other departments
    DEPARTMENT = "department"  # staff of the complaint's department
    NATIONAL = "national"  # national administrators


def audience(*, is_admin: bool, caller_department_id: str | None, complaint_department_id: str | None) -> Audience:
    if is_admin:
        return Audience.NATIONAL
    if caller_department_id is not None and caller_department_id == complaint_department_id:
        return Audience.DEPARTMENT
    return Audience.PUBLIC


def protects_its_author(category: str) -> bool:
    """Complaints the department complained about must not learn the author of."""
    return not public_policy(category).listed


@dataclass(frozen=True, slots=True)
class ComplaintPublication:
    """A complaint as one caller may see it; None in a field means "not for you" (or unknown)."""

    full: bool
    public_id: str
    complaint_id: str | None
    tracking_code: str | None
    category: str
    service_point_id: str
    department_id: str | None
    status: str
    status_note: str | None
    description: str | None
    contact: ComplaintContact | None
    filed_at: datetime
    updated_at: datetime
    lat: float | None
    lon: float | None


def _to_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def publication(
    complaint: ComplaintFiled,
    *,
    public_id: str,
    status: str,
    history: list[StatusEntry],
    lat: float | None,
    lon: float | None,
    seen_by: Audience,
) -> ComplaintPublication | None:
    """The complaint as this caller may see it, or None when the caller may not see it at all."""
    last = history[-1] if history else None
    updated_at = last.changed_at if last else complaint.filed_at
    note = last.note if last and last.note else None
    if seen_by is Audience.DEPARTMENT and protects_its_author(complaint.category):
        return ComplaintPublication(
            full=True,
            public_id=public_id,
            complaint_id=None,  # it carries the tracking code
            tracking_code=None,
            category=complaint.category,
            service_point_id=complaint.service_point_id,
            department_id=complaint.department_id,
            status=status,
            status_note=redact(note) if note else None,
            description=redact(complaint.description),
            contact=None,
            filed_at=_to_the_hour(complaint.filed_at),
            updated_at=_to_the_hour(updated_at),
            lat=None,
            lon=None,
        )
    if seen_by is not Audience.PUBLIC:
        national = seen_by is Audience.NATIONAL
        return ComplaintPublication(
            full=True,
            public_id=public_id,
            # The tracking code (and the complaint id that carries it) opens the citizen's own page and
            # their erasure request: the department acts on the complaint without them.
            complaint_id=complaint.complaint_id if national else None,
            tracking_code=complaint.tracking_code if national else None,
            category=complaint.category,
            service_point_id=complaint.service_point_id,
            department_id=complaint.department_id,
            status=status,
            status_note=note,
            description=complaint.description,
            contact=complaint.contact,
            filed_at=complaint.filed_at,
            updated_at=updated_at,
            lat=lat,
            lon=lon,
        )
    policy = public_policy(complaint.category)
    if not policy.listed:
        return None
    return ComplaintPublication(
        full=False,
        public_id=public_id,
        complaint_id=None,
        tracking_code=None,
        category=complaint.category,
        service_point_id=complaint.service_point_id,
        department_id=complaint.department_id,
        status=status,
        status_note=redact(note) if policy.text and note else None,
        description=redact(complaint.description) if policy.text else None,
        contact=None,
        # Exact times at one counter would let the people complained about pick out who it was.
        filed_at=_to_the_hour(complaint.filed_at),
        updated_at=_to_the_hour(updated_at),
        lat=None,
        lon=None,
    )
