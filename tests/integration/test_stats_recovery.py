"""The stats worker killed with SIGKILL mid-stream ends with exact counts; a rebuild from the topics
gives identical documents and figures.

Touches only the `stats-worker` program (supervisor restarts it, in compose the engine's restart policy)
and indices of its own prefix; never the infrastructure. Events go straight to the real topics with a
random ministry of their own, shaped as the producing services shape them, some delivered twice as an
at-least-once producer may.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from citizeninfo_shared.events.catalogue import DepartmentUpserted, MinistryUpserted, ServicePointUpserted
from citizeninfo_shared.events.envelope import CloudEvent, EventData
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.topics import TopicName
from elasticsearch import Elasticsearch
from stats_service.adapters.indices import StatsIndices
from stats_service.config import StatsSettings

from tests import targets

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

STATS = "/api/stats/v1"
SOURCE = "urn:citizeninfo:tests:stats-recovery"
POINTS = 20
RATINGS = 40_000
DUPLICATED_EVERY = 10  # every tenth rating event is delivered twice
CATCH_UP_SECONDS = 180.0


def _event(data: EventData, subject: str, event_id: str) -> CloudEvent:
    return CloudEvent.wrap(data, source=SOURCE, subject=subject).model_copy(update={"id": event_id})


def _wait(check, timeout: float, describe) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not reached within {timeout} s: {describe()}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def settings() -> StatsSettings:
    # The stats worker's Kafka user in compose: it reads every topic here and may move its group (rebuild).
    return StatsSettings(**targets.stack_settings(reads=[TopicName.RATINGS]))


@pytest.fixture(scope="module")
def scenario(settings: StatsSettings, gateway: httpx.Client) -> dict:
    """Lists a ministry with one department of POINTS points, pins and surveys them, then streams
    RATINGS ratings and kills the worker with SIGKILL while they are being consumed."""
    tag = uuid.uuid4().hex[:8].upper()
    ministry, department = f"MRC{tag}", f"DRC{tag}"
    points = [f"PRC{tag}{n:02d}" for n in range(POINTS)]
    now = datetime.now(UTC)
    producer = targets.EventProducer(settings.kafka_bootstrap_servers, client_id="stats-recovery-test")

    def send(topic: TopicName, event: CloudEvent) -> None:
        producer.send(topic.value, key=event.key, value=event.to_json_bytes())

    send(
        TopicName.CATALOGUE,
        _event(MinistryUpserted(ministry_id=ministry, name_th="กระทรวงทดสอบกู้คืน"), ministry, f"{tag}-m"),
    )
    send(
        TopicName.CATALOGUE,
        _event(
            DepartmentUpserted(department_id=department, ministry_id=ministry, name_th="กรมทดสอบกู้คืน"),
            department,
            f"{tag}-d",
        ),
    )
    organisation = {"department_id": department, "ministry_id": ministry, "province_code": "10"}
    for n, point in enumerate(points):
        listed = ServicePointUpserted(service_point_id=point, name_th=f"จุด {n}", district_code="1001", **organisation)
        send(TopicName.CATALOGUE, _event(listed, point, f"{tag}-l{n}"))
        if n % 2 == 0:  # half the points pinned, each three times (a point counts once)
            for k in range(3):
                pin = PinPlaced(
                    pin_id=f"{point}-pin{k}",
                    service_point_id=point,
                    lat=13.7 + k / 100,
                    lon=100.5,
                    pinned_by="recovery-test",
                    pinned_at=now,
                    **organisation,
                )
                send(TopicName.PINS, _event(pin, point, f"{tag}-p{n}-{k}"))
        if n % 4 == 0:  # a quarter surveyed: cancelled, or in progress
            answer = ReadinessAnswered(
                answer_id=f"{point}-a",
                service_point_id=point,
                copy_status="cancelled" if n % 8 == 0 else "in_progress",
                mode="on_card",
                mou_with_dopa=False,
                card_readers=1,
                services=[],
                answered_by="recovery-test",
                answered_at=now,
                **organisation,
            )
            send(TopicName.READINESS, _event(answer, point, f"{tag}-s{n}"))
    producer.flush(timeout=30)

    def stream_ratings() -> None:
        for n in range(RATINGS):
            point = points[n % POINTS]
            rating = RatingSubmitted(
                rating_id=f"{tag}-r{n}",
                service_point_id=point,
                score=1 + n % 5,
                verified=n % 3 == 0,
                asked_for_copy=n % 7 == 0,
                submitted_at=now,
            )
            data = {**rating.model_dump(mode="json"), **organisation}
            event = CloudEvent(
                id=f"{tag}-e{n}", source=SOURCE, type=RatingSubmitted.event_type, subject=point, data=data
            )
            for _ in range(2 if n % DUPLICATED_EVERY == 0 else 1):
                send(TopicName.RATINGS, event)
        producer.flush(timeout=60)

    producer_thread = threading.Thread(target=stream_ratings, daemon=True)
    producer_thread.start()

    def department_ratings() -> int:
        response = gateway.get(f"{STATS}/satisfaction/departments/{department}")
        return response.json()["windows"]["all"]["ratings"] if response.status_code == 200 else 0

    _wait(lambda: department_ratings() >= 1_000, 120, lambda: f"{department_ratings()} ratings consumed")
    killed_at = department_ratings()
    targets.kill("stats-worker")
    producer_thread.join(timeout=300)
    producer.close(timeout=10)
    return {
        "tag": tag,
        "ministry": ministry,
        "department": department,
        "points": points,
        "killed_at": killed_at,
        "department_ratings": department_ratings,
    }


def test_killed_mid_stream_the_worker_comes_back_and_counts_exactly(gateway: httpx.Client, scenario: dict):
    assert 0 < scenario["killed_at"] < RATINGS, "the kill must land while ratings are being consumed"
    _wait(lambda: targets.running("stats-worker"), 60, lambda: "stats-worker is not running again")

    count = scenario["department_ratings"]
    _wait(lambda: count() >= RATINGS, CATCH_UP_SECONDS, lambda: f"{count()} of {RATINGS} ratings")
    time.sleep(3)  # a late duplicate write would show after one more refresh
    assert count() == RATINGS

    window = gateway.get(f"{STATS}/satisfaction/departments/{scenario['department']}").json()["windows"]["all"]
    assert window["distribution"] == {str(s): RATINGS // 5 for s in range(1, 6)}
    assert window["verified"] == len(range(0, RATINGS, 3))
    assert window["asked_for_copy"] == len(range(0, RATINGS, 7))

    table = gateway.get(f"{STATS}/ministries/{scenario['ministry']}/departments").json()
    assert table["total"] == {
        "service_points": POINTS,
        "pinned": POINTS // 2,
        "not_pinned": POINTS // 2,
        "copy_cancelled": len(range(0, POINTS, 8)),
        "copy_not_cancelled": POINTS - len(range(0, POINTS, 8)),
        "copy_in_progress": len(range(4, POINTS, 8)),
        "surveyed": len(range(0, POINTS, 4)),
        "not_surveyed": POINTS - len(range(0, POINTS, 4)),
    }


def _documents(client: Elasticsearch, index: str, field: str, value: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    after = None
    while True:
        response = client.search(
            index=index,
            query={"term": {field: value}},
            sort=[{"_doc": "asc"}],
            size=10_000,
            **({"search_after": after} if after else {}),
        )
        hits = response["hits"]["hits"]
        found.update({hit["_id"]: hit["_source"] for hit in hits})
        if len(hits) < 10_000:
            return found
        after = hits[-1]["sort"]


def test_a_rebuild_from_the_topics_gives_identical_documents_and_figures(
    settings: StatsSettings, gateway: httpx.Client, scenario: dict
):
    # The live read model first has everything of this scenario (the test above, or wait here).
    _wait(lambda: scenario["department_ratings"]() >= RATINGS, CATCH_UP_SECONDS, lambda: "live not caught up")
    prefix = f"{settings.elasticsearch_index_prefix}-rebuildtest-{uuid.uuid4().hex[:6]}"
    client = Elasticsearch(settings.elasticsearch_hosts, request_timeout=60)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "stats_service.rebuild", "--index-prefix", prefix],
            capture_output=True,
            text=True,
            timeout=500,
            env={**os.environ, **targets.stack_environment(reads=[TopicName.RATINGS])},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        client.indices.refresh(index=f"{settings.elasticsearch_index_prefix}-*")

        department = scenario["department"]
        for read_model, field, value in (
            ("service-points", "department_id", department),
            ("ratings", "department_id", department),
            ("units", "ministry_id", scenario["ministry"]),
        ):
            live = _documents(client, f"{settings.elasticsearch_index_prefix}-{read_model}", field, value)
            rebuilt = _documents(client, f"{prefix}-{read_model}", field, value)
            assert len(live) > 0
            assert rebuilt == live, f"{read_model}: {len(rebuilt)} rebuilt vs {len(live)} live documents"
    finally:
        # Named one by one: Elasticsearch refuses wildcard deletes.
        client.options(ignore_status=404).indices.delete(index=",".join(StatsIndices(prefix).all()))
        client.close()
