"""citizeninfo.complaint-status.v1 — written by the national complaint system, read by feedback-service."""

from datetime import datetime
from typing import ClassVar, Literal

from citizeninfo_shared.events.envelope import EventData
from citizeninfo_shared.storable_text import StorableTextModel

# `reopened` (added, backwards compatible): the citizen reopened an answered complaint with its code.
ComplaintStatus = Literal["received", "forwarded", "in_progress", "resolved", "rejected", "closed", "reopened"]


class ComplaintStatusChanged(EventData, StorableTextModel):
    """Written by another system: its text is checked like a request body's before it is stored."""

    event_type: ClassVar[str] = "th.go.citizeninfo.complaint.status_changed"
    complaint_id: str
    tracking_code: str | None = None
    status: ComplaintStatus
    note: str | None = None
    changed_at: datetime
