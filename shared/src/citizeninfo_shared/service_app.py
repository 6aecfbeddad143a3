"""What every service app shares: problem+json errors, request ids, RED metrics, health routes."""

import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import BaseModel
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from citizeninfo_shared.health import health_router
from citizeninfo_shared.logging import configure_logging
from citizeninfo_shared.problems import PROBLEM_JSON, ProblemDetails, install_problem_handlers, problem_response
from citizeninfo_shared.settings import ServiceSettings
from citizeninfo_shared.storable_text import CONTROL_BYTES, CONTROL_CHARACTERS, REFUSAL

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE_SCHEMA = {"type": "string", "format": "binary"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemDetails"}
# FastAPI's own 422 declaration (application/json HTTPValidationError); ours are problem+json.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def table_download_responses(json_model: type[BaseModel] | None = None) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers a table as a CSV or XLSX file (and, given its model, as JSON)."""
    response: dict[str, Any] = {
        "description": "The table (CSV or XLSX by `format`)",
        "content": {CSV_MEDIA_TYPE: {"schema": _FILE_SCHEMA}, XLSX_MEDIA_TYPE: {"schema": _FILE_SCHEMA}},
    }
    if json_model is not None:
        response["model"] = json_model
    return {200: response}


def problem_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses any operation may answer, from what its OpenAPI entry shows about it:
    503 always (database or search busy; the gateway while the service restarts); 422 for any input;
    400 (unparseable JSON) and 413 (over the gateway's body limit) with a body; 404 with a path
    parameter; 401 and 403 with a bearer token. Route-specific ones (409, 429) the routes declare."""
    statuses = {503}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 413}
    if "{" in path:
        statuses.add(404)
    if operation.get("security"):
        statuses |= {401, 403}
    return statuses


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Declares the problem+json answers of every operation, so the document says what the service
    really sends (schemathesis checks every status and content type against it)."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetails"] = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, item in openapi.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(path, operation):
                responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
            for status, response in responses.items():
                if not status.isdigit() or int(status) < 400:
                    continue
                content = response.setdefault("content", {})
                schema_ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
                if not content or schema_ref.endswith("/HTTPValidationError"):
                    content.clear()
                    content[PROBLEM_JSON] = {"schema": PROBLEM_SCHEMA}
            operation["responses"] = dict(sorted(responses.items()))
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return openapi


def _install_problem_documentation(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class RefuseControlCharactersInUrl:
    """ASGI middleware: a path or query parameter with a control character (`%00` and the like) is a
    422 before any route sees it, rather than a database error later (see storable_text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            CONTROL_CHARACTERS.search(scope["path"]) or CONTROL_BYTES.search(unquote_to_bytes(scope["query_string"]))
        ):
            await problem_response(Request(scope), 422, REFUSAL)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    routers: Sequence[APIRouter],
    version: str = "0.1.0",
    metrics_registry: CollectorRegistry = REGISTRY,
    searches: bool = False,
) -> FastAPI:
    """`searches`: the service uses Elasticsearch, whose errors then answer 503 (search unavailable)."""
    configure_logging(settings.service_name, settings.log_level)

    @contextlib.asynccontextmanager
    async def lifespan_then_freeze(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            # What start-up built lives as long as the process (the app, caches, clients): frozen, it is
            # left out of every later collection, which then only walks what requests allocate.
            gc.collect()  # start-up's garbage first, or it would be frozen with the rest
            gc.freeze()
            yield

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan_then_freeze,
        # Metrics go to Prometheus below and nothing exports traces; FastAPI's native OpenTelemetry
        # would otherwise look up the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # The gateway strips this prefix; it is listed so the OpenAPI document shows public URLs.
        servers=[{"url": settings.root_path}] if settings.root_path else None,
    )
    app.state.settings = settings
    app.state.readiness_checks = []
    app.state.readiness_timeout_seconds = settings.readiness_timeout_seconds
    install_problem_handlers(app, search_errors=searches)
    app.add_middleware(RefuseControlCharactersInUrl)
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
    _install_problem_documentation(app)
    return app
