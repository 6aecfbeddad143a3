"""citizeninfo.pins.v1 — a pin placed on a service point (a re-pin moves it; history is kept)."""

from datetime import datetime
from typing import ClassVar, Literal

from citizeninfo_shared.events.envelope import EventData

PinFlag = Literal["outside_thailand", "far_from_district", "possible_duplicate", "low_accuracy"]


class PinPlaced(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.pin.placed"
    pin_id: str
    service_point_id: str
    department_id: str
    ministry_id: str | None = None
    province_code: str | None = None
    lat: float
    lon: float
    accuracy_m: float | None = None
    flags: list[PinFlag] = []
    pinned_by: str
    pinned_at: datetime
