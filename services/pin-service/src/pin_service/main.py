"""pin-service: the national catalogue, agency accounts and pins."""

import contextlib
from collections.abc import AsyncIterator

from citizeninfo_shared.runtime import service_runtime
from citizeninfo_shared.service_app import create_service_app
from fastapi import FastAPI

from pin_service.adapters.accounts import AccountStore
from pin_service.adapters.catalogue import CATALOGUE_COLLECTIONS
from pin_service.api import accounts, catalogue, service_points
from pin_service.config import PinSettings


def create_app(settings: PinSettings | None = None) -> FastAPI:
    settings = settings or PinSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_runtime(app, settings, outbox_collections=CATALOGUE_COLLECTIONS):
            app.state.token_codec.ttl_seconds = settings.access_token_ttl_seconds
            accounts_store = AccountStore(app.state.db)
            await accounts_store.ensure_bootstrap_admin(settings.admin_user, settings.admin_password)
            yield

    return create_service_app(
        settings=settings,
        title="CITIZENinfo pin-service",
        description="ทะเบียนจุดให้บริการ บัญชีหน่วยงาน และการปักหมุด — catalogue, accounts and pins.",
        lifespan=lifespan,
        routers=[accounts.router, catalogue.router, service_points.router],
    )
