"""Complaints both ways over real Kafka: filed → complaints.v1 → reference complaint system →
complaint-status.v1 → the citizen's tracking page."""

from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.privacy import CITIZEN_ID_PLACEHOLDER, PHONE_PLACEHOLDER
from citizeninfo_shared.problems import PROBLEM_JSON

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration
COMPLAINTS = "/api/feedback/v1/complaints"


def test_a_complaint_goes_out_redacted_and_its_status_comes_back(
    feedback_catalogue, citizen, complaint_system, feedback_db, gateway
):
    point = feedback_catalogue.points[5]
    with_consent = citizen().post(
        COMPLAINTS,
        json={
            "service_point_id": point,
            "service_id": feedback_catalogue.service_id,
            "category": "asked_for_copy",
            "description": "เจ้าหน้าที่ขอสำเนาบัตร 1-1017-00230-70-8 โทรหาผมที่ 0812345678",
            "contact": {"phone": "0812345678", "email": "somchai@example.com"},
            "consent_to_contact": True,
        },
    )
    without_consent = citizen().post(
        COMPLAINTS,
        json={
            "service_point_id": point,
            "category": "waiting_time",
            "description": "รอสามชั่วโมง",
            "contact": {"phone": "0899999999"},
            "consent_to_contact": False,
        },
    )
    assert with_consent.status_code == without_consent.status_code == 202, with_consent.text
    consented, anonymous = with_consent.json(), without_consent.json()
    assert consented["tracking_code"] != anonymous["tracking_code"]

    redacted = f"เจ้าหน้าที่ขอสำเนาบัตร {CITIZEN_ID_PLACEHOLDER} โทรหาผมที่ {PHONE_PLACEHOLDER}"
    stored = feedback_db["complaints"].find_one({"_id": consented["tracking_code"].replace("-", "")})
    assert stored["description"] == redacted
    assert "0899999999" not in str(
        feedback_db["complaints"].find_one({"_id": anonymous["tracking_code"].replace("-", "")})
    )

    received = complaint_system.receive({consented["complaint_id"], anonymous["complaint_id"]})
    _, filed = received[consented["complaint_id"]]
    assert filed.description == redacted
    # The contact is never on the topic in clear: sealed, opened with the key the admin API hands out.
    assert filed.contact is None and filed.contact_sealed is not None
    assert b"0812345678" not in received[consented["complaint_id"]][0].to_json_bytes()
    assert (filed.department_id, filed.ministry_id, filed.province_code) == (
        feedback_catalogue.department_id,
        feedback_catalogue.ministry_id,
        "50",
    )
    event, filed_anonymously = received[anonymous["complaint_id"]]
    assert filed_anonymously.contact is None
    assert b"0899999999" not in event.to_json_bytes()

    now = datetime.now(UTC)
    forwarded = ComplaintStatusChanged(
        complaint_id=filed.complaint_id, status="forwarded", note="ส่งต่อกรมแล้ว", changed_at=now
    )
    resolved = ComplaintStatusChanged(
        complaint_id=filed.complaint_id,
        tracking_code=filed.tracking_code,
        status="resolved",
        note="ยกเลิกการขอสำเนาแล้ว แจ้งผลที่ 0812345678",
        changed_at=now + timedelta(minutes=5),
    )
    # Out of order and one of them twice: the history is ordered by time and holds each change once.
    sent = complaint_system.send_status(filed, resolved)
    complaint_system.send_status(filed, forwarded)
    complaint_system.send_status(filed, resolved, event_id=sent.id)

    def followed():
        page = gateway.get(f"{COMPLAINTS}/{consented['tracking_code'].lower()}").json()
        return page if len(page["history"]) >= 3 else None

    page = wait_until(followed, timeout=20)
    assert page["status"] == "resolved"
    assert [entry["status"] for entry in page["history"]] == ["received", "forwarded", "resolved"]
    assert page["history"][2]["note"] == f"ยกเลิกการขอสำเนาแล้ว แจ้งผลที่ {PHONE_PLACEHOLDER}"
    # The duplicate delivery changed nothing more, a moment later.
    wait_until(lambda: gateway.get(f"{COMPLAINTS}/{consented['tracking_code']}").status_code == 200, timeout=5)
    assert len(gateway.get(f"{COMPLAINTS}/{consented['tracking_code']}").json()["history"]) == 3

    untouched = gateway.get(f"{COMPLAINTS}/{anonymous['tracking_code']}").json()
    assert untouched["status"] == "received" and len(untouched["history"]) == 1


def test_bad_complaints_and_unknown_codes(feedback_catalogue, citizen, gateway):
    client = citizen()
    bad_category = {
        "service_point_id": feedback_catalogue.points[5],
        "category": "aliens",
        "description": "x",
        "consent_to_contact": False,
    }
    response = client.post(COMPLAINTS, json=bad_category)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON
    unknown_point = {**bad_category, "category": "other", "service_point_id": "PNOSUCH"}
    assert client.post(COMPLAINTS, json=unknown_point).status_code == 404
    assert gateway.get(f"{COMPLAINTS}/0000-0000-00").status_code == 404
    assert gateway.get(f"{COMPLAINTS}/not a code").status_code == 404
