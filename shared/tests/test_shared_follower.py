"""The shared follower parks what it cannot process and keeps consuming (issue 17)."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from citizeninfo_shared.dead_letters import EVENTS_DEAD_LETTERED, EventRejected, ParkedRecord
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.follower import TopicFollower
from citizeninfo_shared.topics import TOPICS, TopicName, topic
from pymongo.errors import ServerSelectionTimeoutError


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class FakeDeadLetters:
    def __init__(self) -> None:
        self.parked: list[ParkedRecord] = []

    async def park(self, records) -> None:
        self.parked.extend(records)

    async def close(self) -> None:
        return None


def record(offset: int, data: dict) -> FakeRecord:
    event = CloudEvent(source="test", type="t", subject="P000001", data=data, id=f"e{offset}")
    return FakeRecord("citizeninfo.test.v1", 0, offset, b"P000001", event.to_json_bytes())


def follower(apply, dead_letters: FakeDeadLetters) -> TopicFollower:
    return TopicFollower(
        "kafka:9092", ["citizeninfo.test.v1"], group_id="g", client_id="c", apply=apply, dead_letters=dead_letters
    )


def dead_lettered(reason: str) -> float:
    return EVENTS_DEAD_LETTERED.labels("g", reason)._value.get()


async def test_a_poison_event_is_parked_and_the_rest_of_the_batch_applied() -> None:
    applied: list[str] = []

    async def apply(events) -> None:
        for event in events:
            if event.data.get("bad"):
                raise TypeError("can't compare offset-naive and offset-aware datetimes")
            if event.id not in applied:
                applied.append(event.id)

    parked = FakeDeadLetters()
    before = dead_lettered("TypeError")
    poison_record = record(2, {"bad": True})
    await follower(apply, parked).process([record(1, {}), poison_record, record(3, {})])
    assert applied == ["e1", "e3"]
    [poison] = parked.parked
    assert (poison.offset, poison.reason, poison.consumer) == (2, "TypeError", "g")
    assert poison.value == poison_record.value and poison.key == b"P000001"  # replayable as is
    assert dead_lettered("TypeError") == before + 1


async def test_a_handlers_rejection_is_parked_with_its_reason() -> None:
    async def apply(events) -> None:
        for _event in events:
            raise EventRejected("illegal_transition", "closed → in_progress")

    parked = FakeDeadLetters()
    await follower(apply, parked).process([record(7, {})])
    assert [(p.reason, p.detail) for p in parked.parked] == [
        ("illegal_transition", "illegal_transition: closed → in_progress")
    ]
    headers = dict(parked.parked[0].headers(datetime(2025, 1, 1, tzinfo=UTC)))
    assert headers["dlq.topic"] == b"citizeninfo.test.v1" and headers["dlq.offset"] == b"7"


async def test_an_unreadable_record_is_parked_not_just_logged() -> None:
    seen: list = []

    async def apply(events) -> None:
        seen.extend(events)

    parked = FakeDeadLetters()
    garbage = FakeRecord("citizeninfo.test.v1", 1, 9, None, b"\xff not json")
    await follower(apply, parked).process([garbage, record(10, {})])
    assert [p.reason for p in parked.parked] == ["unreadable"]
    assert [e.id for e in seen] == ["e10"]


async def test_a_database_outage_fails_the_batch_for_a_retry_and_parks_nothing() -> None:
    async def apply(events) -> None:
        raise ServerSelectionTimeoutError("mongodb unreachable")

    parked = FakeDeadLetters()
    with pytest.raises(ServerSelectionTimeoutError):
        await follower(apply, parked).process([record(1, {}), record(2, {})])
    assert parked.parked == []


async def test_validation_details_never_quote_the_input() -> None:
    from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged

    async def apply(events) -> None:
        for event in events:
            event.data_as(ComplaintStatusChanged)

    parked = FakeDeadLetters()
    bad = CloudEvent(
        source="t",
        type=ComplaintStatusChanged.event_type,
        subject="P1",
        id="x",
        data={"complaint_id": "c", "status": "nonsense 0812345678", "changed_at": "2025-01-01T00:00:00Z"},
    )
    await follower(apply, parked).process([FakeRecord("t", 0, 1, None, bad.to_json_bytes())])
    [poison] = parked.parked
    assert poison.reason == "invalid" and "0812345678" not in poison.detail


def test_the_dead_letter_topic_is_registered_with_a_30_day_retention() -> None:
    dead_letters = topic(TopicName.DEAD_LETTERS)
    assert dead_letters.name == "citizeninfo.dead-letters.v1"
    assert dead_letters.config() == {"cleanup.policy": "delete", "retention.ms": str(30 * 24 * 3600 * 1000)}
    assert TopicName.DEAD_LETTERS in TOPICS
