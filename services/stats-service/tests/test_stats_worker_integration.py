"""End to end against the running system: Kafka → the Faust worker → Elasticsearch → GET /overview.

Needs the real Kafka, Elasticsearch, stats worker and stats API (started by `make up`); with any of
them down these tests fail. Addresses come from the usual CITIZENINFO_* settings, and the stats API
from CITIZENINFO_STATS_URL (default http://127.0.0.1:8004). Other tests share the indices, so each
test uses its own random service point ids and compares counts before and after.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from citizeninfo_shared.events.catalogue import ServicePointUpserted
from citizeninfo_shared.events.envelope import CloudEvent, EventData
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.events.readiness import CopyStatus, ReadinessAnswered
from citizeninfo_shared.topics import TopicName
from stats_service.config import StatsSettings

from tests import targets

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]

SOURCE = "urn:citizeninfo:tests:stats-worker-integration"
VISIBLE_WITHIN_SECONDS = 10.0


class StackSettings(StatsSettings):
    stats_url: str = "http://127.0.0.1:8004"


@pytest.fixture(scope="module")
def stack() -> StackSettings:
    return StackSettings(**targets.stack_settings())  # the target's Kafka and Elasticsearch (tests.targets)


@pytest.fixture
def producer(stack: StackSettings) -> Iterator[targets.EventProducer]:
    # In compose each topic is written as a Kafka user allowed to write it.
    producer = targets.EventProducer(stack.kafka_bootstrap_servers, client_id="stats-worker-integration-test")
    yield producer
    producer.close(timeout=5)


def _publish(producer: targets.EventProducer, topic: TopicName, event: CloudEvent, *, times: int = 1) -> None:
    for _ in range(times):
        producer.send(topic.value, key=event.key, value=event.to_json_bytes()).get(timeout=10)


def _event(data: EventData, point_id: str) -> CloudEvent:
    return CloudEvent.wrap(data, source=SOURCE, subject=point_id)


def _listed(point_id: str, name_th: str, ministry_id: str = "M-STATS-IT") -> CloudEvent:
    return _event(
        ServicePointUpserted(
            service_point_id=point_id,
            department_id="D-STATS-IT",
            ministry_id=ministry_id,
            name_th=name_th,
            province_code="10",
        ),
        point_id,
    )


def _pinned(point_id: str, pin_id: str, lat: float) -> CloudEvent:
    return _event(
        PinPlaced(
            pin_id=pin_id,
            service_point_id=point_id,
            department_id="D-STATS-IT",
            lat=lat,
            lon=100.5,
            pinned_by="stats-integration-test",
            pinned_at=datetime.now(UTC),
        ),
        point_id,
    )


def _surveyed(point_id: str, copy_status: CopyStatus) -> CloudEvent:
    return _event(
        ReadinessAnswered(
            answer_id=f"{point_id}-answer",
            service_point_id=point_id,
            copy_status=copy_status,
            mode="on_card",
            mou_with_dopa=False,
            card_readers=1,
            services=[],
            answered_by="stats-integration-test",
            answered_at=datetime.now(UTC),
        ),
        point_id,
    )


def _rated(point_id: str, rating_id: str) -> CloudEvent:
    return _event(
        RatingSubmitted(
            rating_id=rating_id,
            service_point_id=point_id,
            score=4,
            verified=False,
            submitted_at=datetime.now(UTC),
        ),
        point_id,
    )


def _overview(stack: StackSettings) -> dict:
    response = httpx.get(f"{stack.stats_url}/overview", timeout=5)
    response.raise_for_status()
    return response.json()


def _ministry_total(stack: StackSettings, ministry_id: str) -> dict:
    """Counts of this test's own ministry: other tests' events never change them."""
    response = httpx.get(f"{stack.stats_url}/ministries/{ministry_id}/departments", timeout=5)
    return response.json()["total"] if response.status_code == 200 else {}


def _point_ratings(stack: StackSettings, point_id: str) -> int:
    response = httpx.get(f"{stack.stats_url}/satisfaction/service-points/{point_id}", timeout=5)
    response.raise_for_status()
    return response.json()["windows"]["all"]["ratings"]


def _point_document(stack: StackSettings, point_id: str) -> dict | None:
    """Real-time GET by id: sees the latest write without waiting for an index refresh."""
    index = f"{stack.elasticsearch_index_prefix}-service-points"
    response = httpx.get(f"{stack.elasticsearch_url}/{index}/_doc/{point_id}", timeout=5)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()["_source"]


def _metric_sum(stack: StackSettings, name: str, **labels: str) -> float:
    text = httpx.get(f"http://{stack.faust_web_host}:{stack.faust_web_port}/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _wait_until(condition: Callable[[], bool], describe: Callable[[], str]) -> None:
    deadline = time.monotonic() + VISIBLE_WITHIN_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not visible within {VISIBLE_WITHIN_SECONDS} s: {describe()}")
        time.sleep(0.2)


def test_a_replayed_listing_and_pin_count_the_point_once(stack: StackSettings, producer: targets.EventProducer):
    point_id = f"P-IT-{uuid.uuid4().hex[:12]}"
    ministry_id = f"M-IT-{uuid.uuid4().hex[:8]}"

    # Each event is delivered twice with the same event id, as an at-least-once producer may do;
    # then one real change follows on the same key. Kafka keeps a key's events in order, so once
    # that last change is in Elasticsearch, both duplicates were handled before it.
    _publish(producer, TopicName.CATALOGUE, _listed(point_id, "จุดทดสอบ", ministry_id), times=2)
    _publish(producer, TopicName.PINS, _pinned(point_id, f"{point_id}-pin-1", 13.75), times=2)
    _publish(producer, TopicName.CATALOGUE, _listed(point_id, "จุดทดสอบ (แก้ไข)", ministry_id))
    _publish(producer, TopicName.PINS, _pinned(point_id, f"{point_id}-pin-2", 13.76))

    def all_events_handled() -> bool:
        document = _point_document(stack, point_id) or {}
        return document.get("name_th") == "จุดทดสอบ (แก้ไข)" and document.get("pin_id") == f"{point_id}-pin-2"

    def counted_in_the_ministry() -> bool:
        total = _ministry_total(stack, ministry_id)
        return total.get("service_points", 0) >= 1 and total.get("pinned", 0) >= 1

    _wait_until(all_events_handled, lambda: f"document {_point_document(stack, point_id)}")
    _wait_until(counted_in_the_ministry, lambda: f"ministry total {_ministry_total(stack, ministry_id)}")

    document = _point_document(stack, point_id)
    assert document is not None
    assert document["listed"] is True
    assert document["pinned"] is True
    assert document["department_id"] == "D-STATS-IT"
    assert document["location"] == {"lat": 13.76, "lon": 100.5}
    total = _ministry_total(stack, ministry_id)
    assert (total["service_points"], total["pinned"]) == (1, 1)


def test_a_malformed_event_is_counted_and_skipped_and_the_next_one_still_lands(
    stack: StackSettings, producer: targets.EventProducer
):
    point_id = f"P-IT-{uuid.uuid4().hex[:12]}"
    malformed_before = _metric_sum(stack, "citizeninfo_stats_events_malformed_total", topic=TopicName.PINS)

    producer.send(TopicName.PINS.value, key=point_id.encode(), value=b"{not a cloud event").get(timeout=10)
    _publish(producer, TopicName.PINS, _pinned(point_id, f"{point_id}-pin", 14.0))

    _wait_until(
        lambda: (_point_document(stack, point_id) or {}).get("pinned") is True,
        lambda: f"document {_point_document(stack, point_id)}",
    )
    malformed_after = _metric_sum(stack, "citizeninfo_stats_events_malformed_total", topic=TopicName.PINS)
    assert malformed_after - malformed_before >= 1


def test_surveys_and_ratings_are_counted_once_each(stack: StackSettings, producer: targets.EventProducer):
    cancelled_point = f"P-IT-{uuid.uuid4().hex[:12]}"
    in_progress_point = f"P-IT-{uuid.uuid4().hex[:12]}"
    ministry_id = f"M-IT-{uuid.uuid4().hex[:8]}"
    ratings_before = _overview(stack)["ratings"]

    for point_id in (cancelled_point, in_progress_point):
        _publish(producer, TopicName.CATALOGUE, _listed(point_id, "จุดทดสอบ", ministry_id))
    _publish(producer, TopicName.READINESS, _surveyed(cancelled_point, "cancelled"), times=2)
    _publish(producer, TopicName.READINESS, _surveyed(in_progress_point, "in_progress"))
    _publish(producer, TopicName.RATINGS, _rated(cancelled_point, f"{cancelled_point}-r1"), times=2)
    _publish(producer, TopicName.RATINGS, _rated(cancelled_point, f"{cancelled_point}-r2"))

    expected = {"service_points": 2, "surveyed": 2, "copy_cancelled": 1, "copy_in_progress": 1, "ratings": 2}

    def counts() -> dict[str, int]:
        total = _ministry_total(stack, ministry_id)
        found = {name: total.get(name, 0) for name in expected if name != "ratings"}
        return {**found, "ratings": _point_ratings(stack, cancelled_point)}

    _wait_until(lambda: counts() == expected, lambda: f"counts {counts()}, expected {expected}")
    time.sleep(1.5)  # one more index refresh: a late duplicate would show up now
    assert counts() == expected
    assert _overview(stack)["ratings"] >= ratings_before + 2
