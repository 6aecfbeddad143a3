"""The Faust agents, run with `agent.test_context()` and a recording writer in place of Elasticsearch."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from citizeninfo_shared.events.catalogue import ServicePointUpserted
from citizeninfo_shared.events.envelope import CloudEvent, EventData
from citizeninfo_shared.events.pins import PinPlaced
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.events.readiness import ReadinessAnswered
from stats_service.domain.projections import ReadModel
from stats_service.worker.agents import catalogue_events, pin_events, rating_events, readiness_events
from stats_service.worker.app import sink
from stats_service.worker.projector import Outcome

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def writer(recording_writer) -> Iterator:
    sink.use(recording_writer)
    yield recording_writer
    sink.use(None)


def raw(data: EventData, point_id: str, event_id: str | None = None) -> bytes:
    event = CloudEvent.wrap(data, source="urn:test", subject=point_id)
    return event.model_copy(update={"id": event_id or str(uuid.uuid4())}).to_json_bytes()


def listed(point_id: str, event_id: str | None = None) -> bytes:
    data = ServicePointUpserted(
        service_point_id=point_id, department_id="D0702", ministry_id="M07", name_th="จุด", province_code="10"
    )
    return raw(data, point_id, event_id)


def pinned(point_id: str, pin_id: str = "PIN-1", event_id: str | None = None) -> bytes:
    data = PinPlaced(
        pin_id=pin_id,
        service_point_id=point_id,
        department_id="D0702",
        lat=13.75,
        lon=100.5,
        pinned_by="staff",
        pinned_at=NOW,
    )
    return raw(data, point_id, event_id)


def surveyed(point_id: str) -> bytes:
    data = ReadinessAnswered(
        answer_id="A-1",
        service_point_id=point_id,
        copy_status="cancelled",
        mode="online_and_on_card",
        mou_with_dopa=True,
        card_readers=2,
        services=[],
        answered_by="staff",
        answered_at=NOW,
    )
    return raw(data, point_id)


def rated(rating_id: str, point_id: str) -> bytes:
    data = RatingSubmitted(rating_id=rating_id, service_point_id=point_id, score=5, verified=False, submitted_at=NOW)
    return raw(data, point_id)


async def put_all(agent, *messages: bytes | None) -> list[Outcome]:
    outcomes = []
    async with agent.test_context() as context:
        for message in messages:
            event = await context.put(message, key=b"key")
            # One put is one batch of one message: the agent yields that batch's outcomes.
            outcomes += context.results[event.message.offset]
    return outcomes


async def test_a_listing_and_a_pin_delivered_twice_count_the_point_once(writer):
    assert await put_all(catalogue_events, listed("P1", "e-1"), listed("P1", "e-1")) == [Outcome.APPLIED] * 2
    assert (
        await put_all(pin_events, pinned("P1", event_id="e-2"), pinned("P1", event_id="e-2")) == [Outcome.APPLIED] * 2
    )

    assert writer.count(ReadModel.SERVICE_POINTS) == 1
    assert writer.count(ReadModel.SERVICE_POINTS, listed=True, pinned=True) == 1


async def test_events_of_different_topics_merge_in_any_order(writer):
    await put_all(readiness_events, surveyed("P2"))
    await put_all(pin_events, pinned("P2"))
    await put_all(catalogue_events, listed("P2"))

    document = writer.documents[(ReadModel.SERVICE_POINTS, "P2")]
    assert document["listed"] and document["pinned"] and document["surveyed"]
    assert document["copy_status"] == "cancelled"
    assert document["department_id"] == "D0702"
    assert document["location"] == {"lat": 13.75, "lon": 100.5}


async def test_a_repin_moves_the_point_and_it_still_counts_once(writer):
    await put_all(pin_events, pinned("P3", "PIN-A"), pinned("P3", "PIN-B"))

    assert writer.count(ReadModel.SERVICE_POINTS, pinned=True) == 1
    assert writer.documents[(ReadModel.SERVICE_POINTS, "P3")]["pin_id"] == "PIN-B"


async def test_each_rating_is_its_own_document(writer):
    outcomes = await put_all(rating_events, rated("R1", "P4"), rated("R2", "P4"), rated("R1", "P4"))

    assert outcomes == [Outcome.APPLIED] * 3
    assert writer.count(ReadModel.RATINGS) == 2
    assert writer.count(ReadModel.RATINGS, service_point_id="P4", score=5) == 2


async def test_a_malformed_message_is_skipped_and_the_agent_keeps_going(writer):
    outcomes = await put_all(catalogue_events, b"\x00garbage", None, listed("P5"))

    assert outcomes == [Outcome.MALFORMED, Outcome.MALFORMED, Outcome.APPLIED]
    assert writer.count(ReadModel.SERVICE_POINTS, listed=True) == 1
