"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from typing import Annotated

from fastapi import Depends, Request

from feedback_service.adapters.catalogue_cache import CachedCatalogue
from feedback_service.adapters.complaint_store import ComplaintStore
from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.adapters.rating_store import RatingStore
from feedback_service.config import FeedbackSettings
from feedback_service.service_layer.ratings import RatingIntake


async def _rating_store(request: Request) -> RatingStore:
    return request.app.state.rating_store


async def _complaint_store(request: Request) -> ComplaintStore:
    return request.app.state.complaint_store


async def _rate_limiter(request: Request) -> RateLimiter:
    return request.app.state.rate_limiter


async def _known_points(request: Request) -> CachedCatalogue:
    return request.app.state.known_points


async def _rating_intake(request: Request) -> RatingIntake:
    return request.app.state.rating_intake


async def _settings(request: Request) -> FeedbackSettings:
    return request.app.state.settings


RatingStoreDep = Annotated[RatingStore, Depends(_rating_store)]
ComplaintStoreDep = Annotated[ComplaintStore, Depends(_complaint_store)]
RateLimiterDep = Annotated[RateLimiter, Depends(_rate_limiter)]
KnownPointsDep = Annotated[CachedCatalogue, Depends(_known_points)]
# One dependency for the hot path: FastAPI resolves each dependency on every request.
RatingIntakeDep = Annotated[RatingIntake, Depends(_rating_intake)]
SettingsDep = Annotated[FeedbackSettings, Depends(_settings)]
