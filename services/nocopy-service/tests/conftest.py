"""nocopy-service's app with the lifespan replaced: fakes in app.state, tokens minted locally."""

from collections.abc import AsyncIterator

import pytest
from citizeninfo_shared.auth import TokenCodec
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.testing import RecordingRelay, no_runtime
from httpx import ASGITransport, AsyncClient
from nocopy_service.adapters.readiness_store import ConcurrentAnswers
from nocopy_service.config import NocopySettings
from nocopy_service.main import create_app


class FakeReadinessStore:
    def __init__(self) -> None:
        self.answers: dict[str, ReadinessAnswered] = {}
        self.events: list[OutboxEntry] = []
        self.conflict = False

    async def current(self, service_point_id: str) -> ReadinessAnswered | None:
        return self.answers.get(service_point_id)

    async def save(self, answer: ReadinessAnswered, event: OutboxEntry) -> None:
        if self.conflict:
            raise ConcurrentAnswers(answer.service_point_id)
        self.answers[answer.service_point_id] = answer
        self.events.append(event)


@pytest.fixture
def store() -> FakeReadinessStore:
    return FakeReadinessStore()


@pytest.fixture
async def client(
    token_codec: TokenCodec, store: FakeReadinessStore, relay: RecordingRelay
) -> AsyncIterator[AsyncClient]:
    app = create_app(NocopySettings(environment="test"))
    app.router.lifespan_context = no_runtime
    app.state.token_codec = token_codec
    app.state.readiness_store = store
    app.state.outbox_relay = relay
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://nocopy.test") as http:
        yield http
