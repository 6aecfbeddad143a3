"""A status event from the national complaint system, checked like an HTTP body before anything uses it.

The other system is outside our control: every field has a limit, text may hold no control
characters, both times need a time zone (a naive time cannot be placed among the others), and the
status is one of ours. Unknown fields are ignored (events are forward compatible); the rest is refused
— the event is then parked on the dead-letter topic, never retried for ever.
"""

from typing import Literal

from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.storable_text import StorableTextModel
from pydantic import AwareDatetime, ConfigDict, Field

from feedback_service.domain.complaint_status import ComplaintStatus

MAX_NOTE_CHARS = 2000
_NO_CONTROL = r"^[^\x00-\x1f\x7f]+$"


class InboundStatusChange(StorableTextModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    complaint_id: str = Field(min_length=1, max_length=40, pattern=_NO_CONTROL)
    tracking_code: str | None = Field(default=None, max_length=40, pattern=_NO_CONTROL)
    status: ComplaintStatus
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
    changed_at: AwareDatetime


class InboundStatusEvent(StorableTextModel):
    """The CloudEvent around it: only the envelope fields this consumer relies on are checked."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=200, pattern=_NO_CONTROL)
    source: str = Field(min_length=1, max_length=500)
    type: Literal[ComplaintStatusChanged.event_type]  # type: ignore[valid-type]
    time: AwareDatetime
    subject: str = Field(max_length=100)
    data: InboundStatusChange
