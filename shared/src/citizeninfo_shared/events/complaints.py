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
