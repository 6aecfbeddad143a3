"""Issue 22: complaint target times (business days), overdue complaints first in the staff inbox, and
reopening an answered complaint by its tracking code (14 days, at most 3 times). The clock is injected
in the domain tests; the API tests build complaints whose times lie where the test needs them."""

from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.auth import Principal, Role
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.complaints import ComplaintFiled, ComplaintStatusUpdated
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, bearer
from feedback_service.adapters.complaint_status_consumer import ComplaintStatusApplier
from feedback_service.adapters.complaint_store import StoredComplaint
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import StatusEntry, clock_started_at
from feedback_service.domain.complaint_deadlines import (
    DEFAULT_TARGET_BUSINESS_DAYS,
    add_business_days,
    deadline,
    due_at,
    target_days,
)
from feedback_service.domain.complaint_reopening import ReopenPolicy, ReopenRefused, check_reopen, reopenability
from feedback_service.domain.complaint_status import IllegalTransition, check_place, may_follow
from httpx import AsyncClient

from .test_feedback_department_inbox import FakeInbox

BKK = timedelta(hours=7)
# Friday 10:00 in Bangkok.
FRIDAY = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
URL = f"/departments/{STAFF_DEPARTMENT_ID}/inbox"


@pytest.fixture
def settings() -> FeedbackSettings:
    # Waiting-time complaints are due at once here: overdue as soon as filed, without waiting.
    return FeedbackSettings(
        environment="test", complaint_target_business_days={"waiting_time": 0}, complaints_per_client_per_window=20
    )


# --- due times (pure) -----------------------------------------------------------------------------


def test_business_days_skip_weekends_in_bangkok():
    assert add_business_days(FRIDAY, 1) == FRIDAY + timedelta(days=3)  # Monday
    assert add_business_days(FRIDAY, 5) == FRIDAY + timedelta(days=7)  # next Friday
    assert add_business_days(FRIDAY, 0) == FRIDAY
    saturday = FRIDAY + timedelta(days=1)
    assert add_business_days(saturday, 0) == FRIDAY + timedelta(days=3)  # the clock starts on Monday
    assert add_business_days(saturday, 1) == FRIDAY + timedelta(days=4)
    # Friday 23:30 in Bangkok is Friday there, though still Friday 16:30 UTC: one day on is Monday.
    late_friday = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    assert add_business_days(late_friday, 1) == late_friday + timedelta(days=3)
    with pytest.raises(ValueError):
        add_business_days(datetime(2026, 11, 27, 10, 0), 1)
    with pytest.raises(ValueError):
        add_business_days(FRIDAY, -1)


def test_every_category_has_a_target_and_settings_override_it():
    assert set(DEFAULT_TARGET_BUSINESS_DAYS) == {
        "asked_for_copy",
        "waiting_time",
        "staff_conduct",
        "wrong_information",
        "fees",
        "corruption",
        "facilities",
        "other",
    }
    assert target_days("asked_for_copy") == 5 and target_days("corruption") == 30
    assert target_days("unknown_category") == target_days("other")
    assert target_days("fees", {"fees": 2}) == 2 and target_days("corruption", {"fees": 2}) == 30
    assert due_at("asked_for_copy", FRIDAY) == FRIDAY + timedelta(days=7)


def test_overdue_only_while_open_and_how_late():
    due = FRIDAY
    assert deadline("received", due, due).overdue is False  # due, not yet late
    late = deadline("in_progress", due, due + timedelta(hours=30))
    assert late.overdue and late.late_by_hours == 30 and late.due_at == due
    assert deadline("reopened", due, due + timedelta(seconds=1)).overdue
    answered = deadline("resolved", due, due + timedelta(days=9))
    assert answered.overdue is False and answered.due_at is None
    assert deadline("closed", due, due + timedelta(days=9)).overdue is False


def test_the_clock_starts_again_when_an_answer_is_reopened():
    filed = FRIDAY
    history = [
        StatusEntry(status="received", changed_at=filed),
        StatusEntry(status="resolved", changed_at=filed + timedelta(days=2)),
        StatusEntry(status="reopened", changed_at=filed + timedelta(days=4)),
    ]
    assert clock_started_at(history[:2], filed) == filed
    assert clock_started_at(history, filed) == filed + timedelta(days=4)
    # The complaint system reopening it (resolved → in_progress) restarts it too.
    theirs = [*history[:2], StatusEntry(status="in_progress", changed_at=filed + timedelta(days=5))]
    assert clock_started_at(theirs, filed) == filed + timedelta(days=5)


# --- the status machine and the reopening rules (pure) --------------------------------------------


def test_answered_complaints_may_be_reopened_and_worked_on_again():
    assert may_follow("resolved", "reopened") and may_follow("rejected", "reopened")
    assert may_follow("reopened", "in_progress") and may_follow("reopened", "resolved")
    assert not may_follow("reopened", "reopened")
    assert not may_follow("closed", "reopened")
    assert not may_follow("received", "reopened")
    with pytest.raises(IllegalTransition):
        check_place(["received", "in_progress", "reopened"], 2)
    check_place(["received", "resolved", "reopened", "resolved", "reopened"], 4)


POLICY = ReopenPolicy()


def test_reopening_within_fourteen_days_of_the_answer():
    answered = FRIDAY
    statuses = ["received", "resolved"]
    check_reopen(statuses, answered, answered + timedelta(days=14), POLICY)  # the last moment still counts
    with pytest.raises(ReopenRefused) as refused:
        check_reopen(statuses, answered, answered + timedelta(days=14, seconds=1), POLICY)
    assert refused.value.code == "window_passed" and "14" in refused.value.reason
    assert "พ้นกำหนด" in refused.value.reason
    with pytest.raises(ReopenRefused) as not_answered:
        check_reopen(["received", "in_progress"], None, answered, POLICY)
    assert not_answered.value.code == "not_answered"
    state = reopenability(statuses, answered, answered + timedelta(days=1), POLICY)
    assert state.allowed and state.until == answered + timedelta(days=14) and state.reopens_left == 3


def test_a_complaint_is_reopened_at_most_three_times():
    three = ["received", "resolved", "reopened", "resolved", "reopened", "rejected", "reopened", "resolved"]
    with pytest.raises(ReopenRefused) as refused:
        check_reopen(three, FRIDAY, FRIDAY, POLICY)
    assert refused.value.code == "too_many_reopens"
    check_reopen([*three[:-2], "resolved"], FRIDAY, FRIDAY, POLICY)  # two so far: a third is allowed
    assert reopenability(three, FRIDAY, FRIDAY, POLICY).reopens_left == 0
    check_reopen(three, FRIDAY, FRIDAY, ReopenPolicy(max_reopens=4))


# --- the API ----------------------------------------------------------------------------------------

COMPLAINT = {
    "service_point_id": "P000001",
    "category": "asked_for_copy",
    "description": "ยังเรียกสำเนาทะเบียนบ้าน",
    "consent_to_contact": False,
}


async def answer(complaint_store, complaint_id: str, status: str = "resolved", *, at: datetime | None = None):
    change = ComplaintStatusChanged(
        complaint_id=complaint_id, status=status, note="แก้ไขแล้ว", changed_at=at or datetime.now(UTC)
    )
    await ComplaintStatusApplier(complaint_store)(CloudEvent.wrap(change, source="test", subject="P000001"))


def stored(code: str, category: str, *, filed: datetime, history: list[tuple[str, datetime]]) -> StoredComplaint:
    return StoredComplaint(
        complaint=ComplaintFiled(
            complaint_id=f"cmp_{code}",
            tracking_code=f"{code[:4]}-{code[4:8]}-{code[8:]}",
            service_point_id="P000001",
            category=category,
            description="รอนาน",
            filed_at=filed,
            department_id=STAFF_DEPARTMENT_ID,
            due_at=due_at(category, filed, {"waiting_time": 0}),  # as the settings above
        ),
        status=history[-1][0],
        history=[StatusEntry(status=s, changed_at=t) for s, t in history],
        public_id=f"req_{code.lower()}",
    )


def status_updates(complaint_store) -> list[ComplaintStatusUpdated]:
    events = [CloudEvent.from_json_bytes(e.value) for e in complaint_store.events]
    return [e.data_as(ComplaintStatusUpdated) for e in events if e.type == ComplaintStatusUpdated.event_type]


async def test_a_filed_complaint_is_due_after_its_categorys_target(client: AsyncClient, complaint_store):
    before = datetime.now(UTC)
    accepted = (await client.post("/complaints", json=COMPLAINT)).json()
    page = (await client.get(f"/complaints/{accepted['tracking_code']}")).json()
    due = datetime.fromisoformat(page["due_at"])
    assert add_business_days(before, 5) <= due <= add_business_days(datetime.now(UTC), 5)
    assert page["overdue"] is False
    assert page["reopen"] == {"allowed": False, "until": None, "reopens_left": 3}
    filed = CloudEvent.from_json_bytes(complaint_store.events[0].value).data_as(ComplaintFiled)
    assert filed.due_at == due  # the complaint system and the statistics get it too


async def test_the_citizen_reopens_an_answered_complaint_with_its_code(client: AsyncClient, complaint_store, relay):
    accepted = (await client.post("/complaints", json=COMPLAINT)).json()
    await answer(complaint_store, accepted["complaint_id"])
    [answered] = status_updates(complaint_store)
    assert (answered.status, answered.open, answered.due_at, answered.sequence) == ("resolved", False, None, 2)
    page = (await client.get(f"/complaints/{accepted['tracking_code']}")).json()
    assert page["reopen"]["allowed"] is True and page["due_at"] is None

    code = accepted["tracking_code"].replace("-", "").lower()  # read in any case, without dashes
    reason = {"reason": "ยังถูกเรียกสำเนาอยู่ โทร 081-234-5678"}
    before = datetime.now(UTC)
    response = await client.post(f"/complaints/{code}:reopen", json=reason)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "reopened" and [h["status"] for h in body["history"]][-1] == "reopened"
    assert "081-234-5678" not in response.text and "081" not in body["history"][-1]["note"]
    # The whole target again, counted from the reopening.
    assert datetime.fromisoformat(body["due_at"]) >= add_business_days(before, 5)
    assert body["reopen"] == {"allowed": False, "until": None, "reopens_left": 2}
    reopened = status_updates(complaint_store)[-1]
    assert (reopened.status, reopened.open, reopened.reopen_count, reopened.sequence) == ("reopened", True, 1, 3)
    assert reopened.reason == body["history"][-1]["note"] and reopened.category == "asked_for_copy"
    assert reopened.due_at == datetime.fromisoformat(body["due_at"])
    assert relay.notified[-1] == ("complaints", accepted["tracking_code"].replace("-", ""))

    again = await client.post(f"/complaints/{code}:reopen", json=reason)  # not answered again yet
    assert again.status_code == 409 and again.headers["content-type"].startswith(PROBLEM_JSON)
    assert again.json()["reason"] == "not_answered"


async def test_reopening_is_refused_after_fourteen_days_and_after_three_times(client: AsyncClient, complaint_store):
    now = datetime.now(UTC)
    complaint_store.complaints["CAFE000001"] = stored(
        "CAFE000001",
        "fees",
        filed=now - timedelta(days=30),
        history=[("received", now - timedelta(days=30)), ("resolved", now - timedelta(days=15))],
    )
    late = await client.post("/complaints/CAFE-0000-01:reopen", json={"reason": "ไม่พอใจคำตอบ"})
    assert late.status_code == 409 and late.headers["content-type"].startswith(PROBLEM_JSON)
    problem = late.json()
    assert problem["reason"] == "window_passed" and "14" in problem["detail"] and "พ้นกำหนด" in problem["detail"]
    page = (await client.get("/complaints/CAFE000001")).json()
    assert page["status"] == "resolved" and page["reopen"]["allowed"] is False

    accepted = (await client.post("/complaints", json=COMPLAINT)).json()
    for _ in range(3):
        await answer(complaint_store, accepted["complaint_id"])
        response = await client.post(f"/complaints/{accepted['tracking_code']}:reopen", json={"reason": "อีกครั้ง"})
        assert response.status_code == 200, response.text
    await answer(complaint_store, accepted["complaint_id"], "rejected")
    fourth = await client.post(f"/complaints/{accepted['tracking_code']}:reopen", json={"reason": "อีกครั้ง"})
    assert fourth.status_code == 409 and fourth.json()["reason"] == "too_many_reopens"


async def test_bad_reopen_requests(client: AsyncClient, complaint_store):
    accepted = (await client.post("/complaints", json=COMPLAINT)).json()
    url = f"/complaints/{accepted['tracking_code']}:reopen"
    for body in ({}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": "a\x00b"}, {"reason": "ok", "extra": 1}):
        response = await client.post(url, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
    missing = await client.post("/complaints/ZZZZ-ZZZZ-ZZ:reopen", json={"reason": "ok"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM_JSON)


@pytest.fixture
def deadline_inbox(client: AsyncClient, store, complaint_store) -> AsyncClient:
    now = datetime.now(UTC)
    complaint_store.complaints = {
        # Overdue by about three and one days (waiting time is due at once in these settings).
        "WAT0000003": stored(
            "WAT0000003",
            "asked_for_copy",
            filed=now - timedelta(days=12),
            history=[("received", now - timedelta(days=12))],
        ),
        "WAT0000001": stored(
            "WAT0000001", "waiting_time", filed=now - timedelta(days=1), history=[("received", now - timedelta(days=1))]
        ),
        # Not overdue: new, or answered.
        "NEWC000001": stored(
            "NEWC000001", "facilities", filed=now - timedelta(hours=1), history=[("received", now - timedelta(hours=1))]
        ),
        "DNE0000001": stored(
            "DNE0000001",
            "asked_for_copy",
            filed=now - timedelta(days=40),
            history=[("received", now - timedelta(days=40)), ("resolved", now - timedelta(days=39))],
        ),
    }
    client._transport.app.state.department_inbox = FakeInbox(store, complaint_store)
    return client


async def test_overdue_complaints_come_first_flagged_with_how_late(deadline_inbox: AsyncClient, token_codec):
    staff = bearer(token_codec, Principal(username="somsri", role=Role.AGENCY_STAFF, department_id=STAFF_DEPARTMENT_ID))
    body = (await deadline_inbox.get(URL, headers=staff)).json()
    assert body["overdue"] == 2 and body["complaints"] == 4
    items = [i["complaint"] for i in body["items"]]
    assert [c["public_id"] for c in items][:2] == ["req_wat0000003", "req_wat0000001"]  # most late first
    assert [c["overdue"] for c in items] == [True, True, False, False]
    assert items[0]["late_by_days"] >= 2 and items[0]["late_by_hours"] >= 48
    assert items[3]["due_at"] is None  # answered: nothing is due

    only_late = (await deadline_inbox.get(URL, params={"overdue": "true"}, headers=staff)).json()
    assert [i["complaint"]["public_id"] for i in only_late["items"]] == ["req_wat0000003", "req_wat0000001"]
    assert only_late["total"] == 2
    not_late = (await deadline_inbox.get(URL, params={"overdue": "false"}, headers=staff)).json()
    assert {i["complaint"]["public_id"] for i in not_late["items"]} == {"req_newc000001", "req_dne0000001"}
    second_page = (await deadline_inbox.get(URL, params={"limit": 1, "offset": 2}, headers=staff)).json()
    assert [i["complaint"]["public_id"] for i in second_page["items"]] == ["req_newc000001"]

    refused = await deadline_inbox.get(URL, params={"overdue": "true", "kind": "rating"}, headers=staff)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(PROBLEM_JSON)
    bad = await deadline_inbox.get(URL, params={"overdue": "maybe"}, headers=staff)
    assert bad.status_code == 422


async def test_the_complaint_system_reopening_an_answer_restarts_the_clock(client: AsyncClient, complaint_store):
    accepted = (await client.post("/complaints", json=COMPLAINT)).json()
    code = accepted["tracking_code"].replace("-", "")
    filed_due = complaint_store.complaints[code].complaint.due_at
    await answer(complaint_store, accepted["complaint_id"], at=datetime.now(UTC) + timedelta(days=1))
    later = datetime.now(UTC) + timedelta(days=3)
    await answer(complaint_store, accepted["complaint_id"], "in_progress", at=later)
    stored_now = complaint_store.complaints[code]
    assert stored_now.status == "in_progress"
    assert stored_now.complaint.due_at == add_business_days(later, 5) != filed_due
    snapshot = status_updates(complaint_store)[-1]
    assert (snapshot.status, snapshot.open, snapshot.due_at, snapshot.reopen_count) == (
        "in_progress",
        True,
        add_business_days(later, 5),
        0,
    )
