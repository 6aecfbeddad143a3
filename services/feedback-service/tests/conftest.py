"""feedback-service's app with the lifespan replaced: fakes in app.state."""

from collections.abc import AsyncIterator

import pytest
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.settings import DEVELOPMENT_VISIT_TOKEN_SECRET
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, RecordingRelay, no_runtime
from citizeninfo_shared.visit_tokens import VisitTokenCodec
from feedback_service.adapters.complaint_store import ContactErasure, StoredComplaint
from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.adapters.rating_store import DailyCapReached, Moderation, RatingExists, Reply, StoredRating
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import StatusEntry
from feedback_service.main import create_app
from feedback_service.service_layer.ratings import RatingIntake
from httpx import ASGITransport, AsyncClient

POINT = ServicePointRef(
    service_point_id="P000001",
    department_id=STAFF_DEPARTMENT_ID,
    ministry_id="M07",
    province_code="10",
    district_code="1001",
    name_th="สำนักงานเขตพระนคร",
    service_ids=["S00001", "S00002"],
)
OTHER_DEPARTMENT_POINT = POINT.model_copy(
    update={"service_point_id": "P000002", "department_id": "D9999", "ministry_id": "M99", "province_code": "50"}
)


class FakeCatalogue:
    def __init__(self, *points: ServicePointRef) -> None:
        self.points = {p.service_point_id: p for p in points}

    async def service_point(self, service_point_id: str) -> ServicePointRef | None:
        return self.points.get(service_point_id)


class FakeRatingStore:
    def __init__(self) -> None:
        self.ratings: dict[str, StoredRating] = {}
        self.events: list[OutboxEntry] = []
        self.daily_slots: dict[str, str] = {}  # slot -> rating id

    async def add(self, rating, event: OutboxEntry, *, daily_slots, request_fingerprint: str | None = None) -> dict:
        if rating.rating_id in self.ratings:
            raise RatingExists(rating.rating_id)
        if daily_slots:
            slot = next((slot for slot in daily_slots if slot not in self.daily_slots), None)
            if slot is None:
                raise DailyCapReached(rating.service_point_id)
            self.daily_slots[slot] = rating.rating_id
        self.ratings[rating.rating_id] = StoredRating(rating=rating, request_fingerprint=request_fingerprint)
        self.events.append(event)
        return {"_id": rating.rating_id}

    async def get(self, rating_id: str) -> StoredRating | None:
        return self.ratings.get(rating_id)

    async def newest_for_point(self, service_point_id: str, limit: int) -> list[StoredRating]:
        mine = [r for r in self.ratings.values() if r.rating.service_point_id == service_point_id]
        return sorted(mine, key=lambda r: r.rating.submitted_at, reverse=True)[:limit]

    async def moderate(self, rating_id: str, moderation: Moderation) -> bool:
        if rating_id not in self.ratings:
            return False
        self.ratings[rating_id] = self.ratings[rating_id].model_copy(update={"moderation": moderation})
        return True

    async def reply(self, rating_id: str, reply: Reply) -> bool:
        stored = self.ratings.get(rating_id)
        if stored is None or stored.reply is not None:
            return False
        self.ratings[rating_id] = stored.model_copy(update={"reply": reply})
        return True


class FakeComplaintStore:
    def __init__(self) -> None:
        self.complaints: dict[str, StoredComplaint] = {}
        self.events: list[OutboxEntry] = []

    async def add(self, code: str, stored: StoredComplaint, event: OutboxEntry) -> dict:
        self.complaints[code] = stored
        self.events.append(event)
        return {"_id": code}

    async def get(self, code: str) -> StoredComplaint | None:
        stored = self.complaints.get(code)
        return None if stored is None else stored.model_copy(update={"contact_key": None})

    async def contact_key(self, code: str) -> StoredComplaint | None:
        return self.complaints.get(code)

    async def erase_contact(self, code: str, *, erased_at, requested_by, event: OutboxEntry) -> ContactErasure | None:
        stored = self.complaints.get(code)
        if stored is None:
            return None
        if stored.contact_erased_at is not None:
            return ContactErasure(stored.contact_erased_at, stored.contact_erased_by, erased_now=False)
        complaint = stored.complaint.model_copy(update={"contact": None})
        self.complaints[code] = stored.model_copy(
            update={
                "complaint": complaint,
                "contact_key": None,
                "contact_erased_at": erased_at,
                "contact_erased_by": requested_by,
            }
        )
        self.events.append(event)
        return ContactErasure(erased_at, requested_by, erased_now=True)

    async def replace_history(
        self,
        code: str,
        history: list[StatusEntry],
        *,
        due_at=None,
        event: OutboxEntry | None = None,
        expected_length: int | None = None,
    ) -> bool:
        stored = self.complaints.get(code)
        if stored is None or (expected_length is not None and len(stored.history) != expected_length):
            return False
        complaint = stored.complaint.model_copy(update={"due_at": due_at}) if due_at is not None else stored.complaint
        self.complaints[code] = stored.model_copy(
            update={"history": history, "status": history[-1].status, "complaint": complaint}
        )
        if event is not None:
            self.events.append(event)
        return True

    async def by_public_id(self, public_id: str) -> StoredComplaint | None:
        return next((c for c in self.complaints.values() if c.public_id == public_id), None)

    async def recent(self, limit: int, *, department_id=None, categories=None) -> list[StoredComplaint]:
        chosen = [
            c
            for c in self.complaints.values()
            if (department_id is None or c.complaint.department_id == department_id)
            and (categories is None or c.complaint.category in categories)
        ]
        return sorted(chosen, key=lambda c: c.complaint.filed_at, reverse=True)[:limit]


@pytest.fixture
def settings() -> FeedbackSettings:
    # Small limits so the tests reach them: 5 a window per client, 3 a day per client and point.
    return FeedbackSettings(environment="test", ratings_per_client_per_window=5, ratings_per_client_per_point_per_day=3)


@pytest.fixture
def store() -> FakeRatingStore:
    return FakeRatingStore()


@pytest.fixture
def complaint_store() -> FakeComplaintStore:
    return FakeComplaintStore()


@pytest.fixture
def limiter(settings: FeedbackSettings) -> RateLimiter:
    return RateLimiter(settings.rate_limit_window_seconds)  # in memory, no I/O: the real one


@pytest.fixture
def visit_tokens() -> VisitTokenCodec:
    return VisitTokenCodec(DEVELOPMENT_VISIT_TOKEN_SECRET)


@pytest.fixture
async def client(
    settings, store, complaint_store, limiter, visit_tokens, token_codec, relay: RecordingRelay
) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    app.router.lifespan_context = no_runtime
    app.state.rating_store = store
    app.state.complaint_store = complaint_store
    app.state.rate_limiter = limiter
    app.state.known_points = FakeCatalogue(POINT, OTHER_DEPARTMENT_POINT)
    app.state.rating_intake = RatingIntake(settings, store, limiter, visit_tokens, app.state.known_points)
    app.state.outbox_relay = relay
    app.state.token_codec = token_codec
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://feedback.test") as http:
        yield http
