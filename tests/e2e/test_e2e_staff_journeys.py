"""Issue 23, agency staff with a department of hundreds of points: they find their 336th point (search,
filters, pages with the real total), cannot save a doubtful pin (0,0; a Chiang Mai office in Bangkok)
without reading why it is doubtful and confirming, read one inbox of their points' ratings and
complaints, are told up front that another department's point is not theirs, and answer the survey on
a 390 px phone without the page overflowing or Thai words broken mid-word."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, wait_until, wait_until_feedback_knows

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

POINTS = 336
PHONE = {"width": 390, "height": 844}
CHIANG_MAI_NAME = "ศาลากลางจังหวัดเชียงใหม่ จุดทดสอบ"


@dataclass(frozen=True)
class Department:
    run_id: str
    department_id: str
    username: str
    password: str
    last_point: str  # the 336th, in Chiang Mai's Mueang district
    first_point: str
    second_point: str
    foreign_point: str  # of another department


@pytest.fixture(scope="module")
def department(api: httpx.Client) -> Department:
    run_id = uuid.uuid4().hex[:8].upper()
    point = lambda n: f"PE2E{run_id}{n:03d}"  # noqa: E731
    points = [{"id": point(n), "name_th": f"ที่ว่าการทดสอบ {run_id} ลำดับ {n}"} for n in range(1, POINTS)]
    points.append({"id": point(POINTS), "name_th": CHIANG_MAI_NAME, "province_code": "50", "district_code": "5001"})
    points.append({"id": f"PE2E{run_id}X", "name_th": f"จุดของกรมอื่น {run_id}", "department_id": f"DE2E{run_id}2"})
    import_catalogue(api, catalogue(run_id, points, departments=2))
    department_id = f"DE2E{run_id}1"
    username, password = f"staff-{run_id.lower()}", f"pw-{run_id}-long-enough"
    created = api.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": department_id},
    )
    assert created.status_code == 201, created.text

    def survey_rows() -> int:
        listing = api.get(f"/api/nocopy/v1/departments/{department_id}/readiness", params={"limit": 1000})
        return len(listing.json().get("items", [])) if listing.status_code == 200 else 0

    wait_until("nocopy-service knows all the department's points", lambda: survey_rows() == POINTS, seconds=60)
    return Department(run_id, department_id, username, password, point(POINTS), point(1), point(2), f"PE2E{run_id}X")


def sign_in(page: Page, department: Department, path: str = "/staff") -> None:
    page.goto(f"{GATEWAY}{path}")
    page.get_by_label("ชื่อผู้ใช้").fill(department.username)
    page.get_by_label("รหัสผ่าน").fill(department.password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()


def page_width(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


# Lines may break only where Thai words end (the browser's own dictionary segmenter, ICU, says where).
THAI_WORDS_BROKEN = """(selector) => {
  const words = new Intl.Segmenter('th', {granularity: 'word'});
  const combining = /[\\u0E31\\u0E34-\\u0E3A\\u0E47-\\u0E4E]/;
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      if (!/[\\u0E00-\\u0E7F]/.test(text)) continue;
      const starts = new Set([...words.segment(text)].map((s) => s.index));
      let lastTop = null;
      for (let i = 0; i < text.length; i++) {
        if (/\\s/.test(text[i]) || combining.test(text[i])) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect || rect.width === 0) continue;
        if (lastTop !== null && rect.top > lastTop + 8 && !starts.has(i) && !/\\s/.test(text[i - 1])) {
          broken.push(text.slice(Math.max(0, i - 10), i) + '|' + text.slice(i, i + 10));
        }
        lastTop = rect.top;
      }
    }
  }
  return broken;
}"""


def test_staff_find_their_336th_point_on_a_phone(
    department: Department, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, department)
    expect(page.locator(".list-summary")).to_contain_text("แสดง 1–25 จาก 336 จุด")
    assert page_width(page) <= PHONE["width"], "the staff list is wider than the phone"
    check_accessibility(page)
    artifacts(page, "1-list")

    # The last page holds the last point: paging counts the real total.
    page.get_by_role("link", name="หน้าถัดไป").click()
    expect(page.get_by_text("หน้า 2 จาก 14")).to_be_visible()
    page.goto(f"{GATEWAY}/staff?department_id={department.department_id}&page=14")
    expect(page.locator(f'tr[data-point-id="{department.last_point}"]')).to_be_visible()
    expect(page.locator(".list-summary")).to_contain_text("แสดง 326–336 จาก 336 จุด")

    # By name…
    page.get_by_label("ค้นหาชื่อหรือรหัสจุดให้บริการ").fill("เชียงใหม่")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(page.locator(".list-summary")).to_contain_text("แสดง 1–1 จาก 1 จุด")
    row = page.locator(f'tr[data-point-id="{department.last_point}"]')
    expect(row).to_contain_text(CHIANG_MAI_NAME)
    artifacts(page, "2-found-by-name")
    # …by code, with the filters: not pinned and not surveyed.
    page.get_by_label("ค้นหาชื่อหรือรหัสจุดให้บริการ").fill(department.last_point.lower())
    page.get_by_label("หมุด", exact=True).select_option("false")
    page.get_by_label("แบบสำรวจ", exact=True).select_option("false")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f'tr[data-point-id="{department.last_point}"]')).to_contain_text("ยังไม่ปักหมุด")
    # A filter alone counts the whole department: every point is still unsurveyed.
    page.goto(f"{GATEWAY}/staff?department_id={department.department_id}&surveyed=true")
    expect(page.locator(".list-summary")).to_contain_text("ไม่พบจุดให้บริการตามเงื่อนไขนี้")
    check_accessibility(page)


def test_a_doubtful_pin_is_saved_only_when_confirmed_with_the_flags_in_words(
    api: httpx.Client, department: Department, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    point_id = department.last_point
    sign_in(page, department, f"/staff/points/{point_id}/pin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ปักหมุดตำแหน่ง")
    # An unpinned point's map opens on its district (Mueang Chiang Mai), not on the whole country.
    expect(page.locator(".map-area")).to_contain_text("เมืองเชียงใหม่")
    page.locator(".map").click()  # the middle of the map
    lat, lon = float(page.get_by_label("ละติจูด").input_value()), float(page.get_by_label("ลองจิจูด").input_value())
    assert abs(lat - 18.79) < 0.2 and abs(lon - 98.98) < 0.2, (lat, lon)
    artifacts(page, "1-opens-on-the-district")

    # 0,0: asked before anything is saved, in words.
    page.get_by_label("ละติจูด").fill("0")
    page.get_by_label("ลองจิจูด").fill("0")
    page.get_by_label("ลองจิจูด").press("Tab")
    page.get_by_role("button", name="บันทึกหมุด").click()
    doubt = page.locator(".pin-doubt [role=alert]")
    expect(doubt).to_contain_text("ตรวจสอบก่อนบันทึก")
    expect(doubt).to_contain_text("ตำแหน่งนี้อยู่นอกประเทศไทย")
    expect(page.locator("main")).not_to_contain_text("outside_thailand")
    check_accessibility(page)
    artifacts(page, "2-asked-about-0-0")
    assert api.get(f"/api/pin/v1/service-points/{point_id}").json()["pinned"] is False
    page.get_by_role("button", name="เลือกตำแหน่งใหม่").click()
    expect(doubt).to_have_count(0)

    # Bangkok for a Chiang Mai office: asked again; confirmed, it is saved — and said to be doubtful.
    page.get_by_label("ละติจูด").fill("13.7563")
    page.get_by_label("ลองจิจูด").fill("100.5018")
    page.get_by_label("ลองจิจูด").press("Tab")
    page.get_by_role("button", name="บันทึกหมุด").click()
    expect(doubt).to_contain_text("ตำแหน่งนี้อยู่ไกลจากอำเภอ/เขตของจุดให้บริการ")
    expect(doubt).to_contain_text("กม.")
    assert api.get(f"/api/pin/v1/service-points/{point_id}").json()["pinned"] is False
    page.get_by_role("button", name="ยืนยัน ตำแหน่งนี้ถูกต้อง บันทึกหมุด").click()
    saved = page.locator(".message-warning").filter(has_text="บันทึกหมุดแล้ว แต่มีข้อสังเกต")
    expect(saved).to_contain_text("ตำแหน่งนี้อยู่ไกลจากอำเภอ/เขตของจุดให้บริการ")
    expect(page.locator(".message-success")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("far_from_district")
    check_accessibility(page)
    artifacts(page, "3-saved-with-its-flag")
    point = api.get(f"/api/pin/v1/service-points/{point_id}").json()
    assert point["location"] == {"lat": 13.7563, "lon": 100.5018}
    assert point["flags"] == ["far_from_district"]


def test_the_inbox_shows_ratings_and_complaints_of_the_departments_points(
    api: httpx.Client, department: Department, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    rated, complained = department.first_point, department.second_point
    wait_until_feedback_knows(api, rated)
    wait_until_feedback_knows(api, complained)
    comment = f"บริการรวดเร็ว เจ้าหน้าที่สุภาพ {department.run_id}"
    rating = httpx.post(
        f"{GATEWAY}/api/feedback/v1/ratings", json={"service_point_id": rated, "score": 4, "comment": comment}
    )
    assert rating.status_code == 202, rating.text
    complaint = httpx.post(
        f"{GATEWAY}/api/feedback/v1/complaints",
        json={
            "service_point_id": complained,
            "category": "waiting_time",
            "description": f"รอคิวนานกว่าสามชั่วโมง {department.run_id}",
            "contact": {"phone": "0812345678"},
            "consent_to_contact": True,
        },
    )
    assert complaint.status_code == 202, complaint.text
    protected = httpx.post(
        f"{GATEWAY}/api/feedback/v1/complaints",
        json={
            "service_point_id": complained,
            "category": "corruption",
            "description": f"ถูกเรียกเงินใต้โต๊ะ {department.run_id}",
            "contact": {"email": "witness@example.com"},
            "consent_to_contact": True,
        },
    )
    assert protected.status_code == 202, protected.text

    sign_in(page, department)
    page.get_by_role("link", name="ความเห็นและเรื่องร้องเรียนของหน่วยงาน").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ความเห็นและเรื่องร้องเรียนของหน่วยงาน")
    inbox = page.locator("ol.inbox")
    expect(inbox.locator('[data-kind="rating"]')).to_contain_text(comment)
    expect(inbox.locator('[data-kind="complaint"]').filter(has_text="รอนานเกินไป")).to_contain_text("0812345678")
    shielded = inbox.locator('[data-kind="complaint"]').filter(has_text="ทุจริตหรือเรียกรับสินบน")
    expect(shielded).to_contain_text("เพื่อคุ้มครองผู้ร้องเรียน")
    expect(shielded).not_to_contain_text("witness@example.com")
    expect(page.locator(".list-summary")).to_contain_text("จาก 3 รายการ")
    text = page.locator("main").inner_text()
    for filed in (complaint.json(), protected.json()):
        assert filed["tracking_code"] not in text and filed["tracking_code"].replace("-", "") not in text
    check_accessibility(page)
    artifacts(page, "1-inbox")

    # One point only.
    page.get_by_label("จุดให้บริการ", exact=True).select_option(rated)
    page.get_by_role("button", name="แสดง", exact=True).click()
    expect(page.locator(".list-summary")).to_contain_text("แสดง 1–1 จาก 1 รายการ")
    expect(inbox.locator('[data-kind="complaint"]')).to_have_count(0)
    expect(inbox.locator('[data-kind="rating"]')).to_contain_text(comment)
    artifacts(page, "2-one-point")


def test_another_departments_point_says_so_before_any_edit(
    department: Department, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    sign_in(page, department, f"/staff/points/{department.foreign_point}/survey")
    notice = page.locator(".foreign-point")
    expect(notice).to_contain_text("จุดให้บริการนี้เป็นของหน่วยงานอื่น")
    expect(notice).to_contain_text(f"DE2E{department.run_id}2")
    expect(page.get_by_role("button", name="ส่งแบบสำรวจ")).to_have_count(0)
    check_accessibility(page)
    artifacts(page, "1-survey-refused")
    page.goto(f"{GATEWAY}/staff/points/{department.foreign_point}/pin")
    expect(notice).to_contain_text("จุดให้บริการนี้เป็นของหน่วยงานอื่น")
    expect(page.get_by_role("button", name="บันทึกหมุด")).to_have_count(0)
    page.get_by_role("button", name="Switch to English").click()
    expect(notice).to_contain_text("This service point belongs to another department")
    artifacts(page, "2-pin-refused-in-english")
    page.get_by_role("link", name="Back to your department's points").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your department's service points")
    page.get_by_role("button", name="ภาษาไทย").click()


def test_the_survey_fits_a_phone_without_breaking_thai_words(
    department: Department, page: Page, artifacts: Callable, check_accessibility: Callable
) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, department, f"/staff/points/{department.first_point}/survey")
    expect(page.get_by_role("heading", level=1)).to_contain_text("แบบสำรวจความพร้อม")
    table = page.locator("table.survey-services")
    expect(table).to_be_visible()
    assert page_width(page) <= PHONE["width"], f"the survey is {page_width(page)} px wide on a 390 px phone"
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    broken = page.evaluate(THAI_WORDS_BROKEN, "main")
    assert broken == [], f"Thai words broken mid-word: {broken}"
    page.get_by_label(f"สำเนาบัตรประจำตัวประชาชน — SE2E{department.run_id}").select_option("cancelled")
    check_accessibility(page)
    artifacts(page, "1-survey-on-a-phone")
