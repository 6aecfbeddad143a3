"""POST /users:import: staff accounts from a CSV file (admin: any department; coordinator: its own)."""

from datetime import UTC, datetime
from typing import Any

from citizeninfo_shared.auth import CurrentPrincipal
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from pin_service.adapters.departments import DepartmentDirectory
from pin_service.api.accounts import NO_STORE, Accounts, setup_code_ttl
from pin_service.domain.account_import import ImportFileError, Outcome, parse_accounts_csv
from pin_service.domain.account_rights import NOT_A_MANAGER
from pin_service.service_layer.account_import import AccountImport

router = APIRouter(tags=["accounts"])

CSV_TYPES = ("text/csv", "application/csv", "text/plain")
MULTIPART = "multipart/form-data"


class ImportItem(BaseModel):
    line: int
    username: str
    outcome: Outcome
    reason_code: str | None = None
    reason: str | None = None
    reason_th: str | None = None
    setup_code: str | None = None
    setup_code_expires_at: datetime | None = None


class ImportAnswer(BaseModel):
    created: int
    unchanged: int
    rejected: int
    items: list[ImportItem]


async def _body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it grows past `limit` bytes: never held whole beyond that."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> Problem:
    return Problem(413, f"ไฟล์ใหญ่เกิน {limit:,} ไบต์ — the file is larger than {limit:,} bytes; split it.")


async def _csv_text(request: Request, limit: int) -> str:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == MULTIPART:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + 64 * 1024:  # the file and the form's own lines
            raise _too_large(limit)
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Problem(422, "Send the CSV file in the form field `file`.")
        raw = await upload.read(limit + 1)
        if len(raw) > limit:
            raise _too_large(limit)
    elif content_type in CSV_TYPES:
        raw = await _body(request, limit)
    else:
        raise Problem(415, "Send the accounts as text/csv (UTF-8), or as the `file` of a multipart/form-data form.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Problem(
            422, "ไฟล์ต้องเข้ารหัส UTF-8 — the file is not UTF-8; save it as 'CSV UTF-8' and send it again."
        ) from error


@router.post(
    "/users:import",
    response_model=ImportAnswer,
    response_model_exclude_none=True,
    summary="Create agency staff accounts from a CSV file, with a result per line",
    description=(
        "Header: `username,display_name,department_id[,email]` (any order). A national administrator imports "
        "for any department, a department coordinator for its own (other lines are rejected one by one). "
        "A created account has no password: the answer holds its one-time `setup_code`, shown this once "
        "(`Cache-Control: no-store`); its holder chooses a password with `POST /auth/setup-password`. "
        "A line whose account already exists as staff of the same department is `unchanged`: sending a "
        "file again creates nothing and issues no new codes."
    ),
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    responses={
        413: {"description": "Body larger than the limit"},
        415: {"description": "Not CSV"},
        422: {"description": "No header, unknown columns, too many lines, not UTF-8"},
    },
)
async def import_accounts(
    request: Request, response: Response, principal: CurrentPrincipal, accounts: Accounts
) -> dict[str, Any]:
    if not (principal.is_admin or principal.is_coordinator):
        raise Problem(403, f"{NOT_A_MANAGER.detail_th} — {NOT_A_MANAGER.detail}", detail_th=NOT_A_MANAGER.detail_th)
    settings = request.app.state.settings
    text = await _csv_text(request, settings.account_import_max_bytes)
    try:
        lines = parse_accounts_csv(text, max_lines=settings.account_import_max_lines)
    except ImportFileError as error:
        raise Problem(422, str(error)) from error
    use_case = AccountImport(accounts, DepartmentDirectory(request.app.state.db), setup_code_ttl(request))
    results = await use_case.run(lines, principal, now=datetime.now(UTC))
    response.headers.update(NO_STORE)
    return {
        **{outcome.value: sum(r.outcome is outcome for r in results) for outcome in Outcome},
        "items": [result.as_item() for result in results],
    }
