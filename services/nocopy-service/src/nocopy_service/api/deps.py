"""What the routes take from the running app (set by the lifespan, or by fakes in tests)."""

from typing import Annotated

from fastapi import Depends, Request

from nocopy_service.adapters.readiness_store import ReadinessStore


def _readiness_store(request: Request) -> ReadinessStore:
    return request.app.state.readiness_store


ReadinessStoreDep = Annotated[ReadinessStore, Depends(_readiness_store)]
