"""citizeninfo.complaints.v1 — complaints for the national complaint system (contact only with consent)."""

from datetime import datetime
from typing import ClassVar

from citizeninfo_shared.events.envelope import EventData


class ComplaintContact(EventData):
    phone: str | None = None
    email: str | None = None


class ComplaintFiled(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.complaint.filed"
    complaint_id: str
    tracking_code: str
    service_point_id: str
    category: str
    description: str
    contact: ComplaintContact | None = None
    filed_at: datetime
    # Stamped from the catalogue so the complaint system can route without lookups.
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
    service_id: str | None = None
    # Where it was filed: "api" (the citizen app) or "open311" (GeoReport v2 clients).
    channel: str | None = None
