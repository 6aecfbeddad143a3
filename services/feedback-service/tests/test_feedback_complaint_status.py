"""Status events from the national complaint system (issue 17): checked like HTTP input, transitions
checked by the status machine, and what cannot be applied parked while the consumer goes on."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.dead_letters import EventRejected
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.idempotency import InMemoryProcessedEvents
from citizeninfo_shared.privacy import PHONE_PLACEHOLDER
from feedback_service.adapters.complaint_status_consumer import ComplaintStatusApplier, complaint_status_follower
from feedback_service.domain.complaint import StatusEntry, history_after
from feedback_service.domain.complaint_status import IllegalTransition, check_place, may_follow
from httpx import AsyncClient

from .test_feedback_complaints_api import COMPLAINT

FILED = datetime.now(UTC)


@dataclass
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class FakeDeadLetters:
    def __init__(self) -> None:
        self.parked: list = []

    async def park(self, records) -> None:
        self.parked.extend(records)

    async def close(self) -> None:
        return None


def status_event(complaint_id: str, status: str, *, minutes: int = 1, event_id: str | None = None, **overrides):
    data = {"complaint_id": complaint_id, "status": status, "changed_at": (FILED + timedelta(minutes=minutes))}
    data = {**ComplaintStatusChanged(**data).model_dump(mode="json"), **overrides.pop("data", {})}
    fields = {"source": "/national-complaint-system", "type": ComplaintStatusChanged.event_type, "subject": "P000001"}
    if event_id:
        fields["id"] = event_id
    return CloudEvent(**{**fields, **overrides}, data=data)


def record(offset: int, event: CloudEvent) -> FakeRecord:
    return FakeRecord("citizeninfo.complaint-status.v1", 0, offset, b"P000001", event.to_json_bytes())


async def filed(client: AsyncClient) -> dict:
    return (await client.post("/complaints", json=COMPLAINT)).json()


async def test_an_event_with_a_naive_time_is_parked_and_the_next_one_applied(client: AsyncClient, complaint_store):
    complaint = await filed(client)
    naive = status_event(
        complaint["complaint_id"],
        "forwarded",
        time=datetime(2025, 1, 1, 10, 0),
        data={"changed_at": "2025-01-01T10:00:00"},
    )
    good = status_event(complaint["complaint_id"], "in_progress", minutes=2)
    dead_letters = FakeDeadLetters()
    follower = complaint_status_follower(
        complaint_store, InMemoryProcessedEvents(), "kafka:9092", group_id="g", dead_letters=dead_letters
    )
    await follower.process([record(1, naive), record(2, good)])
    await follower.process([record(1, naive)])  # delivered again: parked again, never a crash
    assert [(p.offset, p.reason) for p in dead_letters.parked] == [(1, "invalid"), (1, "invalid")]
    page = (await client.get(f"/complaints/{complaint['tracking_code']}")).json()
    assert [h["status"] for h in page["history"]] == ["received", "in_progress"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"data": {"changed_at": "2025-01-01T10:00:00"}},  # no time zone in the change
        {"time": datetime(2025, 1, 1, 10, 0)},
        {"data": {"note": "x" * 2001}},  # over the note's limit
        {"data": {"note": "ok\x1b[31m"}},  # control characters
        {"data": {"status": "escalated"}},  # not a status of ours
        {"data": {"complaint_id": "c" * 41}},
        {"subject": "P" * 101},
    ],
)
async def test_invalid_status_events_are_rejected(client: AsyncClient, complaint_store, overrides):
    complaint = await filed(client)
    applier = ComplaintStatusApplier(complaint_store)
    with pytest.raises(EventRejected) as rejected:
        await applier(status_event(complaint["complaint_id"], "forwarded", **overrides))
    assert rejected.value.reason == "invalid"
    page = (await client.get(f"/complaints/{complaint['tracking_code']}")).json()
    assert [h["status"] for h in page["history"]] == ["received"]


async def test_a_long_but_valid_note_is_redacted_and_kept(client: AsyncClient, complaint_store):
    complaint = await filed(client)
    note = "ติดต่อกลับที่ ๐๘๑-๒๓๔-๕๖๗๘ " + "ก" * 1000
    await ComplaintStatusApplier(complaint_store)(
        status_event(complaint["complaint_id"], "in_progress", data={"note": note})
    )
    page = (await client.get(f"/complaints/{complaint['tracking_code']}")).json()
    assert page["history"][-1]["note"].startswith(f"ติดต่อกลับที่ {PHONE_PLACEHOLDER} ")


async def test_illegal_transitions_are_rejected(client: AsyncClient, complaint_store):
    complaint = await filed(client)
    applier = ComplaintStatusApplier(complaint_store)
    await applier(status_event(complaint["complaint_id"], "closed", minutes=5, event_id="e-closed"))
    for status, minutes in (("in_progress", 6), ("received", 7), ("forwarded", -10)):
        with pytest.raises(EventRejected) as rejected:
            await applier(status_event(complaint["complaint_id"], status, minutes=minutes))
        assert rejected.value.reason == "illegal_transition", status
    page = (await client.get(f"/complaints/{complaint['tracking_code']}")).json()
    assert [h["status"] for h in page["history"]] == ["received", "closed"]


async def test_an_event_for_no_complaint_of_ours_is_rejected(complaint_store):
    with pytest.raises(EventRejected) as rejected:
        await ComplaintStatusApplier(complaint_store)(status_event("cmp_0000000000", "forwarded"))
    assert rejected.value.reason == "unknown_complaint"


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (None, "received", True),
        (None, "forwarded", False),
        ("received", "forwarded", True),
        ("received", "resolved", True),  # steps may be skipped
        ("forwarded", "in_progress", True),
        ("in_progress", "forwarded", True),  # passed on again
        ("in_progress", "in_progress", True),  # a progress note
        ("resolved", "in_progress", True),  # reopened
        ("resolved", "closed", True),
        ("rejected", "closed", True),
        ("rejected", "in_progress", False),
        ("closed", "in_progress", False),
        ("closed", "closed", False),
        ("forwarded", "received", False),
        ("received", "received", False),
        ("received", "escalated", False),
    ],
)
def test_the_status_machine(before, after, allowed):
    assert may_follow(before, after) is allowed


def test_a_change_arriving_late_is_checked_against_both_neighbours():
    check_place(["received", "forwarded", "resolved"], 1)  # forwarded between received and resolved
    with pytest.raises(IllegalTransition):
        check_place(["received", "forwarded", "closed", "in_progress"], 3)
    with pytest.raises(IllegalTransition):
        check_place(["received", "rejected", "in_progress"], 1)  # rejected may not be followed by in_progress


def test_history_after_refuses_a_time_without_a_zone():
    received = [StatusEntry(status="received", changed_at=FILED)]

    @dataclass
    class Change:
        status: str
        note: str | None
        changed_at: datetime

    with pytest.raises(ValueError, match="time zone"):
        history_after(received, Change("forwarded", None, datetime(2025, 1, 1)), "e1")
