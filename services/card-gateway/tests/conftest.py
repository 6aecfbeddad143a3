"""card-gateway's app with the lifespan replaced: fakes in app.state, tokens minted locally."""

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from card_gateway.adapters.agent_store import Agent
from card_gateway.adapters.gdx import GdxConfig
from card_gateway.adapters.reader_store import Reader, ReaderPlace
from card_gateway.config import CardSettings
from card_gateway.main import create_app
from card_gateway.service_layer.replicas import LocalOnly
from citizeninfo_shared.auth import TokenCodec
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, no_runtime
from httpx import ASGITransport, AsyncClient


class FakeAgentStore:
    def __init__(self) -> None:
        self.agents: list[Agent] = []

    async def add(self, agent: Agent) -> None:
        self.agents.append(agent)

    async def by_token_digest(self, digest: str) -> Agent | None:
        return next((a for a in self.agents if a.token_sha256 == digest), None)

    async def get(self, agent_id: str) -> Agent | None:
        return next((a for a in self.agents if a.agent_id == agent_id), None)

    async def at_point(self, service_point_id: str) -> list[Agent]:
        return [a for a in self.agents if a.service_point_id == service_point_id]

    def _replace(self, agent_id: str, **changes) -> Agent | None:
        for index, agent in enumerate(self.agents):
            if agent.agent_id == agent_id and agent.revoked_at is None:
                self.agents[index] = dataclasses.replace(agent, **changes)
                return self.agents[index]
        return None

    async def revoke(self, agent_id: str, *, by: str, at: datetime) -> Agent | None:
        return self._replace(agent_id, revoked_at=at, revoked_by=by)

    async def rotate(self, agent_id: str, *, digest: str, expires_at: datetime, at: datetime) -> Agent | None:
        return self._replace(agent_id, token_sha256=digest, expires_at=expires_at, rotated_at=at)


class FakeDesk:
    """The card desk as the agent routes see it: which agents are linked, which were cut off."""

    def __init__(self) -> None:
        self.connected: set[str] = set()
        self.disconnected: list[str] = []

    def is_connected(self, agent_id: str) -> bool:
        return agent_id in self.connected

    async def disconnect_agent(self, agent_id: str) -> None:
        self.connected.discard(agent_id)
        self.disconnected.append(agent_id)


class FakeVerificationStore:
    def __init__(self) -> None:
        self.configs: dict[str, GdxConfig] = {}

    async def put(self, service_point_id: str, config: GdxConfig, *, changed_by: str) -> None:
        self.configs[service_point_id] = config

    async def for_point(self, service_point_id: str) -> GdxConfig | None:
        return self.configs.get(service_point_id)

    async def remove(self, service_point_id: str) -> bool:
        return self.configs.pop(service_point_id, None) is not None


class FakeReaderStore:
    def __init__(self) -> None:
        self.readers: dict[str, list[Reader]] = {}
        self.places: dict[str, ReaderPlace] = {}

    async def at_point(self, service_point_id: str) -> list[Reader]:
        return self.readers.get(service_point_id, [])

    async def place(self, reader_id: str) -> ReaderPlace | None:
        return self.places.get(reader_id)


class FakeCatalogue:
    """The catalogue projection as card-gateway sees it: P000001 belongs to the staff's department."""

    def __init__(self) -> None:
        self.points = {
            "P000001": ServicePointRef(
                service_point_id="P000001", department_id=STAFF_DEPARTMENT_ID, province_code="10", name_th="จุด 1"
            ),
            "P000002": ServicePointRef(
                service_point_id="P000002", department_id="D9999", province_code="10", name_th="จุด 2"
            ),
        }

    async def service_point(self, service_point_id: str) -> ServicePointRef | None:
        return self.points.get(service_point_id)


@pytest.fixture
def agent_store() -> FakeAgentStore:
    return FakeAgentStore()


@pytest.fixture
def reader_store() -> FakeReaderStore:
    return FakeReaderStore()


@pytest.fixture
def desk() -> FakeDesk:
    return FakeDesk()


@pytest.fixture
def verification_store() -> FakeVerificationStore:
    return FakeVerificationStore()


@pytest.fixture
def settings() -> CardSettings:
    return CardSettings(environment="test")


@pytest.fixture
def app(
    settings: CardSettings,
    token_codec: TokenCodec,
    agent_store: FakeAgentStore,
    reader_store: FakeReaderStore,
    desk: FakeDesk,
    verification_store: FakeVerificationStore,
):
    app = create_app(settings)
    app.router.lifespan_context = no_runtime
    app.state.token_codec = token_codec
    app.state.agent_store = agent_store
    app.state.reader_store = reader_store
    app.state.card_desk = desk
    app.state.replicas = LocalOnly(desk)  # type: ignore[arg-type]  # the routes need only its two methods
    app.state.verification_store = verification_store
    app.state.catalogue = FakeCatalogue()
    return app


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://card.test") as http:
        yield http
