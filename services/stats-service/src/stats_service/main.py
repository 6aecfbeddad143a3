"""stats-service API: officials' statistics read from the Elasticsearch read model.

The Faust worker that fills the read model is a separate process: stats_service.worker.app:app.
"""

import contextlib
import logging
from collections.abc import AsyncIterator

from citizeninfo_shared.account_state_follower import follow_account_state
from citizeninfo_shared.problems import problem_response
from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from elasticsearch import ApiError, TransportError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from stats_service.api import complaint_deadlines, overview, progress, reconciliation, satisfaction
from stats_service.config import StatsSettings

# Every answer comes from Elasticsearch: with Kafka or MongoDB down the numbers only stop moving,
# so /readyz reports them without taking the API out of service.
NEEDED_TO_ANSWER = frozenset({"elasticsearch"})


def create_app(settings: StatsSettings | None = None) -> FastAPI:
    settings = settings or StatsSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            service_runtime(app, settings, use_elasticsearch=True, needed_to_answer=NEEDED_TO_ANSWER),
            follow_account_state(app, settings),
        ):
            yield

    app = create_service_app(
        settings=settings,
        title="CITIZENinfo stats-service",
        description="สถิติความคืบหน้าการปักหมุด การยกเลิกสำเนา และความพึงพอใจ — progress statistics.",
        lifespan=lifespan,
        routers=[
            overview.router,
            progress.router,
            satisfaction.router,
            reconciliation.router,
            complaint_deadlines.router,
        ],
    )
    app.add_exception_handler(TransportError, _statistics_store_unavailable)
    app.add_exception_handler(ApiError, _statistics_store_unavailable)
    # Request and error metrics already cover Elasticsearch calls; one INFO line each is noise.
    logging.getLogger("elastic_transport.transport").setLevel(logging.WARNING)
    return app


async def _statistics_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Elasticsearch unreachable or refusing: the numbers are unavailable for now, not wrong."""
    return problem_response(
        request,
        503,
        "The statistics store is unavailable; try again shortly.",
        title_th="ระบบสถิติยังไม่พร้อม โปรดลองใหม่ภายหลัง",
        headers={"Retry-After": "5"},
    )
