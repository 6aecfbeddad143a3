import asyncio
import functools
import json

import httpx
import pytest
from pin_service import cli
from pin_service.demo.gateway import Credentials, Gateway, resolve_credentials
from pin_service.demo.pins import PlannedPin
from typer.testing import CliRunner

TOKEN = {"access_token": "t0ken", "token_type": "bearer", "expires_in": 900}
LINES = [
    {"kind": "service_point", "id": "P1", "department_id": "D1", "name_th": "จุด", "province_code": "10"},
    {"kind": "ministry", "id": "M1", "name_th": "กระทรวง"},
    {"kind": "service", "id": "S1", "department_id": "D1", "name_th": "งาน"},
    {"kind": "department", "id": "D1", "ministry_id": "M1", "name_th": "กรม"},
]


@pytest.fixture
def catalogue_file(tmp_path):
    path = tmp_path / "catalogue.ndjson"
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in LINES) + "\nnot json\n"
    path.write_text(text, encoding="utf-8")
    return path


def _run(monkeypatch, handler, *args):
    transport = httpx.MockTransport(handler)
    monkeypatch.setattr(cli, "Gateway", functools.partial(Gateway, transport=transport, attempts=1))
    return CliRunner().invoke(cli.app, [*args, "--user", "admin", "--password", "pw"])


def test_import_sends_parents_first_in_chunks_and_sums_the_reports(monkeypatch, catalogue_file):
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/pin/v1/auth/token":
            assert b"username=admin" in request.read()
            return httpx.Response(200, json=TOKEN)
        assert request.headers["authorization"] == "Bearer t0ken"
        assert request.headers["content-type"] == "application/x-ndjson"
        lines = request.read().decode().splitlines()
        bodies.append(lines)
        kinds = [json.loads(line)["kind"] if line.startswith("{") else None for line in lines]
        errors = [{"line": i, "detail": "not valid JSON"} for i, kind in enumerate(kinds, start=1) if kind is None]
        created = {kind: kinds.count(kind) for kind in filter(None, kinds)}
        return httpx.Response(200, json={"created": created, "updated": {}, "errors": errors})

    result = _run(monkeypatch, handler, "catalogue", "import", str(catalogue_file), "--chunk-lines", "2")
    assert [[json.loads(b)["kind"] if b.startswith("{") else b for b in body] for body in bodies] == [
        ["ministry", "department"],
        ["service", "service_point"],
        ["not json"],
    ]
    assert "สร้างใหม่ / created" in result.output
    assert "line 5: not valid JSON" in result.output  # the file's line number, not the chunk's
    assert result.exit_code == 2  # a rejected line is reported and signalled


def test_import_without_rejected_lines_exits_zero(monkeypatch, tmp_path):
    path = tmp_path / "ok.ndjson"
    path.write_text(json.dumps(LINES[1]) + "\n", encoding="utf-8")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(200, json={"created": {"ministry": 1}, "updated": {}, "errors": []})

    result = _run(monkeypatch, handler, "catalogue", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "no rejected lines" in result.output


def test_an_http_error_exits_non_zero_with_the_problem(monkeypatch, catalogue_file):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(
            403,
            json={"status": 403, "title": "Forbidden", "detail": "admins only"},
            headers={"content-type": "application/problem+json"},
        )

    result = _run(monkeypatch, handler, "catalogue", "import", str(catalogue_file))
    assert result.exit_code == 1
    assert "HTTP 403" in result.output and "admins only" in result.output


def test_wrong_password_exits_non_zero(monkeypatch, catalogue_file):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"status": 401, "title": "Unauthorized", "detail": "bad credentials"})

    result = _run(monkeypatch, handler, "catalogue", "import", str(catalogue_file))
    assert result.exit_code == 1 and "HTTP 401" in result.output


def test_credentials_come_from_options_else_the_secrets_of_make_up(tmp_path):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"admin_user": "root", "admin_password": "s3cret"}), encoding="utf-8")
    assert resolve_credentials("me", "mine", secrets_file=secrets) == Credentials("me", "mine")
    assert resolve_credentials(None, None, secrets_file=secrets) == Credentials("root", "s3cret")
    with pytest.raises(Exception, match="CITIZENINFO_ADMIN_PASSWORD"):
        resolve_credentials(None, None, secrets_file=None)


def test_pinning_skips_points_already_pinned_and_reports_missing_ones():
    posted = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/auth/token"):
            return httpx.Response(200, json=TOKEN)
        point = path.split("/")[5]
        if request.method == "GET":
            if point == "P3":
                return httpx.Response(404, json={"status": 404, "title": "Not Found"})
            return httpx.Response(200, json={"id": point, "pinned": point == "P2"})
        posted.append((point, json.loads(request.content)))
        return httpx.Response(201, json={"pin_id": "x", "service_point_id": point})

    gateway = Gateway(
        "http://gateway.test", Credentials("admin", "pw"), async_transport=httpx.MockTransport(handler), attempts=1
    )
    plan = [PlannedPin(f"P{i}", 13.75, 100.5 + i / 1000, 10.0) for i in (1, 2, 3)]
    outcome = asyncio.run(gateway.pin_all(plan, concurrency=2))
    assert dict(outcome.counts) == {"pinned": 1, "already_pinned": 1, "missing": 1}
    assert posted == [("P1", {"lat": 13.75, "lon": 100.501, "accuracy_m": 10.0})]


def test_demo_generate_writes_the_requested_number_of_points(tmp_path):
    out = tmp_path / "demo.ndjson"
    result = CliRunner().invoke(cli.app, ["demo", "generate", "--points", "950", "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(line["kind"] == "service_point" for line in lines) == 950
