"""citizeninfo.visits.v1 — a card read at a counter. Carries a keyed HMAC of the id, never the id."""

from datetime import datetime
from typing import ClassVar

from citizeninfo_shared.events.envelope import EventData


class VisitRecorded(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.visit.recorded"
    visit_id: str
    service_point_id: str
    reader_id: str
    purpose: str
    citizen_hmac: str
    verified_online: bool | None = None
    read_at: datetime
    # Stamped by card-gateway from its catalogue projection so aggregates need no lookups.
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
