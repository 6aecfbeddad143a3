"""Card reading end to end: pcscd + vpcd + a virtual Thai ID card, the real agent, the gateway.

The agent connects through the gateway like a counter PC (nginx upgrades its WebSocket), and staff use
the public API through the gateway too. The last test scans every database and `.run/` for the
citizen ids used here.
"""

import base64
import json
import os
import random
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from card_agent.virtual_card import ATR_FAMILY_3B67, ATR_FAMILY_3B79, CardProfile, VirtualCard, demo_photo
from card_gateway.gdx_simulator import Registry, RegistryPerson
from card_gateway.gdx_simulator import create_app as create_gdx_simulator
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import GATEWAY_PORT
from citizeninfo_shared.keys import Keyring
from citizeninfo_shared.keys import Purpose as KeyPurpose
from citizeninfo_shared.privacy import citizen_id_is_valid
from pymongo import MongoClient

from tests.integration.support import wait_until

# native_only: the virtual card reader (pcscd + vpcd) and .run/ exist only in the native stack.
pytestmark = [pytest.mark.integration, pytest.mark.native_only]

AGENT_GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
READER_0, READER_1 = "Virtual PCD 00 00", "Virtual PCD 00 01"
PORT_OF = {READER_0: 35963, READER_1: 35964}
RUN = uuid.uuid4().hex[:6].upper()
DEPARTMENT, OTHER_DEPARTMENT, POINT = f"DCARD{RUN}", f"DCARDX{RUN}", f"PCARD{RUN}"


def _citizen_id(rng: random.Random) -> str:
    while True:
        digits = "".join(rng.choice("0123456789") for _ in range(12))
        total = sum(int(d) * (13 - i) for i, d in enumerate(digits))
        candidate = digits + str((11 - total % 11) % 10)
        if candidate[0] != "0" and citizen_id_is_valid(candidate):
            return candidate


_rng = random.Random(RUN)
CITIZEN_IDS = [_citizen_id(_rng) for _ in range(8)]  # every id any test here puts on a card


@pytest.fixture(scope="module")
def secrets() -> dict:
    return json.loads((StackPaths.discover().run / "secrets.json").read_text())


def _sign_in(gateway: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def point(gateway: httpx.Client, admin_headers: dict[str, str]) -> str:
    lines = [
        {"kind": "ministry", "id": f"MCARD{RUN}", "name_th": "กระทรวงทดสอบบัตร"},
        {"kind": "department", "id": DEPARTMENT, "ministry_id": f"MCARD{RUN}", "name_th": "กรมทดสอบบัตร"},
        {"kind": "department", "id": OTHER_DEPARTMENT, "ministry_id": f"MCARD{RUN}", "name_th": "กรมอื่น"},
        {
            "kind": "service_point",
            "id": POINT,
            "department_id": DEPARTMENT,
            "name_th": "จุดทดสอบเครื่องอ่านบัตร",
            "province_code": "12",
            "district_code": "1201",
            "address_th": "นนทบุรี",
            "service_ids": [],
        },
    ]
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    response = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=body.encode(),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == []
    return POINT


def _staff(gateway: httpx.Client, admin_headers: dict[str, str], department: str) -> dict[str, str]:
    username, password = f"card-{department.lower()}-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    response = gateway.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": department},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    return _sign_in(gateway, username, password)


@pytest.fixture(scope="module")
def staff(gateway: httpx.Client, admin_headers: dict[str, str], point: str) -> dict[str, str]:
    return _staff(gateway, admin_headers, DEPARTMENT)


@pytest.fixture(scope="module")
def other_staff(gateway: httpx.Client, admin_headers: dict[str, str], point: str) -> dict[str, str]:
    return _staff(gateway, admin_headers, OTHER_DEPARTMENT)


def _register_agent(gateway: httpx.Client, staff: dict[str, str], point: str) -> dict:
    def attempt():
        response = gateway.post("/api/card/v1/agents", json={"service_point_id": point, "name": "ช่อง 1"}, headers=staff)
        return response if response.status_code != 404 else None  # 404 until the catalogue event arrives

    response = wait_until(attempt, timeout=20)
    assert response.status_code == 201, response.text
    return response.json()


class RunningAgent:
    def __init__(self, token: str, agent_id: str) -> None:
        self.agent_id = agent_id
        self.process = subprocess.Popen(
            [sys.executable, "-m", "card_agent", "--gateway", AGENT_GATEWAY],
            env={**os.environ, "CARD_AGENT_TOKEN": token},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        _, stderr = self.process.communicate(timeout=10)
        return stderr.decode(errors="replace")


def _readers(gateway: httpx.Client, point: str, agent_id: str, headers: dict[str, str]) -> dict[str, dict]:
    # The reader inventory is for the point's department (or an admin) since issue 17.
    response = gateway.get("/api/card/v1/readers", params={"service_point_id": point}, headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    return {r["name"]: r for r in items if r["agent_id"] == agent_id}


def _start_agent(gateway: httpx.Client, staff: dict[str, str], point: str) -> tuple[RunningAgent, dict[str, dict]]:
    credentials = _register_agent(gateway, staff, point)
    agent = RunningAgent(credentials["token"], credentials["agent_id"])
    readers = wait_until(
        lambda: (
            # The agent reports each reader as pcscd finds it: one may still be missing at first.
            (r := _readers(gateway, point, agent.agent_id, staff))
            and all(n in r and r[n]["connected"] for n in PORT_OF)
            and r
        ),
        timeout=15,
    )
    return agent, readers


@pytest.fixture(scope="module")
def agent(gateway: httpx.Client, staff: dict[str, str], point: str) -> Iterator[tuple[RunningAgent, dict]]:
    running, readers = _start_agent(gateway, staff, point)
    yield running, readers
    stderr = running.stop()
    for citizen_id in CITIZEN_IDS:
        assert citizen_id not in stderr, "the agent must never log card data"


def _open(gateway: httpx.Client, staff: dict[str, str], reader_id: str, purpose: str, **extra) -> str:
    response = gateway.post(
        "/api/card/v1/sessions", json={"reader_id": reader_id, "purpose": purpose, **extra}, headers=staff
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "waiting"
    return response.json()["session_id"]


def _finished(gateway: httpx.Client, staff: dict[str, str], session_id: str, timeout: float = 15) -> dict:
    def poll():
        body = gateway.get(f"/api/card/v1/sessions/{session_id}", headers=staff).json()
        return body if body["status"] != "waiting" else None

    return wait_until(poll, timeout=timeout)


def _card(citizen_id: str, atr: bytes = ATR_FAMILY_3B79, **fields) -> CardProfile:
    return CardProfile(citizen_id=citizen_id, atr=atr, **fields)


def _wait_card_present(gateway, point, agent_id, reader, present: bool, headers: dict[str, str]) -> None:
    wait_until(lambda: _readers(gateway, point, agent_id, headers)[reader]["card_present"] is present, timeout=10)


def test_the_agent_reports_both_readers_and_card_insert_and_remove(gateway, point, staff, agent) -> None:
    running, readers = agent
    assert set(readers) >= {READER_0, READER_1}
    with VirtualCard(_card(CITIZEN_IDS[0]), port=PORT_OF[READER_1]):
        _wait_card_present(gateway, point, running.agent_id, READER_1, True, staff)
        assert _readers(gateway, point, running.agent_id, staff)[READER_0]["card_present"] is False
    _wait_card_present(gateway, point, running.agent_id, READER_1, False, staff)


def test_identity_check_reads_family_3b79_and_releases_no_full_id_once(
    gateway, point, staff, agent, secrets, topic_tail
):
    _running, readers = agent
    visits = topic_tail("citizeninfo.visits.v1")
    session_id = _open(gateway, staff, readers[READER_0]["reader_id"], "identity_check")
    with VirtualCard(_card(CITIZEN_IDS[1], ATR_FAMILY_3B79)):
        body = _finished(gateway, staff, session_id)
    assert body["status"] == "read", body
    card = body["card"]
    assert card["citizen_id_masked"].replace("-", "") == "x" * 9 + CITIZEN_IDS[1][-4:]
    assert CITIZEN_IDS[1] not in json.dumps(body)
    assert "citizen_id" not in card and "photo_jpeg" not in card
    assert card["name_th"] == "นาง สมศรี ใจดี" and card["name_en"] == "Mrs. Somsri Jaidee"
    assert (card["birth_date"], card["gender"], card["expiry_date"]) == ("1980-04-15", "female", "2030-12-31")
    assert card["address_th"] is None  # not needed to check identity
    assert body["verified_online"] is None  # the point has no online verification
    assert body["visit_token"]

    again = gateway.get(f"/api/card/v1/sessions/{session_id}", headers=staff).json()
    assert (again["status"], again["card"], again["visit_token"], again["delivered"]) == ("read", None, None, True)

    # The citizen-pseudonym key derived from the configured material (keys.py), named by its key id.
    keyring = Keyring(current_id="k1", materials={"k1": secrets["identity_hmac_key"].encode()})
    expected_hmac = str(keyring.for_purpose(KeyPurpose.CITIZEN_PSEUDONYM).hash(CITIZEN_IDS[1]))
    records = visits.collect(lambda rs: any(expected_hmac.encode() in r.value for r in rs), timeout=20)
    [event] = [json.loads(r.value) for r in records if expected_hmac.encode() in r.value]
    assert event["subject"] == point
    assert event["data"]["department_id"] == DEPARTMENT and event["data"]["province_code"] == "12"
    assert CITIZEN_IDS[1] not in json.dumps(event)


def test_registration_with_photo_reads_family_3b67_with_the_full_id_and_photo(gateway, staff, agent) -> None:
    _, readers = agent
    session_id = _open(gateway, staff, readers[READER_0]["reader_id"], "registration_with_photo")
    with VirtualCard(_card(CITIZEN_IDS[2], ATR_FAMILY_3B67)):
        body = _finished(gateway, staff, session_id, timeout=20)
    assert body["status"] == "read", body
    assert body["card"]["citizen_id"] == CITIZEN_IDS[2]
    assert body["card"]["address_th"].startswith("99/1 หมู่ที่ 4 ถนนงามวงศ์วาน")
    assert base64.b64decode(body["card"]["photo_jpeg"]) == demo_photo()


def test_a_card_already_in_the_reader_is_read_when_the_session_opens(gateway, point, staff, agent) -> None:
    running, readers = agent
    with VirtualCard(_card(CITIZEN_IDS[3])):
        _wait_card_present(gateway, point, running.agent_id, READER_0, True, staff)
        body = _finished(gateway, staff, _open(gateway, staff, readers[READER_0]["reader_id"], "verified_visit"))
    assert body["status"] == "read"
    assert body["visit_token"]
    assert body["card"]["name_th"] is None and body["card"]["citizen_id_masked"]


def test_a_card_pulled_mid_read_fails_the_session_clearly(gateway, point, staff, agent) -> None:
    running, readers = agent
    session_id = _open(gateway, staff, readers[READER_0]["reader_id"], "registration_with_photo")
    with VirtualCard(_card(CITIZEN_IDS[4]), remove_after_apdus=6) as card:
        body = _finished(gateway, staff, session_id, timeout=20)
        card.removed.wait(5)
    assert (body["status"], body["error"]) == ("failed", "card_removed"), body
    assert body["error_th"] and body["card"] is None
    _wait_card_present(gateway, point, running.agent_id, READER_0, False, staff)


def test_a_card_with_a_bad_check_digit_is_unreadable(gateway, staff, agent) -> None:
    _, readers = agent
    bad = CITIZEN_IDS[5][:12] + str((int(CITIZEN_IDS[5][12]) + 1) % 10)
    session_id = _open(gateway, staff, readers[READER_0]["reader_id"], "identity_check")
    with VirtualCard(_card(bad)):
        body = _finished(gateway, staff, session_id)
    assert (body["status"], body["error"]) == ("failed", "unreadable_card")


def test_two_readers_serve_two_concurrent_sessions_and_one_read_at_a_time(gateway, staff, agent) -> None:
    _, readers = agent
    first = _open(gateway, staff, readers[READER_0]["reader_id"], "registration")
    second = _open(gateway, staff, readers[READER_1]["reader_id"], "registration")
    busy = gateway.post(
        "/api/card/v1/sessions",
        json={"reader_id": readers[READER_0]["reader_id"], "purpose": "identity_check"},
        headers=staff,
    )
    assert busy.status_code == 409 and busy.json()["reason"] == "reader_busy"
    with (
        VirtualCard(_card(CITIZEN_IDS[6], ATR_FAMILY_3B67), port=PORT_OF[READER_0]),
        VirtualCard(_card(CITIZEN_IDS[7], ATR_FAMILY_3B79), port=PORT_OF[READER_1]),
    ):
        one, two = _finished(gateway, staff, first), _finished(gateway, staff, second)
    assert (one["card"]["citizen_id"], two["card"]["citizen_id"]) == (CITIZEN_IDS[6], CITIZEN_IDS[7])


def test_only_the_points_department_opens_sessions_and_only_the_opener_sees_them(
    gateway, staff, other_staff, agent
) -> None:
    _, readers = agent
    reader_id = readers[READER_1]["reader_id"]
    refused = gateway.post(
        "/api/card/v1/sessions", json={"reader_id": reader_id, "purpose": "registration"}, headers=other_staff
    )
    assert refused.status_code == 403
    session_id = _open(gateway, staff, reader_id, "identity_check")
    assert gateway.get(f"/api/card/v1/sessions/{session_id}", headers=other_staff).status_code == 403
    assert gateway.get(f"/api/card/v1/sessions/{session_id}").status_code == 401
    assert gateway.delete(f"/api/card/v1/sessions/{session_id}", headers=staff).status_code == 204
    assert gateway.get(f"/api/card/v1/sessions/{session_id}", headers=staff).json()["error"] == "cancelled"


def test_bad_session_requests_are_problems(gateway, staff, agent) -> None:
    _, readers = agent
    for body, status in [
        ({"reader_id": readers[READER_0]["reader_id"], "purpose": "gossip"}, 422),
        ({"reader_id": readers[READER_0]["reader_id"], "purpose": "identity_check", "extra": 1}, 422),
        ({"reader_id": "no-such-reader", "purpose": "identity_check"}, 404),
    ]:
        response = gateway.post("/api/card/v1/sessions", json=body, headers=staff)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"


def test_an_agent_killed_mid_session_fails_the_session(gateway, point, staff) -> None:
    doomed, readers = _start_agent(gateway, staff, point)
    session_id = _open(gateway, staff, readers[READER_1]["reader_id"], "identity_check")
    doomed.stop()
    body = _finished(gateway, staff, session_id)
    assert (body["status"], body["error"]) == ("failed", "agent_gone")
    gone = _readers(gateway, point, doomed.agent_id, staff)
    assert not gone[READER_1]["connected"]
    refused = gateway.post(
        "/api/card/v1/sessions",
        json={"reader_id": readers[READER_1]["reader_id"], "purpose": "identity_check"},
        headers=staff,
    )
    assert refused.status_code == 409 and refused.json()["reason"] == "agent_gone"


def test_an_unknown_agent_token_is_refused(gateway) -> None:
    refused = RunningAgent("not-a-real-token", "none")
    assert refused.process.wait(timeout=15) == 2
    assert "403" in refused.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gdx_simulator() -> Iterator[tuple[str, Registry]]:
    registry = Registry()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_gdx_simulator(registry), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=10)
    yield f"http://127.0.0.1:{port}", registry
    server.should_exit = True
    thread.join(timeout=10)


def test_online_verification_through_the_gdx_simulator(
    gateway, staff, admin_headers, agent, gdx_simulator, infrastructure
) -> None:
    _, readers = agent
    base_url, registry = gdx_simulator
    citizen_id = CITIZEN_IDS[3]
    registry.add(RegistryPerson(citizen_id, "สมศรี", "ใจดี", "25230415", "JT0-1234567-89"))
    settings = {
        "base_url": base_url,
        "consumer_key": registry.consumer_key,
        "consumer_secret": registry.consumer_secret,
        "agent_id": "3100000000001",
    }
    path = f"/api/card/v1/service-points/{POINT}/online-verification"
    assert gateway.put(path, json=settings, headers=staff).status_code == 403  # administrators only (issue 17)
    # The simulator on loopback is allowed because the dev stack runs in development.
    response = gateway.put(path, json=settings, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert "consumer_secret" not in response.text
    client = MongoClient(infrastructure.mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        stored = client["citizeninfo_card"]["online_verification"].find_one({"_id": POINT})
    finally:
        client.close()
    assert "consumer_secret" not in stored and stored["consumer_secret_sealed"].startswith("v1.")
    assert registry.consumer_secret not in json.dumps(stored, default=str)
    try:
        results = []
        for laser in ("JT0-1234567-89", "JT0-9999999-99", None):
            extra = {"laser_code": laser} if laser else {}
            session_id = _open(gateway, staff, readers[READER_0]["reader_id"], "identity_check", **extra)
            with VirtualCard(_card(citizen_id)):
                body = _finished(gateway, staff, session_id)
            results.append((body["status"], body["verified_online"], body["verification_error"]))
        assert results == [("read", True, None), ("read", False, None), ("read", None, "no_laser_code")]
        assert registry.token_requests == 1  # the token is cached for its hour
    finally:
        gateway.delete(path, headers=admin_headers)


# --- issue 17 ---------------------------------------------------------------------------------------


def test_readers_are_refused_to_anonymous_callers_and_other_departments(gateway, point, other_staff, agent) -> None:
    query = {"service_point_id": point}
    anonymous = gateway.get("/api/card/v1/readers", params=query)
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == "application/problem+json"
    assert gateway.get("/api/card/v1/readers", params=query, headers=other_staff).status_code == 403


@pytest.mark.parametrize(
    "base_url",
    ["https://169.254.169.254/latest", "http://10.0.0.1:8099", "https://127.0.0.1.nip.io", "https://scanner.example"],
)
def test_a_registry_endpoint_off_the_allow_list_is_refused(gateway, admin_headers, point, base_url) -> None:
    settings = {"base_url": base_url, "consumer_key": "k", "consumer_secret": "s", "agent_id": "3100000000001"}
    response = gateway.put(
        f"/api/card/v1/service-points/{point}/online-verification", json=settings, headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["reason"] == "endpoint_refused"


def test_the_same_card_read_twice_is_one_visit_and_rates_once(gateway, point, staff, agent) -> None:
    _, readers = agent
    tokens = []
    for _ in range(2):
        session_id = _open(gateway, staff, readers[READER_0]["reader_id"], "verified_visit")
        with VirtualCard(_card(CITIZEN_IDS[0])):
            body = _finished(gateway, staff, session_id)
        assert body["status"] == "read", body
        tokens.append(body["visit_token"])
    assert tokens[0] == tokens[1]

    rating = {"service_point_id": point, "score": 5, "visit_token": tokens[0]}

    def first_rating():
        response = gateway.post("/api/feedback/v1/ratings", json=rating)
        return response if response.status_code != 404 else None  # until feedback knows the point

    accepted = wait_until(first_rating, timeout=20)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["verified"] is True
    assert gateway.post("/api/feedback/v1/ratings", json={**rating, "score": 4}).status_code == 409


def test_a_revoked_agent_is_cut_off_and_its_token_refused(gateway, point, staff) -> None:
    revoked, _readers_now = _start_agent(gateway, staff, point)
    response = gateway.delete(f"/api/card/v1/agents/{revoked.agent_id}", headers=staff)
    assert response.status_code == 204, response.text
    wait_until(lambda: not _readers(gateway, point, revoked.agent_id, staff)[READER_0]["connected"], timeout=15)
    assert revoked.process.wait(timeout=60) == 2  # it came back and was refused
    assert "403" in revoked.stop()
    listed = gateway.get("/api/card/v1/agents", params={"service_point_id": point}, headers=staff).json()["items"]
    [entry] = [a for a in listed if a["agent_id"] == revoked.agent_id]
    assert entry["status"] == "revoked" and "token" not in entry


def test_a_rotated_token_replaces_the_old_one(gateway, point, staff) -> None:
    credentials = _register_agent(gateway, staff, point)
    assert credentials["expires_at"]
    response = gateway.post(f"/api/card/v1/agents/{credentials['agent_id']}/rotate", headers=staff)
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["token"] != credentials["token"]
    old = RunningAgent(credentials["token"], credentials["agent_id"])
    assert old.process.wait(timeout=15) == 2
    assert "403" in old.stop()
    new = RunningAgent(rotated["token"], rotated["agent_id"])
    try:
        wait_until(lambda: _readers(gateway, point, new.agent_id, staff).get(READER_0, {}).get("connected"), timeout=15)
    finally:
        new.stop()


SKIPPED_RUN_DIRS = ("elasticsearch-", "kafka-", "kafka_")
MAX_SCANNED_FILE_BYTES = 512 * 1024 * 1024


def test_zz_no_citizen_id_is_stored_in_any_database_or_under_run(infrastructure) -> None:
    """Runs last in this file: every id read above must be nowhere at rest."""
    needles = [cid.encode() for cid in CITIZEN_IDS]
    client = MongoClient(infrastructure.mongodb_url, serverSelectionTimeoutMS=5000)
    scanned_documents = 0
    try:
        for database in client.list_database_names():
            for collection in client[database].list_collection_names():
                for document in client[database][collection].find():
                    scanned_documents += 1
                    text = json.dumps(document, default=str, ensure_ascii=False).encode()
                    found = [n for n in needles if n in text]
                    assert not found, f"a citizen id is stored in {database}.{collection}"
    finally:
        client.close()
    assert scanned_documents > 0

    run = StackPaths.discover().run
    scanned_files = 0
    for path in _files_to_scan(run):
        data = path.read_bytes()
        scanned_files += 1
        found = [n for n in needles if n in data]
        assert not found, f"a citizen id is written in {path}"
    assert scanned_files > 0


def _files_to_scan(run: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(run):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(SKIPPED_RUN_DIRS)]
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_SCANNED_FILE_BYTES:
                yield path
