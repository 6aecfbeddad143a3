"""What every service app shares: problem+json errors, request ids, RED metrics, health routes."""

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

from citizeninfo_shared.health import health_router
from citizeninfo_shared.logging import configure_logging
from citizeninfo_shared.problems import install_problem_handlers
from citizeninfo_shared.settings import ServiceSettings


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    routers: Sequence[APIRouter],
    version: str = "0.1.0",
    metrics_registry: CollectorRegistry = REGISTRY,
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level)
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        # The gateway strips this prefix; it is listed so the OpenAPI document shows public URLs.
        servers=[{"url": settings.root_path}] if settings.root_path else None,
    )
    app.state.settings = settings
    app.state.readiness_checks = []
    app.state.readiness_timeout_seconds = settings.readiness_timeout_seconds
    install_problem_handlers(app)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    # RED metrics: http_requests_total and http_request_duration_seconds, labelled by route
    # template (never by user or raw path).
    Instrumentator(
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
        registry=metrics_registry,
    ).instrument(app).expose(app, include_in_schema=False)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    return app
