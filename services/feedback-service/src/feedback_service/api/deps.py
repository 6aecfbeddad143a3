"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from typing import Annotated

from fastapi import Depends, Request

from feedback_service.adapters.rating_store import RatingStore


def _rating_store(request: Request) -> RatingStore:
    return request.app.state.rating_store


RatingStoreDep = Annotated[RatingStore, Depends(_rating_store)]
