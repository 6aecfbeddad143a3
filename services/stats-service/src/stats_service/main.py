"""stats-service API: officials' statistics read from the Elasticsearch read model.

The Faust worker that fills the read model is a separate process: stats_service.worker.app:app.
"""

import contextlib
import logging
from collections.abc import AsyncIterator

from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from fastapi import FastAPI

from stats_service.api import overview
from stats_service.config import StatsSettings

# Every answer comes from Elasticsearch: with Kafka or MongoDB down the numbers only stop moving,
# so /readyz reports them without taking the API out of service.
NEEDED_TO_ANSWER = frozenset({"elasticsearch"})


def create_app(settings: StatsSettings | None = None) -> FastAPI:
    settings = settings or StatsSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(app, settings, use_elasticsearch=True, needed_to_answer=NEEDED_TO_ANSWER):
            yield

    app = create_service_app(
        settings=settings,
        title="CITIZENinfo stats-service",
        description="สถิติความคืบหน้าการปักหมุด การยกเลิกสำเนา และความพึงพอใจ — progress statistics.",
        lifespan=lifespan,
        routers=[overview.router],
    )
    # Request and error metrics already cover Elasticsearch calls; one INFO line each is noise.
    logging.getLogger("elastic_transport.transport").setLevel(logging.WARNING)
    return app
