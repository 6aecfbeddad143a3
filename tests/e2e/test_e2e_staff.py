"""Agency staff sign in, pin a point (map click, then the device's location with its accuracy shown) and
answer the readiness survey; the services hold what the pages sent."""

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_staff_pin_a_point_and_answer_the_survey(
    api: httpx.Client, run_id: str, context: BrowserContext, page: Page, artifacts, check_accessibility
) -> None:
    point_id = f"PE2E{run_id}S"
    department_id = f"DE2E{run_id}1"
    import_catalogue(api, catalogue(run_id, [{"id": point_id, "name_th": f"ที่ว่าการทดสอบ {run_id}"}]))
    username, password = f"staff-{run_id.lower()}", f"pw-{run_id}-long-enough"
    created = api.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": department_id},
    )
    assert created.status_code == 201, created.text
    # The survey service learns the catalogue from events; the page needs it there before answering.
    wait_until(
        "nocopy-service knows the department's point",
        lambda: any(
            item["service_point_id"] == point_id
            for item in api.get(f"/api/nocopy/v1/departments/{department_id}/readiness").json().get("items", [])
        ),
    )

    page.goto(f"{GATEWAY}/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("เข้าสู่ระบบเจ้าหน้าที่")
    check_accessibility(page)
    page.get_by_label("ชื่อผู้ใช้").fill(username)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    row = page.locator(f'tr[data-point-id="{point_id}"]')
    expect(row).to_contain_text("ยังไม่ตอบ")
    check_accessibility(page)
    artifacts(page, "1-points")

    row.get_by_role("link", name="ปักหมุด").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ปักหมุดตำแหน่ง")
    page.locator(".map").click()  # a click on the map fills in its coordinates
    expect(page.get_by_label("ละติจูด")).not_to_have_value("")
    context.set_geolocation({"latitude": 13.756331, "longitude": 100.501765, "accuracy": 12})
    page.get_by_role("button", name="ใช้ตำแหน่งของอุปกรณ์").click()
    expect(page.get_by_label("ละติจูด")).to_have_value("13.756331")
    expect(page.locator(".accuracy")).to_have_text("ความแม่นยำ ±12 เมตร")
    check_accessibility(page)
    page.get_by_role("button", name="บันทึกหมุด").click()
    expect(page.get_by_role("status").filter(has_text="บันทึกหมุดแล้ว")).to_be_visible()
    artifacts(page, "2-pinned")
    point = api.get(f"/api/pin/v1/service-points/{point_id}").json()
    assert point["pinned"] is True
    assert point["location"] == {"lat": 13.756331, "lon": 100.501765}

    page.goto(f"{GATEWAY}/staff/points/{point_id}/survey")
    expect(page.get_by_role("heading", level=1)).to_contain_text("แบบสำรวจความพร้อม")
    page.get_by_label("มีบันทึกข้อตกลง (MOU) กับกรมการปกครองแล้ว").check()
    page.get_by_label("จำนวนเครื่องอ่านบัตร").fill("2")
    page.get_by_label(f"สำเนาบัตรประจำตัวประชาชน — SE2E{run_id}").select_option("cancelled")
    page.get_by_label(f"สำเนาทะเบียนบ้าน — SE2E{run_id}").select_option("in_progress")
    page.get_by_label("งบประมาณ", exact=True).check()
    page.get_by_label("งบประมาณ — รายละเอียด").fill("รองบประมาณเครื่องอ่านบัตรเพิ่ม")
    check_accessibility(page)
    page.get_by_role("button", name="ส่งแบบสำรวจ").click()
    expect(page.get_by_role("status").filter(has_text="บันทึกแบบสำรวจแล้ว")).to_contain_text("กำลังยกเลิก")
    artifacts(page, "3-surveyed")

    answer = api.get(f"/api/nocopy/v1/service-points/{point_id}/readiness").json()
    assert answer["copy_status"] == "in_progress"
    assert answer["mou_with_dopa"] is True
    assert answer["card_readers"] == 2
    assert [o["kind"] for o in answer["obstacles"]] == ["budget"]

    page.goto(f"{GATEWAY}/staff")
    expect(page.locator(f'tr[data-point-id="{point_id}"]')).to_contain_text("ตอบแล้ว")
