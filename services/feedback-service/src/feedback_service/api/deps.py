"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from typing import Annotated

from citizeninfo_shared.outbox import OutboxRelay
from fastapi import Depends, Request

from feedback_service.adapters.rating_store import RatingStore


def _rating_store(request: Request) -> RatingStore:
    return request.app.state.rating_store


def _outbox_relay(request: Request) -> OutboxRelay:
    return request.app.state.outbox_relay


RatingStoreDep = Annotated[RatingStore, Depends(_rating_store)]
OutboxRelayDep = Annotated[OutboxRelay, Depends(_outbox_relay)]
