"""Issue 22 in the browser: a citizen files a complaint, the agency answers it (through the national
complaint system, whose status event the test sends over Kafka as the reference complaint system does),
and the citizen reopens it from the status page with the tracking code; an overdue complaint is flagged
first in the staff inbox.

"Overdue" needs days to pass: the test moves one complaint's stored due time into the past directly in
feedback-service's database (test setup through the MongoDB wire on 127.0.0.1; the service has no
backdoor) and checks what the staff then see.
"""

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from citizeninfo_devstack.programs import MONGODB_PORT
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.kafka import create_producer
from citizeninfo_shared.privacy import PHONE_PLACEHOLDER
from citizeninfo_shared.topics import TopicName
from playwright.sync_api import Page, expect

from tests import targets
from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, wait_until, wait_until_feedback_knows

# native_only: the overdue journey moves a stored due time back through the native stack's database.
pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.native_only]


def answer_as_the_complaint_system(complaint_id: str, point_id: str, note: str) -> None:
    producer = create_producer(
        targets.KAFKA_BOOTSTRAP,
        client_id="reference-complaint-system",
        security=targets.kafka_security(writes=[TopicName.COMPLAINT_STATUS]),
    )
    try:
        change = ComplaintStatusChanged(
            complaint_id=complaint_id, status="resolved", note=note, changed_at=datetime.now(UTC)
        )
        event = CloudEvent.wrap(change, source="/reference-complaint-system", subject=point_id)
        producer.send(TopicName.COMPLAINT_STATUS, key=event.key, value=event.to_json_bytes())
        producer.flush(timeout=10)
    finally:
        producer.close(timeout=5)


def sign_in(page: Page, username: str, password: str, path: str) -> None:
    page.goto(f"{GATEWAY}{path}")
    page.get_by_label("ชื่อผู้ใช้").fill(username)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


def test_the_citizen_reopens_an_answered_complaint_with_the_tracking_code(
    api: httpx.Client, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    run_id = uuid.uuid4().hex[:8].upper()
    point_id = f"PE2E{run_id}R"
    import_catalogue(api, catalogue(run_id, [{"id": point_id, "name_th": f"สำนักงานทดสอบเปิดเรื่องใหม่ {run_id}"}]))
    wait_until_feedback_knows(api, point_id)

    # The citizen files it.
    page.goto(f"{GATEWAY}/points/{point_id}/complain")
    page.get_by_label("เรื่อง", exact=True).select_option("waiting_time")
    page.get_by_label("รายละเอียด").fill(f"รอคิวนานกว่าสามชั่วโมง {run_id}")
    page.get_by_role("button", name="ส่งเรื่องร้องเรียน").click()
    code = page.locator(".tracking-code").inner_text()
    assert code
    page.locator(".message-success").get_by_role("link", name="ติดตามเรื่องร้องเรียน").click()
    expect(page.locator("main")).to_contain_text("รับเรื่องแล้ว")
    expect(page.locator("main")).to_contain_text("กำหนดตอบภายใน")
    expect(page.get_by_role("button", name="เปิดเรื่องใหม่")).to_have_count(0)  # nothing answered yet

    # The agency answers (the national complaint system sends the status back).
    complaint_id = "cmp_" + code.replace("-", "")
    answer_as_the_complaint_system(complaint_id, point_id, "ได้ปรับปรุงระบบคิวแล้ว")

    def answered() -> bool:
        page.reload()
        page.locator("main ol.history").wait_for()
        return "ดำเนินการแล้ว" in page.locator("main").inner_text()

    wait_until("the answer reached the status page", answered, seconds=30, interval=1)
    expect(page.get_by_role("heading", name="ยังไม่พอใจคำตอบ? เปิดเรื่องนี้ใหม่")).to_be_visible()
    expect(page.locator("#reopen-hint")).to_contain_text("เหลือ 3 ครั้ง")
    check_accessibility(page)
    artifacts(page, "1-answered")

    # The citizen reopens it, with a reason that holds a phone number (redacted by the service).
    page.get_by_label("เหตุผลที่ขอเปิดเรื่องใหม่").fill("ยังต้องรอนานเหมือนเดิม โทร 0812345678")
    page.get_by_role("button", name="เปิดเรื่องใหม่").click()
    expect(page.get_by_role("status").filter(has_text="เปิดเรื่องใหม่แล้ว")).to_be_visible()
    main = page.locator("main")
    expect(main.locator("strong").filter(has_text="เปิดเรื่องใหม่")).to_be_visible()
    expect(main.locator("ol.history li").last).to_contain_text(PHONE_PLACEHOLDER)
    assert "0812345678" not in main.inner_text()
    expect(main).to_contain_text("กำหนดตอบภายใน")  # due again, the whole target from now
    expect(page.get_by_role("button", name="เปิดเรื่องใหม่")).to_have_count(0)  # until answered again
    check_accessibility(page)
    artifacts(page, "2-reopened")


def test_an_overdue_complaint_is_flagged_first_in_the_staff_inbox(
    api: httpx.Client, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    from pymongo import MongoClient

    run_id = uuid.uuid4().hex[:8].upper()
    point_id = f"PE2E{run_id}O"
    import_catalogue(api, catalogue(run_id, [{"id": point_id, "name_th": f"สำนักงานทดสอบเกินกำหนด {run_id}"}]))
    department_id = f"DE2E{run_id}1"
    username, password = f"staff-{run_id.lower()}", f"pw-{run_id}-long-enough"
    created = api.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": department_id},
    )
    assert created.status_code == 201, created.text
    wait_until_feedback_knows(api, point_id)
    codes = []
    for category, text in (("asked_for_copy", "ถูกเรียกสำเนาทะเบียนบ้าน"), ("facilities", "ไม่มีที่จอดรถ")):
        # Each from its own loopback address (a citizen of its own): the journeys share 127.0.0.1's limit.
        citizen = httpx.HTTPTransport(local_address=f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.7")
        with httpx.Client(transport=citizen, timeout=30) as client:
            filed = client.post(
                f"{GATEWAY}/api/feedback/v1/complaints",
                json={
                    "service_point_id": point_id,
                    "category": category,
                    "description": f"{text} {run_id}",
                    "consent_to_contact": False,
                },
            )
        assert filed.status_code == 202, filed.text
        codes.append(filed.json()["tracking_code"].replace("-", ""))

    # Time travel, test setup only: the older complaint was due three days and two hours ago.
    with MongoClient(f"mongodb://127.0.0.1:{MONGODB_PORT}/", tz_aware=True) as client:
        updated = client["citizeninfo_feedback"]["complaints"].update_one(
            {"_id": codes[0]}, {"$set": {"due_at": datetime.now(UTC) - timedelta(days=3, hours=2)}}
        )
        assert updated.matched_count == 1

    sign_in(page, username, password, f"/staff/inbox?department_id={department_id}")
    inbox = page.locator("ol.inbox")
    first = inbox.locator("li").first
    expect(first).to_have_attribute("data-overdue", "true")
    expect(first).to_contain_text("เกินกำหนด")
    expect(first).to_contain_text("ช้า 3 วัน 2 ชั่วโมง")
    expect(first).to_contain_text("ถูกเรียกสำเนาเอกสาร")
    expect(inbox.locator('[data-overdue="false"]')).to_contain_text("สถานที่และสิ่งอำนวยความสะดวก")
    expect(page.locator(".list-summary")).to_contain_text("เรื่องร้องเรียนเกินกำหนด 1 เรื่อง")
    check_accessibility(page)
    artifacts(page, "1-overdue-first")

    page.get_by_label("เฉพาะเรื่องที่เกินกำหนด").check()
    page.get_by_role("button", name="แสดง", exact=True).click()
    expect(inbox.locator('[data-kind="complaint"]')).to_have_count(1)
    expect(inbox.locator('[data-overdue="true"]')).to_have_count(1)
    assert "overdue=true" in page.url
    check_accessibility(page)
    artifacts(page, "2-overdue-only")
