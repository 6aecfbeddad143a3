"""The OpenAPI document of every service declares the problem+json answers it really sends."""

import contextlib

import pytest
from citizeninfo_shared.auth import CurrentPrincipal
from citizeninfo_shared.problems import PROBLEM_JSON, Problem, ProblemDetails, RequestModel
from citizeninfo_shared.service_app import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    create_service_app,
    document_problems,
    table_download_responses,
)
from citizeninfo_shared.settings import ServiceSettings
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

router = APIRouter()
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}


class Widget(RequestModel):
    name: str


class Table(BaseModel):
    rows: list[dict]


@router.get("/open")
async def open_route() -> dict:
    return {}


@router.post("/widgets/{widget_id}", responses={409: {"description": "Taken"}})
async def put_widget(widget_id: str, body: Widget, principal: CurrentPrincipal) -> dict:
    raise Problem(409, "taken")


@router.get("/table", response_model=None, responses=table_download_responses(Table))
async def table(format: str = "json") -> PlainTextResponse:
    return PlainTextResponse("a,b\n", media_type="text/csv")


@contextlib.asynccontextmanager
async def _lifespan(app):
    yield


@pytest.fixture(scope="module")
def document() -> dict:
    app = create_service_app(
        settings=ServiceSettings(),
        title="t",
        description="d",
        lifespan=_lifespan,
        routers=[router],
        metrics_registry=CollectorRegistry(),
    )
    return TestClient(app).get("/openapi.json").json()


def _problem_statuses(operation: dict) -> set[str]:
    return {status for status, answer in operation["responses"].items() if PROBLEM_JSON in answer.get("content", {})}


def test_every_operation_may_answer_503_and_validation_is_problem_json_not_fastapis_schema(document):
    assert _problem_statuses(document["paths"]["/open"]["get"]) == {"503"}
    widget = document["paths"]["/widgets/{widget_id}"]["post"]
    assert widget["responses"]["422"]["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


def test_statuses_follow_from_body_path_parameters_bearer_and_the_routes_own_declarations(document):
    widget = document["paths"]["/widgets/{widget_id}"]["post"]
    assert _problem_statuses(widget) == {"400", "401", "403", "404", "409", "413", "422", "503"}
    assert widget["responses"]["409"]["description"] == "Taken"
    assert list(widget["responses"]) == sorted(widget["responses"])


def test_problem_details_schema_matches_what_the_handlers_send(document):
    schema = document["components"]["schemas"]["ProblemDetails"]
    assert set(schema["required"]) == {"title", "status", "detail"}
    assert schema["additionalProperties"] is True  # extensions such as errors, reason, checks
    sent = {"type": "about:blank", "title": "Conflict", "title_th": "x", "status": 409, "detail": "d", "code": "c"}
    assert ProblemDetails.model_validate(sent).model_extra == {"code": "c"}


def test_table_downloads_declare_json_csv_and_xlsx(document):
    content = document["paths"]["/table"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE}
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Table"}


def test_declared_error_answers_with_their_own_content_are_left_alone():
    own = {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "x"}
    document = {"paths": {"/x": {"get": {"responses": {"418": own}}}}}
    assert document_problems(document)["paths"]["/x"]["get"]["responses"]["418"] == own
