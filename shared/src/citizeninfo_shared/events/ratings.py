"""citizeninfo.ratings.v1 — a citizen's rating of the service received; comments arrive redacted."""

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from citizeninfo_shared.events.envelope import EventData


class RatingSubmitted(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.rating.submitted"
    rating_id: str
    service_point_id: str
    service_id: str | None = None
    score: int = Field(ge=1, le=5)
    aspects: dict[str, int] = {}
    asked_for_copy: bool | None = None
    comment: str | None = None
    verified: bool
    submitted_at: datetime
    # Stamped from the catalogue so stats aggregate without lookups (absent in early events).
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
