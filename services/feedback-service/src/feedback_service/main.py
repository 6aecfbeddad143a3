"""feedback-service: ratings, comments, complaints, verified visits and the complaint-system link."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from citizeninfo_shared.account_state_follower import follow_account_state
from citizeninfo_shared.idempotency import MongoProcessedEvents
from citizeninfo_shared.runtime import service_runtime, supervised
from citizeninfo_shared.service_app import create_service_app
from citizeninfo_shared.visit_tokens import VisitTokenCodec
from fastapi import FastAPI

from feedback_service.adapters.catalogue_cache import CachedCatalogue
from feedback_service.adapters.complaint_status_consumer import CONSUMER_NAME, complaint_status_follower
from feedback_service.adapters.complaint_store import COMPLAINTS_COLLECTION, ComplaintStore
from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.adapters.rating_store import RATINGS_COLLECTION, RatingStore
from feedback_service.api import complaints, department_inbox, open311, ratings
from feedback_service.config import FeedbackSettings
from feedback_service.service_layer.complaint_reopening import current_due
from feedback_service.service_layer.ratings import RatingIntake

PROCESSED_EVENTS_COLLECTION = "processed_events"


def create_app(settings: FeedbackSettings | None = None) -> FastAPI:
    settings = settings or FeedbackSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            service_runtime(
                app, settings, outbox_collections=[RATINGS_COLLECTION, COMPLAINTS_COLLECTION], follow_catalogue=True
            ),
            follow_account_state(app, settings),
        ):
            db = app.state.db
            # The runtime's follower keeps writing app.state.catalogue; routes read through this cache.
            app.state.known_points = CachedCatalogue(
                app.state.catalogue,
                ttl_seconds=settings.catalogue_cache_seconds,
                max_points=settings.catalogue_cache_points,
            )
            app.state.rating_store = RatingStore(db[RATINGS_COLLECTION], app.state.outbox_relay)
            await app.state.rating_store.ensure_indexes()
            app.state.complaint_store = ComplaintStore(db[COMPLAINTS_COLLECTION])
            await app.state.complaint_store.ensure_indexes()
            targets = settings.complaint_target_business_days
            await app.state.complaint_store.backfill_due_times(
                lambda stored: current_due(stored, stored.history, targets)
            )
            app.state.rate_limiter = RateLimiter(settings.rate_limit_window_seconds)
            app.state.rating_intake = RatingIntake(
                settings,
                app.state.rating_store,
                app.state.rate_limiter,
                VisitTokenCodec(settings.visit_token_secret.get_secret_value()),
                app.state.known_points,
            )
            consumer = complaint_status_follower(
                app.state.complaint_store,
                MongoProcessedEvents(db[PROCESSED_EVENTS_COLLECTION], CONSUMER_NAME),
                settings.kafka_bootstrap_servers,
                group_id=settings.complaint_status_group,
                settings=settings,
                relay=app.state.outbox_relay,
            )
            complaint_status = asyncio.create_task(supervised(consumer.run), name="complaint-status")
            try:
                yield
            finally:
                complaint_status.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await complaint_status

    return create_service_app(
        settings=settings,
        title="CITIZENinfo feedback-service",
        description="ความคิดเห็นและเรื่องร้องเรียนของประชาชน — citizen ratings, comments and complaints; Open311.",
        lifespan=lifespan,
        routers=[ratings.router, complaints.router, open311.router, department_inbox.router],
    )
