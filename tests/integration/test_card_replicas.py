"""card-gateway with two replicas (issue 19): an agent linked to one, staff served by the other.

Two card-gateway processes of this test's own (uvicorn, free ports, CITIZENINFO_CARD_REPLICA_URL set)
against the running stack's Kafka and MongoDB-wire server, with the stack's secrets; the real card-agent
(pcscd + vpcd + a virtual Thai ID card) linked to replica 1. A session opened through replica 2 is read
on replica 1 and delivered through replica 2 exactly once; revoking through replica 2 closes the link
on replica 1; a replica killed with SIGKILL is treated as gone.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from card_agent.virtual_card import ATR_FAMILY_3B79, CardProfile, VirtualCard
from citizeninfo_shared.privacy import citizen_id_is_valid
from pymongo import MongoClient

from tests import targets
from tests.integration.support import wait_until

# native_only: the virtual card reader (pcscd + vpcd) and .run/ exist only in the native stack.
pytestmark = [pytest.mark.integration, pytest.mark.native_only]

REPO = Path(__file__).resolve().parents[2]
READER_0, READER_1 = "Virtual PCD 00 00", "Virtual PCD 00 01"
RUN = uuid.uuid4().hex[:6].upper()
DEPARTMENT, POINT = f"DREPL{RUN}", f"PREPL{RUN}"
HEARTBEAT_SECONDS = 1.0


def _citizen_id(rng: random.Random) -> str:
    while True:
        digits = "".join(rng.choice("0123456789") for _ in range(12))
        total = sum(int(d) * (13 - i) for i, d in enumerate(digits))
        candidate = digits + str((11 - total % 11) % 10)
        if candidate[0] != "0" and citizen_id_is_valid(candidate):
            return candidate


CITIZEN_ID = _citizen_id(random.Random(RUN))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Replica:
    url: str
    process: subprocess.Popen
    log: Path

    def replica_id(self, mongodb_url: str) -> str:
        client = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
        try:
            document = client["citizeninfo_card"]["replicas"].find_one({"url": self.url})
        finally:
            client.close()
        assert document is not None, f"{self.url} is not registered"
        return document["_id"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _start_replica(environment: dict[str, str], directory: Path, name: str) -> Replica:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / f"{name}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "card_gateway.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        env={**environment, "CITIZENINFO_CARD_REPLICA_URL": url},
        cwd=directory,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    replica = Replica(url, process, log)

    def ready() -> bool:
        assert process.poll() is None, f"{name} ended: {log.read_text(errors='replace')[-2000:]}"
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, timeout=60)
    return replica


@pytest.fixture(scope="module")
def replicas(stack, infrastructure) -> Iterator[tuple[Replica, Replica]]:
    secrets = targets.secrets()
    environment = {
        **os.environ,
        "CITIZENINFO_ENVIRONMENT": "development",
        "CITIZENINFO_JWT_SECRET": secrets["jwt_secret"],
        "CITIZENINFO_VISIT_TOKEN_SECRET": secrets["visit_token_secret"],
        "CITIZENINFO_IDENTITY_HMAC_KEY": secrets["identity_hmac_key"],
        "CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap,
        "CITIZENINFO_MONGODB_URL": infrastructure.mongodb_url,
        "CITIZENINFO_ELASTICSEARCH_URL": infrastructure.elasticsearch_url,
        "CITIZENINFO_CARD_REPLICA_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "PYTHONUNBUFFERED": "1",
        **targets.stack_environment(),
    }
    started: list[Replica] = []
    with tempfile.TemporaryDirectory(prefix="card-replicas-") as directory:
        try:
            for name in ("replica-1", "replica-2"):
                started.append(_start_replica(environment, Path(directory), name))
            yield started[0], started[1]
        finally:
            for replica in started:
                replica.stop()
            _forget([replica.url for replica in started], infrastructure.mongodb_url)
            for replica in started:
                assert CITIZEN_ID not in replica.log.read_text(errors="replace"), "card data in a replica's log"


def _forget(urls: list[str], mongodb_url: str) -> None:
    """What a killed replica leaves behind (the others sweep it after 5 minutes; no need to wait)."""
    client = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        database = client["citizeninfo_card"]
        ids = [d["_id"] for d in database["replicas"].find({"url": {"$in": urls}}, {"_id": 1})]
        database["agent_links"].delete_many({"replica_id": {"$in": ids}})
        database["replicas"].delete_many({"_id": {"$in": ids}})
    finally:
        client.close()


def _sign_in(gateway: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def staff(gateway: httpx.Client, admin_headers: dict[str, str]) -> dict[str, str]:
    lines = [
        {"kind": "ministry", "id": f"MREPL{RUN}", "name_th": "กระทรวงทดสอบสำเนา"},
        {"kind": "department", "id": DEPARTMENT, "ministry_id": f"MREPL{RUN}", "name_th": "กรมทดสอบสำเนา"},
        {
            "kind": "service_point",
            "id": POINT,
            "department_id": DEPARTMENT,
            "name_th": "จุดทดสอบหลายสำเนา",
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
    username, password = f"card-repl-{RUN.lower()}", uuid.uuid4().hex
    response = gateway.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": DEPARTMENT},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    return _sign_in(gateway, username, password)


class RunningAgent:
    def __init__(self, gateway_url: str, token: str, agent_id: str) -> None:
        self.agent_id = agent_id
        self.process = subprocess.Popen(
            [sys.executable, "-m", "card_agent", "--gateway", gateway_url, "--ws-path", "/agents/ws"],
            env={**os.environ, "CARD_AGENT_TOKEN": token},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        _, stderr = self.process.communicate(timeout=10)
        return stderr.decode(errors="replace")


def _readers(url: str, staff: dict[str, str], agent_id: str) -> dict[str, dict]:
    response = httpx.get(f"{url}/readers", params={"service_point_id": POINT}, headers=staff, timeout=10)
    assert response.status_code == 200, response.text
    return {r["name"]: r for r in response.json()["items"] if r["agent_id"] == agent_id}


def _agents(url: str, staff: dict[str, str]) -> dict[str, dict]:
    response = httpx.get(f"{url}/agents", params={"service_point_id": POINT}, headers=staff, timeout=10)
    assert response.status_code == 200, response.text
    return {a["agent_id"]: a for a in response.json()["items"]}


@pytest.fixture(scope="module")
def linked_agent(replicas, staff) -> Iterator[tuple[RunningAgent, dict[str, dict]]]:
    one, _two = replicas

    def register():
        response = httpx.post(
            f"{one.url}/agents", json={"service_point_id": POINT, "name": "ช่อง 1"}, headers=staff, timeout=10
        )
        return response if response.status_code != 404 else None  # until the catalogue event is projected

    response = wait_until(register, timeout=30)
    assert response.status_code == 201, response.text
    credentials = response.json()
    agent = RunningAgent(one.url, credentials["token"], credentials["agent_id"])
    try:
        readers = wait_until(
            lambda: (
                (r := _readers(one.url, staff, agent.agent_id))
                and all(n in r and r[n]["connected"] for n in (READER_0, READER_1))
                and r
            ),
            timeout=20,
        )
        yield agent, readers
    finally:
        stderr = agent.stop()
        assert CITIZEN_ID not in stderr, "the agent must never log card data"


def _finished(url: str, staff: dict[str, str], session_id: str, timeout: float = 20) -> dict:
    def poll():
        body = httpx.get(f"{url}/sessions/{session_id}", headers=staff, timeout=10).json()
        return body if body["status"] != "waiting" else None

    return wait_until(poll, timeout=timeout)


def test_a_session_opened_on_one_replica_reads_on_the_agents_and_is_delivered_once(
    replicas, staff, linked_agent, infrastructure
) -> None:
    one, two = replicas
    agent, readers = linked_agent
    one_id, two_id = one.replica_id(infrastructure.mongodb_url), two.replica_id(infrastructure.mongodb_url)
    assert one_id != two_id

    # Replica 2 holds no link, yet sees the agent connected (agent_links + a live replica 1).
    assert _agents(two.url, staff)[agent.agent_id]["connected"] is True

    opened = httpx.post(
        f"{two.url}/sessions",
        json={"reader_id": readers[READER_0]["reader_id"], "purpose": "registration"},
        headers=staff,
        timeout=10,
    )
    assert opened.status_code == 201, opened.text
    assert opened.headers["cache-control"] == "no-store"
    session_id = opened.json()["session_id"]
    assert session_id.startswith(f"{one_id}."), "the session lives where the agent's link is"

    with VirtualCard(CardProfile(citizen_id=CITIZEN_ID, atr=ATR_FAMILY_3B79)):
        body = _finished(two.url, staff, session_id)
    assert body["status"] == "read", body
    assert body["card"]["citizen_id"] == CITIZEN_ID and body["delivered"] is True
    # Once: neither replica gives it again.
    for url in (two.url, one.url):
        again = httpx.get(f"{url}/sessions/{session_id}", headers=staff, timeout=10).json()
        assert (again["status"], again["card"], again["visit_token"]) == ("read", None, None)

    # Cancelling through replica 2 reaches replica 1 too.
    waiting = httpx.post(
        f"{two.url}/sessions",
        json={"reader_id": readers[READER_1]["reader_id"], "purpose": "identity_check"},
        headers=staff,
        timeout=10,
    ).json()["session_id"]
    assert httpx.delete(f"{two.url}/sessions/{waiting}", headers=staff, timeout=10).status_code == 204
    assert httpx.get(f"{one.url}/sessions/{waiting}", headers=staff, timeout=10).json()["error"] == "cancelled"

    # Nothing of the card was stored on the way (the card database: registry, links, audit, visits).
    client = MongoClient(infrastructure.mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        database = client["citizeninfo_card"]
        for collection in database.list_collection_names():
            for document in database[collection].find():
                assert CITIZEN_ID not in json.dumps(document, default=str), f"a citizen id in {collection}"
    finally:
        client.close()

    # The internal endpoint refuses a caller without the replica secret.
    for headers in ({}, {"X-CitizenInfo-Replica": "k1:" + "0" * 64}):
        refused = httpx.delete(f"{one.url}/internal/agents/{agent.agent_id}/link", headers=headers, timeout=10)
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"
    assert agent.process.poll() is None, "a refused internal call closed nothing"


def test_revoking_on_another_replica_closes_the_link(replicas, staff, linked_agent, infrastructure) -> None:
    _one, two = replicas
    agent, _readers_now = linked_agent
    assert httpx.delete(f"{two.url}/agents/{agent.agent_id}", headers=staff, timeout=10).status_code == 204
    # Replica 1 closed the WebSocket; the agent came back, was refused (403) and ended with 2.
    assert agent.process.wait(timeout=60) == 2
    assert "403" in agent.stop()
    # Closed by replica 2's call to replica 1 (not only by replica 1's heartbeat noticing the revoke).
    metrics = httpx.get(f"{two.url}/metrics", timeout=10).text
    assert 'citizeninfo_card_forwarded_requests_total{operation="close_link",outcome="answered"} 1.0' in metrics
    assert "agent_link_close_refused" not in two.log.read_text(errors="replace")
    wait_until(lambda: not _readers(two.url, staff, agent.agent_id)[READER_0]["connected"], timeout=15)
    listed = _agents(two.url, staff)[agent.agent_id]
    assert listed["status"] == "revoked" and listed["connected"] is False
    client = MongoClient(infrastructure.mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        assert client["citizeninfo_card"]["agent_links"].find_one({"_id": agent.agent_id}) is None
    finally:
        client.close()


def test_a_killed_replica_counts_as_gone(replicas, staff, infrastructure) -> None:
    one, two = replicas
    response = httpx.post(
        f"{one.url}/agents", json={"service_point_id": POINT, "name": "ช่อง 2"}, headers=staff, timeout=10
    )
    assert response.status_code == 201, response.text
    credentials = response.json()
    agent = RunningAgent(one.url, credentials["token"], credentials["agent_id"])
    try:
        readers = wait_until(
            lambda: (r := _readers(one.url, staff, agent.agent_id)) and r.get(READER_0, {}).get("connected") and r,
            timeout=20,
        )
        opened = httpx.post(
            f"{two.url}/sessions",
            json={"reader_id": readers[READER_0]["reader_id"], "purpose": "identity_check"},
            headers=staff,
            timeout=10,
        )
        assert opened.status_code == 201, opened.text
        session_id = opened.json()["session_id"]

        one.process.send_signal(signal.SIGKILL)  # no withdrawal: its rows stay, its heartbeat stops
        one.process.wait(timeout=10)
        time.sleep(HEARTBEAT_SECONDS * 4)  # older than 3 heartbeats: gone

        gone = httpx.get(f"{two.url}/sessions/{session_id}", headers=staff, timeout=10)
        assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
        assert _agents(two.url, staff)[agent.agent_id]["connected"] is False
        # The agent reconnects (its backoff); pointed at replica 1 it cannot, so a new session is refused.
        refused = httpx.post(
            f"{two.url}/sessions",
            json={"reader_id": readers[READER_0]["reader_id"], "purpose": "identity_check"},
            headers=staff,
            timeout=10,
        )
        assert refused.status_code == 409 and refused.json()["reason"] == "agent_gone"
    finally:
        agent.stop()
