"""Issue 22 through the gateway: a complaint is filed with a due time, answered by the complaint system
over Kafka, reopened by the citizen with the tracking code, and listed by the overdue filter.

What this can prove without waiting days: the due time stamped at filing (the category's target in
business days) and after a reopening (the whole target again, from the reopening); `overdue=false` for a
complaint not yet due; the reopen rules the running service enforces (not answered → 409; answered → 200;
the status snapshots on citizeninfo.complaints.v1; stats-service counting the complaint open). "Overdue"
and "more than 14 days after the answer" need time to pass: here the test moves the stored times back
directly in feedback-service's database (test setup through the MongoDB wire, no backdoor in the
service) and checks what the service then answers. Overdue counted by stats-service comes from the
status snapshots' `due_at`, which such a database edit does not publish: its unit tests cover it.
"""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from citizeninfo_devstack.programs import GATEWAY_PORT
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.complaints import ComplaintStatusUpdated
from citizeninfo_shared.kafka import create_producer
from citizeninfo_shared.privacy import PHONE_PLACEHOLDER
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.topics import TopicName
from feedback_service.domain.complaint_deadlines import add_business_days

from tests import targets
from tests.integration.support import wait_until

pytestmark = pytest.mark.integration
NDJSON = {"Content-Type": "application/x-ndjson"}
COMPLAINTS = "/api/feedback/v1/complaints"


@pytest.fixture(scope="module")
def unit(gateway: httpx.Client, admin_headers: dict[str, str]) -> dict[str, str]:
    run = uuid.uuid4().hex[:6].upper()
    ids = {"ministry": f"MDL{run}", "department": f"DDL{run}", "point": f"PDL{run}01"}
    records = [
        {"kind": "ministry", "id": ids["ministry"], "name_th": "กระทรวงทดสอบกำหนดเวลา"},
        {"kind": "department", "id": ids["department"], "ministry_id": ids["ministry"], "name_th": "กรมทดสอบกำหนดเวลา"},
        {
            "kind": "service_point",
            "id": ids["point"],
            "department_id": ids["department"],
            "name_th": "สำนักงานทดสอบกำหนดเวลา",
            "province_code": "50",
            "district_code": "5001",
        },
    ]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    response = gateway.post("/api/pin/v1/catalogue:import", content=body, headers={**admin_headers, **NDJSON})
    assert response.status_code == 200, response.text

    def known() -> bool:  # an invalid visit token is checked after the point, before any write
        probe = {"service_point_id": ids["point"], "score": 3, "visit_token": "x"}
        return gateway.post("/api/feedback/v1/ratings", json=probe).status_code == 422

    wait_until(known, timeout=30)
    return ids


@pytest.fixture
def citizen():
    address = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=f"http://127.0.0.1:{GATEWAY_PORT}", transport=transport, timeout=30) as client:
        yield client


@pytest.fixture
def feedback_db(infrastructure):
    from pymongo import MongoClient

    client = MongoClient(infrastructure.mongodb_url, tz_aware=True)
    yield client["citizeninfo_feedback"]
    client.close()


@pytest.fixture
def complaint_system(infrastructure):
    producer = create_producer(
        infrastructure.kafka_bootstrap,
        client_id="reference-complaint-system",
        security=targets.kafka_security(writes=[TopicName.COMPLAINT_STATUS]),
    )

    def send(complaint_id: str, point: str, status: str, note: str) -> None:
        change = ComplaintStatusChanged(
            complaint_id=complaint_id, status=status, note=note, changed_at=datetime.now(UTC)
        )
        event = CloudEvent.wrap(change, source="/reference-complaint-system", subject=point)
        producer.send(TopicName.COMPLAINT_STATUS, key=event.key, value=event.to_json_bytes())
        producer.flush(timeout=10)

    yield send
    producer.close(timeout=5)


def test_file_answer_reopen_and_the_overdue_filter(
    unit, citizen, gateway, admin_headers, complaint_system, feedback_db, topic_tail, infrastructure
):
    snapshots = topic_tail(TopicName.COMPLAINTS)
    before = datetime.now(UTC)
    filed = citizen.post(
        COMPLAINTS,
        json={
            "service_point_id": unit["point"],
            "category": "asked_for_copy",
            "description": "ยังถูกเรียกสำเนาทะเบียนบ้าน",
            "consent_to_contact": False,
        },
    )
    assert filed.status_code == 202, filed.text
    code, complaint_id = filed.json()["tracking_code"], filed.json()["complaint_id"]
    page = citizen.get(f"{COMPLAINTS}/{code}").json()
    due = datetime.fromisoformat(page["due_at"])
    assert add_business_days(before, 5) <= due <= add_business_days(datetime.now(UTC), 5)  # 5 business days
    assert page["overdue"] is False and page["reopen"]["allowed"] is False

    inbox = f"/api/feedback/v1/departments/{unit['department']}/inbox"
    not_late = gateway.get(inbox, params={"overdue": "false"}, headers=admin_headers).json()
    assert [i["complaint"]["overdue"] for i in not_late["items"]] == [False]
    assert gateway.get(inbox, params={"overdue": "true"}, headers=admin_headers).json()["items"] == []

    early = citizen.post(f"{COMPLAINTS}/{code}:reopen", json={"reason": "ยังไม่ได้คำตอบ"})
    assert early.status_code == 409 and early.headers["content-type"].startswith(PROBLEM_JSON)
    assert early.json()["reason"] == "not_answered"

    # The complaint system answers over Kafka; the citizen may then reopen it.
    complaint_system(complaint_id, unit["point"], "resolved", "ยกเลิกการขอสำเนาแล้ว")
    answered = wait_until(
        lambda: (p := citizen.get(f"{COMPLAINTS}/{code}").json())["status"] == "resolved" and p, timeout=20
    )
    assert answered["reopen"]["allowed"] is True and answered["reopen"]["reopens_left"] == 3
    assert answered["due_at"] is None and answered["overdue"] is False

    reopening = datetime.now(UTC)
    reopened = citizen.post(
        f"{COMPLAINTS}/{code.replace('-', '').lower()}:reopen", json={"reason": "ยังเรียกสำเนาอยู่ โทร 0812345678"}
    )
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["status"] == "reopened" and body["history"][-1]["note"] == f"ยังเรียกสำเนาอยู่ โทร {PHONE_PLACEHOLDER}"
    assert datetime.fromisoformat(body["due_at"]) >= add_business_days(reopening, 5)  # the whole target again
    assert body["reopen"] == {"allowed": False, "until": None, "reopens_left": 2}

    # Both changes went out as status snapshots on citizeninfo.complaints.v1, through the outbox.
    def updates(records: list) -> list[ComplaintStatusUpdated]:
        events = [CloudEvent.from_json_bytes(r.value) for r in records]
        return [
            e.data_as(ComplaintStatusUpdated)
            for e in events
            if e.type == ComplaintStatusUpdated.event_type and e.data.get("complaint_id") == complaint_id
        ]

    records = snapshots.collect(lambda rs: {"resolved", "reopened"} <= {u.status for u in updates(rs)}, timeout=20)
    by_status = {u.status: u for u in updates(records)}
    assert by_status["resolved"].open is False and by_status["resolved"].due_at is None
    assert by_status["reopened"].open is True and by_status["reopened"].reopen_count == 1
    assert by_status["reopened"].department_id == unit["department"]
    assert "0812345678" not in str(by_status["reopened"].reason)

    # stats-service has the latest snapshot in its read model and counts the complaint open again
    # (overdue there needs the snapshot's due time to pass).
    document = f"{infrastructure.elasticsearch_url}/citizeninfo-complaints/_doc/{complaint_id}"

    def projected() -> dict | bool:
        found = httpx.get(document, timeout=10).json().get("_source", {})
        return found.get("status") == "reopened" and found

    read_model = wait_until(projected, timeout=20)
    assert read_model["open"] is True and read_model["status_sequence"] == 3
    assert read_model["due_at"] == body["due_at"] or datetime.fromisoformat(
        read_model["due_at"]
    ) == datetime.fromisoformat(body["due_at"])
    deadlines = f"/api/stats/v1/complaints/deadlines?department_id={unit['department']}"
    # A search sees the write once the index refreshed (the document read above is real-time).
    counted = wait_until(lambda: (c := gateway.get(deadlines).json()).get("open") == 1 and c, timeout=20)
    assert (counted["open"], counted["overdue"]) == (1, 0)
    assert counted["departments"][0]["id"] == unit["department"]

    # Time travel, test setup only: the stored due time two days back → listed first, flagged overdue.
    stored_id = code.replace("-", "")
    feedback_db["complaints"].update_one(
        {"_id": stored_id}, {"$set": {"due_at": datetime.now(UTC) - timedelta(days=2, hours=1)}}
    )
    late = gateway.get(inbox, params={"overdue": "true"}, headers=admin_headers).json()
    assert late["overdue"] == 1 and late["items"][0]["complaint"]["overdue"] is True
    assert late["items"][0]["complaint"]["late_by_days"] == 2
    assert gateway.get(inbox, params={"overdue": "false"}, headers=admin_headers).json()["items"] == []
    assert citizen.get(f"{COMPLAINTS}/{code}").json()["overdue"] is True

    # Answered again, and the answer moved 15 days back: the 14-day window has passed → 409.
    complaint_system(complaint_id, unit["point"], "resolved", "ตอบอีกครั้ง")
    wait_until(lambda: citizen.get(f"{COMPLAINTS}/{code}").json()["status"] == "resolved", timeout=20)
    document = feedback_db["complaints"].find_one({"_id": stored_id})
    history = document["history"]
    history[-1]["changed_at"] = datetime.now(UTC) - timedelta(days=15)
    history[-2]["changed_at"] = datetime.now(UTC) - timedelta(days=16)  # keep the history in time order
    for entry in history[:-2]:
        entry["changed_at"] = min(entry["changed_at"], datetime.now(UTC) - timedelta(days=17))
    feedback_db["complaints"].update_one({"_id": stored_id}, {"$set": {"history": history}})
    too_late = citizen.post(f"{COMPLAINTS}/{code}:reopen", json={"reason": "ยังไม่พอใจ"})
    assert too_late.status_code == 409 and too_late.headers["content-type"].startswith(PROBLEM_JSON)
    assert too_late.json()["reason"] == "window_passed" and "14" in too_late.json()["detail"]
