"""nocopy-service: the No-Copy readiness survey of each service point."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from citizeninfo_shared.account_state_follower import follow_account_state
from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from fastapi import FastAPI
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from nocopy_service.adapters.readiness_store import READINESS_COLLECTION, ReadinessStore
from nocopy_service.adapters.survey_listing import SurveyListing
from nocopy_service.api import readiness, readiness_batches, survey_lists
from nocopy_service.api.export_slots import ExportSlots
from nocopy_service.config import NocopySettings

log = structlog.get_logger(__name__)


async def _ensure_indexes(store: ReadinessStore, listing: SurveyListing) -> None:
    # In the background and retried: the database may come up after the service.
    async for attempt in AsyncRetrying(
        wait=wait_exponential_jitter(multiplier=1, max=30),
        retry=retry_if_exception_type(Exception),
        before_sleep=lambda state: log.warning("index_creation_failed", error=repr(state.outcome.exception())),
    ):
        with attempt:
            await store.ensure_indexes()
            await listing.ensure_indexes()


def create_app(settings: NocopySettings | None = None) -> FastAPI:
    settings = settings or NocopySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            service_runtime(app, settings, outbox_collections=[READINESS_COLLECTION], follow_catalogue=True),
            follow_account_state(app, settings),
        ):
            app.state.readiness_store = ReadinessStore(
                app.state.db[READINESS_COLLECTION], history_limit=settings.readiness_history_limit
            )
            app.state.survey_listing = SurveyListing(app.state.db)
            indexes = asyncio.create_task(
                _ensure_indexes(app.state.readiness_store, app.state.survey_listing), name="indexes"
            )
            try:
                yield
            finally:
                indexes.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await indexes

    app = create_service_app(
        settings=settings,
        title="CITIZENinfo nocopy-service",
        description="แบบสำรวจความพร้อมยกเลิกสำเนาเอกสาร — the No-Copy readiness survey.",
        lifespan=lifespan,
        routers=[readiness.router, readiness_batches.router, survey_lists.router],
    )
    app.state.export_slots = ExportSlots(settings.export_concurrency)
    return app
