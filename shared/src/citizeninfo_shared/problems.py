"""RFC 9457 problem details for every error: 422 for invalid input, 400 for unparseable bodies."""

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from citizeninfo_shared.storable_text import StorableTextModel

PROBLEM_JSON = "application/problem+json"

# Thai first: each problem carries a Thai title beside the standard English one.
THAI_TITLES = {
    400: "คำขอไม่ถูกต้อง",
    401: "ต้องเข้าสู่ระบบ",
    403: "ไม่มีสิทธิ์ดำเนินการ",
    404: "ไม่พบข้อมูล",
    405: "ไม่รองรับวิธีการนี้",
    409: "ข้อมูลขัดแย้งกับที่มีอยู่",
    413: "ข้อมูลมีขนาดใหญ่เกินไป",
    415: "ไม่รองรับรูปแบบข้อมูลนี้",
    422: "ข้อมูลไม่ถูกต้อง",
    429: "มีคำขอมากเกินไป โปรดลองใหม่ภายหลัง",
    500: "ระบบขัดข้อง",
    503: "บริการยังไม่พร้อม",
}

log = structlog.get_logger(__name__)


class ProblemDetails(BaseModel):
    """The body of every error answer (RFC 9457), as the OpenAPI documents declare it."""

    # Extensions (errors, reason, code, checks, ...) are allowed: RFC 9457 lets each problem add members.
    model_config = ConfigDict(extra="allow", title="ProblemDetails")

    type: str = "about:blank"
    title: str
    title_th: str | None = None
    status: int
    detail: str
    instance: str | None = None


class RequestModel(StorableTextModel):
    """Base of request bodies: unknown fields are rejected (also the defence against mass assignment),
    and so is text with control characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.type = type_
        self.headers = headers
        self.extensions = extensions


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "title_th": THAI_TITLES.get(status),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The offending input is left out on purpose: it may hold personal data.
    return [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
        for error in exc.errors()
    ]


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = _validation_errors(exc)
    if any(error["type"] == "json_invalid" for error in errors):
        return problem_response(request, 400, "The request body is not valid JSON.", errors=errors)
    return problem_response(request, 422, "The request does not match the schema.", errors=errors)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _on_problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(
        request,
        exc.status,
        exc.detail,
        title=exc.title,
        type_=exc.type,
        headers=exc.headers,
        **exc.extensions,
    )


async def _on_database_error(request: Request, exc: PyMongoError) -> JSONResponse:
    # A database error is not the client's fault and not a crash: say so, and that a retry is welcome.
    log.warning("database_unavailable", path=request.url.path, error=repr(exc)[:300])
    return problem_response(
        request, 503, "The database is busy or unreachable; please retry shortly.", headers={"Retry-After": "5"}
    )


async def _on_search_error(request: Request, exc: Exception) -> JSONResponse:
    # Elasticsearch unreachable or refusing (e.g. an index not created yet): the read model is behind.
    log.warning("search_unavailable", path=request.url.path, error=repr(exc)[:300])
    return problem_response(
        request, 503, "Search is unavailable for a moment; please retry shortly.", headers={"Retry-After": "5"}
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path)
    return problem_response(request, 500, "An unexpected error occurred; it has been logged.")


def install_problem_handlers(app: FastAPI, *, search_errors: bool = False) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(PyMongoError, _on_database_error)
    if search_errors:
        # Imported only by the services that search: the Elasticsearch client (it loads aiohttp,
        # httpx and requests) costs about a second at every start.
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        app.add_exception_handler(TransportError, _on_search_error)
        app.add_exception_handler(ApiError, _on_search_error)
    app.add_exception_handler(Exception, _on_unexpected)
