"""card-gateway's app with the lifespan replaced: fakes in app.state, tokens minted locally."""

from collections.abc import AsyncIterator

import pytest
from card_gateway.adapters.agent_store import Agent
from card_gateway.adapters.reader_store import Reader
from card_gateway.config import CardSettings
from card_gateway.main import create_app
from citizeninfo_shared.auth import TokenCodec
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, no_runtime
from httpx import ASGITransport, AsyncClient


class FakeAgentStore:
    def __init__(self) -> None:
        self.agents: list[Agent] = []

    async def add(self, agent: Agent) -> None:
        self.agents.append(agent)


class FakeReaderStore:
    def __init__(self) -> None:
        self.readers: dict[str, list[Reader]] = {}

    async def at_point(self, service_point_id: str) -> list[Reader]:
        return self.readers.get(service_point_id, [])


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
async def client(
    token_codec: TokenCodec, agent_store: FakeAgentStore, reader_store: FakeReaderStore
) -> AsyncIterator[AsyncClient]:
    app = create_app(CardSettings(environment="test"))
    app.router.lifespan_context = no_runtime
    app.state.token_codec = token_codec
    app.state.agent_store = agent_store
    app.state.reader_store = reader_store
    app.state.catalogue = FakeCatalogue()
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://card.test") as http:
        yield http
