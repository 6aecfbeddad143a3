"""nocopy-service: the No-Copy readiness survey of each service point."""

import contextlib
from collections.abc import AsyncIterator

from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from fastapi import FastAPI

from nocopy_service.adapters.readiness_store import READINESS_COLLECTION, ReadinessStore
from nocopy_service.api import readiness
from nocopy_service.config import NocopySettings


def create_app(settings: NocopySettings | None = None) -> FastAPI:
    settings = settings or NocopySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(app, settings, outbox_collections=[READINESS_COLLECTION]):
            app.state.readiness_store = ReadinessStore(
                app.state.db[READINESS_COLLECTION], history_limit=settings.readiness_history_limit
            )
            yield

    return create_service_app(
        settings=settings,
        title="CITIZENinfo nocopy-service",
        description="แบบสำรวจความพร้อมยกเลิกสำเนาเอกสาร — the No-Copy readiness survey.",
        lifespan=lifespan,
        routers=[readiness.router],
    )
