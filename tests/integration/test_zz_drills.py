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
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from citizeninfo_devstack import checks
from citizeninfo_devstack.programs import SERVICES

from tests import targets
from tests.drills import (
    POINTS,
    Drill,
    RatingStream,
    department_ratings,
    department_row,
    drill_catalogue,
    import_catalogue,
    pin_every_point,
    quietly,
)
from tests.integration.support import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.disruptive, pytest.mark.timeout(600)]

FEEDBACK_PORT = next(service.port for service in SERVICES if service.name == "feedback-service")
OUTAGE_SECONDS = 20
CATCH_UP_SECONDS = 180


def _assert_exact(gateway: httpx.Client, drill: Drill, stream: RatingStream, *, pinned: int = 0) -> None:
    assert not stream.refused, stream.refused[:5]
    expected = len(stream.accepted)
    assert expected >= 100, f"only {expected} ratings accepted: the drill did not exercise much"
    # Every accepted rating arrives; then nothing more arrives (a late duplicate would show here).
    wait_until(lambda: department_ratings(gateway, drill) == expected, timeout=CATCH_UP_SECONDS, interval=1)
    time.sleep(5)
    assert department_ratings(gateway, drill) == expected
    row = department_row(gateway, drill)
    assert row is not None and row["service_points"] == POINTS and row["pinned"] == pinned, row


def test_ratings_accepted_while_feedback_service_and_its_relay_are_killed_are_counted_once(
    stack, gateway, admin_headers
):
    drill = drill_catalogue(uuid.uuid4().hex[:6].upper())
    import_catalogue(gateway, admin_headers, drill)
    with RatingStream(drill) as stream:
        wait_until(lambda: stream.count() >= 60, timeout=60)
        for _ in range(2):  # twice, so that one kill lands while the relay holds unpublished events
            targets.kill("feedback-service")  # SIGKILL; supervisor, or the engine, restarts it
            wait_until(lambda: quietly(lambda: checks.service_ready(FEEDBACK_PORT)), timeout=30)
            accepted_before = stream.count()
            wait_until(lambda before=accepted_before: stream.count() >= before + 40, timeout=60)
    _assert_exact(gateway, drill, stream)
    assert sum(stream.retries.values()) > 0, "no request hit the killed service: the drill proved nothing"


@contextlib.contextmanager
def _outage(gateway: httpx.Client, admin_headers: dict, program: str, ready) -> Iterator[Drill]:
    """Stops `program` (supervisor's, or its compose container) for OUTAGE_SECONDS while ratings flow and
    every point is pinned; yields the drill (inside the outage) and checks the exact counts once it is back."""
    drill = drill_catalogue(uuid.uuid4().hex[:6].upper())
    import_catalogue(gateway, admin_headers, drill)
    with RatingStream(drill) as stream:
        wait_until(lambda: stream.count() >= 40, timeout=60)
        targets.stop(program)
        try:
            during = stream.count()
            pin_every_point(gateway, admin_headers, drill)
            time.sleep(OUTAGE_SECONDS)
            assert stream.count() >= during + 100, f"ratings were not accepted while {program} was down"
            yield drill
        finally:
            targets.start(program)
        wait_until(lambda: quietly(ready), timeout=120)
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
