"""card-gateway: reads the Thai ID card at the counter instead of photocopying it."""

import contextlib
from collections.abc import AsyncIterator

from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from fastapi import FastAPI

from card_gateway.adapters.agent_store import AGENTS_COLLECTION, AgentStore
from card_gateway.adapters.reader_store import READERS_COLLECTION, ReaderStore
from card_gateway.api import agents, readers
from card_gateway.config import CardSettings

# No events yet: card reads (citizeninfo.visits.v1) arrive with the card issue, and with them an
# outbox collection; until then Kafka counts as a critical dependency in /readyz.
OUTBOX_COLLECTIONS: list[str] = []


def create_app(settings: CardSettings | None = None) -> FastAPI:
    settings = settings or CardSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(app, settings, outbox_collections=OUTBOX_COLLECTIONS):
            app.state.agent_store = AgentStore(app.state.db[AGENTS_COLLECTION])
            app.state.reader_store = ReaderStore(app.state.db[READERS_COLLECTION])
            yield

    return create_service_app(
        settings=settings,
        title="CITIZENinfo card-gateway",
        description="อ่านบัตรประชาชนแทนการถ่ายสำเนา — card readers at the counter.",
        lifespan=lifespan,
        routers=[agents.router, readers.router],
    )
