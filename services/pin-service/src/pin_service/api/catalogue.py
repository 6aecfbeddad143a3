"""The national catalogue import (admin): NDJSON streamed line by line."""

from collections.abc import AsyncIterator

from citizeninfo_shared.auth import AdminPrincipal
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Request

from pin_service.adapters.catalogue import CatalogueImporter

router = APIRouter(tags=["catalogue"])

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-lines")


async def _lines(request: Request) -> AsyncIterator[str]:
    """Splits the streamed body into lines without holding the whole file in memory."""
    pending = b""
    async for chunk in request.stream():
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            yield raw.decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


@router.post(
    "/catalogue:import",
    summary="Import ministries, departments, services and service points (NDJSON)",
    openapi_extra={"requestBody": {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
    responses={415: {"description": "The body is not NDJSON"}},
)
async def import_catalogue(request: Request, _admin: AdminPrincipal) -> dict:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in NDJSON_TYPES:
        raise Problem(415, "Send the catalogue as application/x-ndjson: one JSON object a line.")
    settings = request.app.state.settings
    importer = CatalogueImporter(
        request.app.state.db, request.app.state.outbox_relay.notify_bulk, batch_size=settings.import_batch_size
    )
    report = await importer.run(_lines(request))
    return report.as_response()
