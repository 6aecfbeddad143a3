"""FastAPI dependencies for what `service_runtime` puts on the app (or tests put there as fakes)."""

from typing import Annotated

from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from citizeninfo_shared.catalogue_projection import CatalogueProjection
from citizeninfo_shared.outbox import OutboxRelay


async def _outbox_relay(request: Request) -> OutboxRelay:
    return request.app.state.outbox_relay


async def _database(request: Request) -> AsyncDatabase:
    return request.app.state.db


async def _catalogue(request: Request) -> CatalogueProjection:
    return request.app.state.catalogue


OutboxRelayDep = Annotated[OutboxRelay, Depends(_outbox_relay)]
DatabaseDep = Annotated[AsyncDatabase, Depends(_database)]
CatalogueDep = Annotated[CatalogueProjection, Depends(_catalogue)]
