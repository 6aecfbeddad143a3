"""feedback-service's app with the lifespan replaced: fakes in app.state."""

from collections.abc import AsyncIterator

import pytest
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.testing import RecordingRelay, no_runtime
from feedback_service.config import FeedbackSettings
from feedback_service.main import create_app
from httpx import ASGITransport, AsyncClient


class FakeRatingStore:
    def __init__(self) -> None:
        self.ratings: dict[str, RatingSubmitted] = {}
        self.events: list[OutboxEntry] = []

    async def add(self, rating: RatingSubmitted, event: OutboxEntry) -> None:
        self.ratings[rating.rating_id] = rating
        self.events.append(event)

    async def get(self, rating_id: str) -> RatingSubmitted | None:
        return self.ratings.get(rating_id)


@pytest.fixture
def store() -> FakeRatingStore:
    return FakeRatingStore()


@pytest.fixture
async def client(store: FakeRatingStore, relay: RecordingRelay) -> AsyncIterator[AsyncClient]:
    app = create_app(FeedbackSettings(environment="test"))
    app.router.lifespan_context = no_runtime
    app.state.rating_store = store
    app.state.outbox_relay = relay
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://feedback.test") as http:
        yield http
