"""Request and response bodies (requests reject unknown fields)."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import RequestModel
from pydantic import BaseModel, Field

from feedback_service.adapters.complaint_store import StoredComplaint
from feedback_service.adapters.rating_store import StoredRating
from feedback_service.domain.complaint import Category, answered_at, clock_started_at
from feedback_service.domain.complaint_deadlines import deadline, due_at
from feedback_service.domain.complaint_reopening import ReopenPolicy, reopenability
from feedback_service.domain.rating import Aspect

AspectScore = Annotated[int, Field(ge=1, le=5, strict=True)]


class RatingSubmission(RequestModel):
    """ความพึงพอใจ — a citizen's rating of the service received at a point (anonymous)."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    service_id: str | None = Field(default=None, pattern=CATALOGUE_ID_PATTERN)
    score: int = Field(ge=1, le=5, strict=True)
    aspects: dict[Aspect, AspectScore] = Field(
        default_factory=dict, description="Optional scores 1..5 for waiting time, courtesy, clarity, facilities"
    )
    asked_for_copy: bool | None = Field(default=None, strict=True, description="Was a photocopy demanded?")
    comment: str | None = Field(default=None, max_length=1000)
    visit_token: str | None = Field(default=None, min_length=1, max_length=2000)


class RatingAccepted(BaseModel):
    rating_id: str
    verified: bool


class ReplyView(BaseModel):
    text: str
    replied_at: datetime


class RatingView(BaseModel):
    """A stored rating as anyone may read it; a hidden comment is left out, the reason is shown."""

    rating_id: str
    service_point_id: str
    service_id: str | None
    score: int
    aspects: dict[str, int]
    asked_for_copy: bool | None
    comment: str | None
    comment_hidden: bool
    hidden_reason: str | None
    reply: ReplyView | None
    verified: bool
    submitted_at: datetime

    @classmethod
    def of(cls, stored: StoredRating) -> Self:
        rating = stored.rating
        hidden = stored.moderation is not None and stored.moderation.hidden
        return cls(
            rating_id=rating.rating_id,
            service_point_id=rating.service_point_id,
            service_id=rating.service_id,
            score=rating.score,
            aspects=rating.aspects,
            asked_for_copy=rating.asked_for_copy,
            comment=None if hidden else rating.comment,
            comment_hidden=hidden,
            hidden_reason=stored.moderation.reason if hidden and stored.moderation else None,
            reply=ReplyView(text=stored.reply.text, replied_at=stored.reply.at) if stored.reply else None,
            verified=rating.verified,
            submitted_at=rating.submitted_at,
        )


class RatingList(BaseModel):
    items: list[RatingView]


class ModerationRequest(RequestModel):
    """Hide (or show again) a rating's comment; the reason is kept and shown."""

    hidden: bool = Field(strict=True)
    reason: str = Field(min_length=1, max_length=500)


class ReplyRequest(RequestModel):
    text: str = Field(min_length=1, max_length=1000)


class ContactDetails(RequestModel):
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9\s\-]{6,18}[0-9]$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ComplaintSubmission(RequestModel):
    """ร้องเรียน — a complaint for the national complaint system (anonymous)."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    service_id: str | None = Field(default=None, pattern=CATALOGUE_ID_PATTERN)
    category: Category
    description: str = Field(min_length=1, max_length=2000)
    contact: ContactDetails | None = None
    consent_to_contact: bool = Field(strict=True)


class ComplaintAccepted(BaseModel):
    complaint_id: str
    tracking_code: str


class StatusView(BaseModel):
    status: str
    note: str | None
    changed_at: datetime


class ReopenView(BaseModel):
    """Whether the citizen may reopen the complaint now: answered, within the window, reopens left."""

    allowed: bool
    until: datetime | None = Field(description="The end of the window to reopen (answered complaints)")
    reopens_left: int


class ComplaintView(BaseModel):
    complaint_id: str
    tracking_code: str
    service_point_id: str
    category: str
    description: str
    status: str
    history: list[StatusView]
    filed_at: datetime
    due_at: datetime | None = Field(default=None, description="When an answer is due (open complaints)")
    overdue: bool = False
    reopen: ReopenView | None = None

    @classmethod
    def of(
        cls,
        stored: StoredComplaint,
        *,
        now: datetime | None = None,
        policy: ReopenPolicy | None = None,
        targets: Mapping[str, int] | None = None,
    ) -> Self:
        complaint = stored.complaint
        now = now or datetime.now(UTC)
        policy = policy or ReopenPolicy()
        due = complaint.due_at or due_at(
            complaint.category, clock_started_at(stored.history, complaint.filed_at), targets
        )
        state = deadline(stored.status, due, now)
        reopenable = reopenability([e.status for e in stored.history], answered_at(stored.history), now, policy)
        return cls(
            due_at=state.due_at,
            overdue=state.overdue,
            reopen=ReopenView(allowed=reopenable.allowed, until=reopenable.until, reopens_left=reopenable.reopens_left),
            complaint_id=complaint.complaint_id,
            tracking_code=complaint.tracking_code,
            service_point_id=complaint.service_point_id,
            category=complaint.category,
            description=complaint.description,
            status=stored.status,
            history=[StatusView(status=e.status, note=e.note, changed_at=e.changed_at) for e in stored.history],
            filed_at=complaint.filed_at,
        )


class ReopenRequest(RequestModel):
    """เปิดเรื่องใหม่ — the citizen is not satisfied with the answer (personal data is redacted)."""

    reason: str = Field(min_length=1, max_length=1000)


class ContactErasedView(BaseModel):
    complaint_id: str
    contact_erased: bool
    erased_at: datetime
    requested_by: Literal["citizen", "admin"]


class ContactKeyView(BaseModel):
    """Opens the complaint's `contact_sealed` (AES-256-GCM, associated data = the complaint id)."""

    complaint_id: str
    alg: Literal["A256GCM"] = "A256GCM"
    key: str  # base64url, 32 bytes
