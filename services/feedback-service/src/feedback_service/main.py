"""feedback-service: citizen ratings and comments about the service received."""

import contextlib
from collections.abc import AsyncIterator

from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from fastapi import FastAPI

from feedback_service.adapters.rating_store import RATINGS_COLLECTION, RatingStore
from feedback_service.api import ratings
from feedback_service.config import FeedbackSettings


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or FeedbackSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(app, settings, outbox_collections=[RATINGS_COLLECTION]):
            app.state.rating_store = RatingStore(app.state.db[RATINGS_COLLECTION])
            yield

    return create_service_app(
        settings=settings,
        title="CITIZENinfo feedback-service",
        description="ความคิดเห็นของประชาชน — citizen ratings and comments.",
        lifespan=lifespan,
        routers=[ratings.router],
    )
