import asyncio
import functools
import json
from collections import Counter

import httpx
import pytest
from pin_service import cli
from pin_service.demo.gateway import Credentials, Gateway, resolve_credentials
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
    transport = httpx.MockTransport(handler)  # for the async client too: no request may leave the test
    gateway = functools.partial(Gateway, transport=transport, async_transport=transport, attempts=1)
    monkeypatch.setattr(cli, "Gateway", gateway)
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


def test_batches_are_sent_a_few_at_once_and_each_items_result_is_counted():
    sent: list[list[dict]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(200, json=TOKEN)
        items = json.loads(request.content)["items"]
        sent.append(items)
        results = []
        for item in items:
            number = int(item["service_point_id"][1:])
            if number % 10 == 0:
                results.append({"status": 404, "outcome": "refused", "problem": {"detail": "No service point"}})
            elif number % 10 == 1:
                results.append({"status": 403, "outcome": "refused", "problem": {"detail": "own department"}})
            else:
                results.append({"status": 201, "outcome": "created" if number % 2 else "repeated"})
        return httpx.Response(200, json={"items": results})

    gateway = Gateway(
        "http://gateway.test", Credentials("admin", "pw"), async_transport=httpx.MockTransport(handler), attempts=1
    )
    items = [{"service_point_id": f"P{n}", "lat": 13.75, "lon": 100.5} for n in range(1, 121)]
    progress: list[int] = []
    outcome = asyncio.run(
        gateway.send_batches("/api/pin/v1/pins:batch", items, batch_size=50, concurrency=2, on_done=progress.append)
    )
    assert sorted(len(batch) for batch in sent) == [20, 50, 50] and sum(progress) == 120
    assert sorted(i["service_point_id"] for batch in sent for i in batch) == sorted(
        i["service_point_id"] for i in items
    )
    assert dict(outcome.counts) == {"stored": 48, "repeated": 48, "missing": 12, "failed": 12}
    assert [item["service_point_id"] for item in outcome.missing][:2] == ["P10", "P20"]
    assert outcome.failures[0] == ("P1", "HTTP 403: own department") and outcome.requests == 3


def test_a_batch_the_gateway_refuses_fails_its_items_not_the_run():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(200, json=TOKEN)
        return httpx.Response(413, json={"status": 413, "title": "Content Too Large", "detail": "too big"})

    gateway = Gateway(
        "http://gateway.test", Credentials("admin", "pw"), async_transport=httpx.MockTransport(handler), attempts=1
    )
    outcome = asyncio.run(gateway.send_batches("/x", [{"service_point_id": "P1"}, {"service_point_id": "P2"}]))
    assert outcome.counts["failed"] == 2 and "413" in outcome.failures[0][1]


def test_demo_load_imports_then_pins_and_surveys_in_batches_and_a_second_run_only_reads(monkeypatch):
    """The second run finds the catalogue by looking at a sample of points, and sends the same pins and
    surveys with the same keys, which the services answer as repeats."""
    imported: dict[str, dict] = {}
    requests: Counter = Counter()
    batches: dict[str, list[dict]] = {"pins": [], "surveys": []}

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/auth/token"):
            return httpx.Response(200, json=TOKEN)
        if request.method == "GET":
            requests["look"] += 1
            point = imported.get(path.rsplit("/", 1)[-1])
            return httpx.Response(200, json=point) if point else httpx.Response(404, json={"status": 404})
        if path.endswith("/catalogue:import"):
            requests["import"] += 1
            lines = [json.loads(line) for line in request.content.decode().splitlines() if line]
            imported.update({line["id"]: line for line in lines if line["kind"] == "service_point"})
            kinds = Counter(line["kind"] for line in lines)
            return httpx.Response(200, json={"created": dict(kinds), "updated": {}, "errors": []})
        items = json.loads(request.content)["items"]
        assert path in ("/api/pin/v1/pins:batch", "/api/nocopy/v1/readiness:batch")
        batches["pins" if path == "/api/pin/v1/pins:batch" else "surveys"] += items
        stored = {"status": 201, "outcome": "created"}
        outcome = {"status": 200, "outcome": "repeated"} if requests["second run"] else stored
        return httpx.Response(200, json={"items": [outcome for _ in items]})

    first = _run(monkeypatch, handler, "demo", "load", "--points", "200", "--seed", "7")
    assert first.exit_code == 0, first.output
    assert requests["import"] == 1 and requests["look"] == 1  # the last point was not there yet
    pins, surveys = list(batches["pins"]), list(batches["surveys"])
    assert 60 < len(pins) < 140 and 40 < len(surveys) < 120  # about half pinned, about 38 % surveyed
    assert {p["idempotency_key"] for p in pins + surveys} == {"citizeninfo-demo-7"}
    assert len({p["service_point_id"] for p in pins}) == len(pins)
    assert set(surveys[0]) >= {"service_point_id", "mou_with_dopa", "card_readers", "services", "obstacles"}

    requests["second run"] = 1
    second = _run(monkeypatch, handler, "demo", "load", "--points", "200", "--seed", "7")
    assert second.exit_code == 0, second.output
    assert requests["import"] == 1 and requests["look"] == 1 + 40  # looked, did not import again
    assert batches["pins"] == pins * 2 and batches["surveys"] == surveys * 2  # the same items, same keys
    said = " ".join(second.output.split())  # the console wraps lines at its width
    assert f"pins: new 0 · already there {len(pins)}" in said and f"already there {len(surveys)}" in said


def test_demo_generate_writes_the_requested_number_of_points(tmp_path):
    out = tmp_path / "demo.ndjson"
    result = CliRunner().invoke(cli.app, ["demo", "generate", "--points", "950", "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(line["kind"] == "service_point" for line in lines) == 950
