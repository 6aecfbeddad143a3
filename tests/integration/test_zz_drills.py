"""Failure drills with exact counts: ratings (and pins) keep flowing through the gateway while a part
of the system is killed or stopped, and afterwards stats count every accepted write exactly once.

- feedback-service — which runs the outbox relay of the ratings — is killed with SIGKILL mid-stream;
- Kafka is stopped for 20 s while ratings and pins are written;
- Elasticsearch is stopped for 20 s while ratings and pins are written.

Each drill has a ministry of its own. Citizens are simulated by distinct loopback source addresses
(so no rate limit is reached) and behave as a well-made client does: every rating carries an
Idempotency-Key, and a request that failed in transit (connection reset, 502/503/504 while a
service restarts) is sent again with the same key until it is answered. "Accepted" is the set of
rating ids answered 202; stats must end with exactly that many ratings for the department.
"""

import contextlib
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from citizeninfo_devstack import checks
from citizeninfo_devstack.programs import SERVICES

from tests import targets
from tests.integration.support import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.disruptive, pytest.mark.timeout(600)]

POINTS = 20
CITIZENS = 40
# Each citizen rates each point at most twice (the daily cap is 3), one rating every ~2.2 s (the window
# limit is 30 a minute): 40 ratings over about 90 s, ~18 ratings/s from all of them.
RATINGS_PER_CITIZEN = 2 * POINTS
SECONDS_BETWEEN_RATINGS = 2.2
FEEDBACK_PORT = next(service.port for service in SERVICES if service.name == "feedback-service")
OUTAGE_SECONDS = 20
CATCH_UP_SECONDS = 180
GATEWAY = targets.GATEWAY_URL
TRANSIENT_STATUSES = {502, 503, 504}


@dataclass
class Drill:
    ministry: str
    department: str
    points: list[str]


def _catalogue(run: str) -> Drill:
    return Drill(f"MDRL{run}", f"DDRL{run}", [f"PDRL{run}{n}" for n in range(POINTS)])


def _import(gateway: httpx.Client, admin_headers: dict, drill: Drill) -> None:
    lines = [
        {"kind": "ministry", "id": drill.ministry, "name_th": "กระทรวงซ้อมเหตุขัดข้อง"},
        {"kind": "department", "id": drill.department, "ministry_id": drill.ministry, "name_th": "กรมซ้อมเหตุขัดข้อง"},
        *(
            {"kind": "service_point", "id": point, "department_id": drill.department, "name_th": "จุดซ้อม",
             "province_code": "10", "district_code": "1001"}
            for point in drill.points
        ),
    ]  # fmt: skip
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    response = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=body.encode(),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200 and not response.json()["errors"], response.text

    def feedback_knows_every_point() -> bool:
        # A forged visit token is a 422 once feedback's catalogue projection has the point, 404 before.
        probe = {"score": 5, "visit_token": "not-a-token"}
        return all(
            gateway.post("/api/feedback/v1/ratings", json={**probe, "service_point_id": point}).status_code == 422
            for point in drill.points
        )

    wait_until(feedback_knows_every_point, timeout=60, interval=0.5)


@dataclass
class RatingStream:
    """Citizens rating the drill's points from their own addresses until stopped, retrying in-transit
    failures with the same Idempotency-Key."""

    drill: Drill
    accepted: set[str] = field(default_factory=set)
    retries: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        block = random.randint(1, 250)  # a fresh address block per drill
        self._addresses = [f"127.{block}.{n // 250}.{n % 250 + 1}" for n in range(CITIZENS)]
        self._threads = [threading.Thread(target=self._citizen, args=(n,), daemon=True) for n in range(CITIZENS)]
        self._lock = threading.Lock()

    def __enter__(self) -> "RatingStream":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in self._threads), "a citizen is still retrying"

    def count(self) -> int:
        with self._lock:
            return len(self.accepted)

    def _citizen(self, n: int) -> None:
        transport = httpx.HTTPTransport(local_address=self._addresses[n])
        with httpx.Client(base_url=GATEWAY, transport=transport, timeout=10) as http:
            sent = 0
            self._stop.wait(random.random() * SECONDS_BETWEEN_RATINGS)  # spread the starts
            while not self._stop.is_set() and sent < RATINGS_PER_CITIZEN:
                point = self.drill.points[(n + sent) % POINTS]
                body = {"service_point_id": point, "score": 1 + (n + sent) % 5, "asked_for_copy": sent % 4 == 0}
                rating_id = self._rate_until_answered(http, body, f"drill-{uuid.uuid4()}")
                if rating_id is not None:
                    with self._lock:
                        self.accepted.add(rating_id)
                sent += 1
                self._stop.wait(SECONDS_BETWEEN_RATINGS)

    def _rate_until_answered(self, http: httpx.Client, body: dict, key: str) -> str | None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                response = http.post("/api/feedback/v1/ratings", json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError as error:
                self.retries[type(error).__name__] += 1
            else:
                if response.status_code == 202:
                    return response.json()["rating_id"]
                if response.status_code not in TRANSIENT_STATUSES:
                    self.refused.append(f"{response.status_code} {response.text[:200]}")
                    return None
                self.retries[str(response.status_code)] += 1
            time.sleep(0.5)
        self.refused.append(f"no answer within 90 s for key {key}")
        return None


def _department_ratings(gateway: httpx.Client, drill: Drill) -> int | None:
    try:
        response = gateway.get(f"/api/stats/v1/satisfaction/departments/{drill.department}")
    except httpx.TransportError:
        return None
    return response.json()["windows"]["all"]["ratings"] if response.status_code == 200 else None


def _department_row(gateway: httpx.Client, drill: Drill) -> dict | None:
    try:
        response = gateway.get(f"/api/stats/v1/ministries/{drill.ministry}/departments")
    except httpx.TransportError:
        return None
    return response.json()["total"] if response.status_code == 200 else None


def _assert_exact(gateway: httpx.Client, drill: Drill, stream: RatingStream, *, pinned: int = 0) -> None:
    assert not stream.refused, stream.refused[:5]
    expected = len(stream.accepted)
    assert expected >= 100, f"only {expected} ratings accepted: the drill did not exercise much"
    # Every accepted rating arrives; then nothing more arrives (a late duplicate would show here).
    wait_until(lambda: _department_ratings(gateway, drill) == expected, timeout=CATCH_UP_SECONDS, interval=1)
    time.sleep(5)
    assert _department_ratings(gateway, drill) == expected
    row = _department_row(gateway, drill)
    assert row is not None and row["service_points"] == POINTS and row["pinned"] == pinned, row


def _pin_every_point(gateway: httpx.Client, admin_headers: dict, drill: Drill) -> None:
    for n, point in enumerate(drill.points):
        pin = {"lat": 13.75 + n / 1000, "lon": 100.50 + n / 1000, "accuracy_m": 8}
        response = gateway.post(f"/api/pin/v1/service-points/{point}/pins", json=pin, headers=admin_headers)
        assert response.status_code == 201, response.text


def _quietly(check) -> bool:
    try:
        check()
        return True
    except Exception:
        return False


def test_ratings_accepted_while_feedback_service_and_its_relay_are_killed_are_counted_once(
    stack, gateway, admin_headers
):
    drill = _catalogue(uuid.uuid4().hex[:6].upper())
    _import(gateway, admin_headers, drill)
    with RatingStream(drill) as stream:
        wait_until(lambda: stream.count() >= 60, timeout=60)
        for _ in range(2):  # twice, so that one kill lands while the relay holds unpublished events
            targets.kill("feedback-service")  # SIGKILL; supervisor, or the engine, restarts it
            wait_until(lambda: _quietly(lambda: checks.service_ready(FEEDBACK_PORT)), timeout=30)
            accepted_before = stream.count()
            wait_until(lambda before=accepted_before: stream.count() >= before + 40, timeout=60)
    _assert_exact(gateway, drill, stream)
    assert sum(stream.retries.values()) > 0, "no request hit the killed service: the drill proved nothing"


@contextlib.contextmanager
def _outage(gateway: httpx.Client, admin_headers: dict, program: str, ready) -> Iterator[Drill]:
    """Stops `program` (supervisor's, or its compose container) for OUTAGE_SECONDS while ratings flow and
    every point is pinned; yields the drill (inside the outage) and checks the exact counts once it is back."""
    drill = _catalogue(uuid.uuid4().hex[:6].upper())
    _import(gateway, admin_headers, drill)
    with RatingStream(drill) as stream:
        wait_until(lambda: stream.count() >= 40, timeout=60)
        targets.stop(program)
        try:
            during = stream.count()
            _pin_every_point(gateway, admin_headers, drill)
            time.sleep(OUTAGE_SECONDS)
            assert stream.count() >= during + 100, f"ratings were not accepted while {program} was down"
            yield drill
        finally:
            targets.start(program)
        wait_until(lambda: _quietly(ready), timeout=120)
        time.sleep(5)
    _assert_exact(gateway, drill, stream, pinned=POINTS)


def test_ratings_and_pins_written_while_kafka_is_down_are_counted_once(stack, gateway, admin_headers):
    with _outage(gateway, admin_headers, "kafka", targets.kafka_ready):
        # Still ready: the outboxes keep the events, and readiness reports Kafka as non-critical.
        assert gateway.get("/api/feedback/v1/readyz").status_code == 200


def test_ratings_and_pins_written_while_elasticsearch_is_down_are_counted_once(stack, gateway, admin_headers):
    with _outage(gateway, admin_headers, "elasticsearch", targets.elasticsearch_ready) as drill:
        # The read side says so clearly instead of failing: 503 problem, not 500.
        stats = gateway.get(f"/api/stats/v1/ministries/{drill.ministry}/departments")
        assert stats.status_code == 503 and stats.headers["content-type"].startswith("application/problem+json")

    # pin-service's search index caught up too: the pins placed during the outage are found nearby.
    def found_nearby() -> set[str]:
        params = {"lat": 13.75, "lon": 100.5, "radius_m": 5000, "limit": 50, "department_id": drill.department}
        response = gateway.get("/api/pin/v1/service-points/nearby", params=params)
        return {item["id"] for item in response.json()["items"]} if response.status_code == 200 else set()

    wait_until(lambda: found_nearby() == set(drill.points), timeout=60, interval=1)
