"""The shared HTTP behaviour every service gets: problem+json, auth, health and metrics."""

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.auth import AdminPrincipal, CurrentPrincipal, Principal, Role, TokenCodec, ensure_may_act_for
from citizeninfo_shared.health import ReadinessCheck
from citizeninfo_shared.problems import Problem, RequestModel
from citizeninfo_shared.service_app import create_service_app
from citizeninfo_shared.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings
from fastapi import APIRouter
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import Field
from pymongo.errors import OperationFailure

codec = TokenCodec(DEVELOPMENT_JWT_SECRET, issuer="citizeninfo-pin-service", audience="citizeninfo")
router = APIRouter()


class Thing(RequestModel):
    name: str = Field(min_length=1)
    count: int = Field(ge=0)


@router.post("/things", status_code=201)
async def create_thing(body: Thing, principal: CurrentPrincipal) -> dict:
    ensure_may_act_for(principal, "D1")
    return body.model_dump()


@router.get("/echo")
async def echo(text: str) -> dict:
    return {"text": text}


@router.get("/admin-only")
async def admin_only(_admin: AdminPrincipal) -> dict:
    return {"ok": True}


@router.get("/boom")
async def boom() -> dict:
    raise RuntimeError("kaboom-internal-detail")


@router.get("/database-busy")
async def database_busy() -> dict:
    raise OperationFailure("database is locked (5) (SQLITE_BUSY)")


@router.get("/conflict")
async def conflict() -> dict:
    raise Problem(409, "already used", code="visit_token_used")


@router.get("/search-down")
async def search_down() -> dict:
    from elastic_transport import ConnectionError as SearchUnreachable

    raise SearchUnreachable("connection refused")


async def _down() -> None:
    raise ConnectionError("refused")


async def _up() -> None:
    return None


def _client(
    checks: list[ReadinessCheck], registry: CollectorRegistry | None = None, *, searches: bool = False
) -> TestClient:
    @contextlib.asynccontextmanager
    async def lifespan(app):
        app.state.token_codec = codec
        app.state.readiness_checks = checks
        yield

    app = create_service_app(
        settings=ServiceSettings(),
        title="t",
        description="d",
        lifespan=lifespan,
        routers=[router],
        # One registry per app: the process-wide one keeps only the first app's metrics.
        metrics_registry=registry or CollectorRegistry(),
        searches=searches,
    )
    return TestClient(app, raise_server_exceptions=False)


def _bearer(role: Role, department: str | None = None) -> dict[str, str]:
    token = codec.issue(Principal(username="u", role=role, department_id=department))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client():
    with _client([ReadinessCheck("db", _up)]) as c:
        yield c


def test_invalid_input_is_422_problem_json_without_echoing_input(client):
    response = client.post("/things", json={"name": "secret-1101700207030", "count": -1}, headers=_bearer(Role.ADMIN))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["title"] and body["detail"] and body["title_th"]
    assert "1101700207030" not in response.text


def test_unknown_fields_are_rejected(client):
    response = client.post("/things", json={"name": "a", "count": 1, "role": "admin"}, headers=_bearer(Role.ADMIN))
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("bad", ["a\x00b", "\x07", "x\x7f"])
def test_control_characters_in_a_body_are_a_422_naming_the_field(client, bad):
    response = client.post("/things", json={"name": bad, "count": 1}, headers=_bearer(Role.ADMIN))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "name"]


def test_tabs_and_line_breaks_are_text(client):
    response = client.post("/things", json={"name": "a\tb\r\nc", "count": 1}, headers=_bearer(Role.ADMIN))
    assert response.status_code == 201 and response.json()["name"] == "a\tb\r\nc"


@pytest.mark.parametrize("query", ["text=a%00b", "text=%1b", "text=ok&other=%00"])
def test_control_characters_in_a_query_are_a_422_before_the_route(client, query):
    response = client.get(f"/echo?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "control characters" in response.json()["detail"]


def test_ordinary_queries_reach_the_route(client):
    assert client.get("/echo?text=%E0%B8%81+b%20%25").json() == {"text": "ก b %"}


def test_unparseable_json_is_400(client):
    response = client.post(
        "/things", content=b"{not json", headers={**_bearer(Role.ADMIN), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_missing_expired_and_forged_tokens_are_401(client):
    assert client.post("/things", json={"name": "a", "count": 1}).status_code == 401
    expired = codec.issue(Principal(username="u", role=Role.ADMIN), now=datetime.now(UTC) - timedelta(hours=1))
    assert client.post("/things", json={}, headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    forged = TokenCodec(
        "another-secret-another-secret-another", issuer="citizeninfo-pin-service", audience="citizeninfo"
    ).issue(Principal(username="u", role=Role.ADMIN))
    response = client.post("/things", json={}, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_staff_act_only_for_their_department(client):
    body = {"name": "a", "count": 1}
    assert client.post("/things", json=body, headers=_bearer(Role.AGENCY_STAFF, "D1")).status_code == 201
    assert client.post("/things", json=body, headers=_bearer(Role.AGENCY_STAFF, "D2")).status_code == 403
    assert client.get("/admin-only", headers=_bearer(Role.AGENCY_STAFF, "D1")).status_code == 403
    assert client.get("/admin-only", headers=_bearer(Role.ADMIN)).status_code == 200


def test_problems_carry_extensions_and_unexpected_errors_are_a_500_problem(client):
    conflict = client.get("/conflict")
    assert conflict.status_code == 409 and conflict.json()["code"] == "visit_token_used"
    boom = client.get("/boom")
    assert boom.status_code == 500 and boom.headers["content-type"] == "application/problem+json"
    assert "kaboom" not in boom.text


def test_liveness_looks_at_nothing_and_readiness_asks_each_dependency():
    with _client([ReadinessCheck("db", _down), ReadinessCheck("kafka", _up, critical=False)]) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["db"]["status"] == "down"
    with _client([ReadinessCheck("db", _up), ReadinessCheck("kafka", _down, critical=False)]) as client:
        response = client.get("/readyz")
        assert response.status_code == 200 and response.json()["checks"]["kafka"]["status"] == "down"


def test_red_metrics_use_route_templates_and_base_units(client):
    client.get("/healthz")
    client.get("/no-such-route")
    metrics = client.get("/metrics").text
    assert 'http_requests_total{handler="/healthz",method="GET",status="200"}' in metrics
    assert "http_request_duration_seconds_bucket{" in metrics
    assert "/no-such-route" not in metrics
    assert client.get("/healthz").headers["x-request-id"]


def test_production_refuses_the_placeholder_secret():
    # Production also refuses an unauthenticated Kafka (test_kafka_security.py): give it a SCRAM user.
    kafka = {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_username": "u", "kafka_password": "p"}
    with pytest.raises(ValueError, match="JWT_SECRET"):
        ServiceSettings(environment="production", **kafka)
    with pytest.raises(ValueError, match="VISIT_TOKEN_SECRET"):
        ServiceSettings(environment="production", jwt_secret="x" * 40, **kafka)
    production = ServiceSettings(
        environment="production", jwt_secret="x" * 40, visit_token_secret="y" * 40, identity_hmac_key="z" * 40, **kafka
    )
    assert production.environment == "production"


def test_a_busy_or_unreachable_database_is_a_503_problem_with_retry_after(client):
    response = client.get("/database-busy")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "SQLITE" not in response.text


def test_a_searching_service_answers_503_while_elasticsearch_is_unreachable():
    with _client([ReadinessCheck("db", _up)], searches=True) as searching:
        response = searching.get("/search-down")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "connection refused" not in response.text


def test_a_service_that_never_searches_treats_a_search_error_as_unexpected(client):
    response = client.get("/search-down")
    assert response.status_code == 500
    assert "connection refused" not in response.text
