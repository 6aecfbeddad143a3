"""Failure drills against the running stack: they stop and kill parts of it, so they run last."""

import asyncio
import json
import time
import uuid

import httpx
import pytest
from citizeninfo_devstack import checks
from citizeninfo_devstack.programs import SERVICES
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.idempotency import IdempotentHandler, InMemoryProcessedEvents
from citizeninfo_shared.topics import TopicName

from tests import targets
from tests.integration.support import TopicTail, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.disruptive]


def _outage_catalogue(run: str) -> bytes:
    lines = [
        {"kind": "ministry", "id": f"MOUT{run}", "name_th": "กระทรวงทดสอบเหตุขัดข้อง"},
        {"kind": "department", "id": f"DOUT{run}", "ministry_id": f"MOUT{run}", "name_th": "กรมทดสอบเหตุขัดข้อง"},
        *(
            {"kind": "service_point", "id": f"POUT{run}{n}", "department_id": f"DOUT{run}", "name_th": "จุดทดสอบ",
             "province_code": "10", "district_code": "1001"}
            for n in range(5)
        ),
    ]  # fmt: skip
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()


def _feedback_knows(gateway: httpx.Client, point: str) -> bool:
    # A forged visit token is refused with 422 once the point is in feedback's catalogue, 404 before.
    probe = gateway.post(
        "/api/feedback/v1/ratings", json={"service_point_id": point, "score": 5, "visit_token": "not-a-token"}
    )
    return probe.status_code == 422


def test_writes_accepted_while_kafka_is_down_are_published_once_it_returns(
    stack, gateway, infrastructure, admin_headers
):
    run = uuid.uuid4().hex[:6].upper()
    imported = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=_outage_catalogue(run),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.text
    points = [f"POUT{run}{n}" for n in range(5)]
    wait_until(lambda: all(_feedback_knows(gateway, p) for p in points), timeout=60)
    tail = TopicTail(infrastructure.kafka_bootstrap, TopicName.RATINGS)
    targets.stop("kafka")  # supervisor stops it, or `docker stop` its container
    try:
        rating_ids = []
        for point, score in zip(points, (1, 2, 3, 4, 5), strict=True):
            response = gateway.post("/api/feedback/v1/ratings", json={"service_point_id": point, "score": score})
            assert response.status_code == 202, response.text
            rating_ids.append(response.json()["rating_id"])
        # Still ready: the outbox keeps the events, and readiness reports Kafka as non-critical.
        ready = gateway.get("/api/feedback/v1/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["kafka"]["status"] == "down"
    finally:
        targets.start("kafka")
    wait_until(lambda: _quietly(targets.kafka_ready), timeout=90)

    keys = {p.encode() for p in points}
    records = tail.collect(lambda rs: len([r for r in rs if r.key in keys]) >= 5, timeout=60)
    tail.close()
    events = [CloudEvent.from_json_bytes(r.value) for r in records if r.key in keys]
    handled: list[str] = []

    async def count(event: CloudEvent) -> None:
        handled.append(event.data["rating_id"])

    handler = IdempotentHandler("outage-drill", InMemoryProcessedEvents(), count)

    async def consume_twice() -> None:
        for event in events + events:  # a redelivery changes nothing
            await handler(event)

    asyncio.run(consume_twice())
    assert sorted(handled) == sorted(rating_ids)


def _quietly(check) -> bool:
    try:
        check()
        return True
    except Exception:
        return False


@pytest.mark.parametrize("name", [s.name for s in SERVICES] + ["stats-worker"])
def test_a_killed_process_is_back_and_ready_within_ten_seconds(stack, name):
    old_pid = targets.pid(name)
    assert old_pid > 0
    killed_at = time.monotonic()
    targets.kill(name)  # SIGKILL to its main process; supervisor, or the engine's restart policy, restarts it
    port = next((s.port for s in SERVICES if s.name == name), None)
    probe = (lambda: checks.service_ready(port)) if port else checks.stats_worker_ready

    def back() -> bool:
        pid = targets.pid(name)
        return pid not in (0, old_pid) and _quietly(probe)

    wait_until(back, timeout=10, interval=0.2)
    assert time.monotonic() - killed_at <= 10


def test_the_gateway_is_whole_after_the_drills(stack):
    wait_until(lambda: _quietly(checks.gateway_ready), timeout=30)
    assert httpx.get(f"{checks.GATEWAY_URL}/api/pin/v1/readyz").status_code == 200
