"""The citizen's journeys on a phone (issue 23): reach the rating form, find the office for the service one
needs near where one is, a plain answer on photocopies that matches the document list, real totals with
more results, and errors in Thai with a way back to search.

Each test imports its own catalogue (names carry the run id) so the shared stack's other data never decides
the outcome; points sit at random spots so earlier runs' points are never the nearest.
"""

import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import (
    GATEWAY,
    import_catalogue,
    new_context,
    pin_until_searchable,
    wait_until,
    wait_until_feedback_knows,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}
ID_CARD = "ขอมีบัตรประจำตัวประชาชน"
CERTIFICATE = "ขอหนังสือรับรอง"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """Citizens on a phone: the conftest's `page` opens in this context."""
    created = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield created
    created.close()


def country(run_id: str, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A ministry, one department, the ID-card service and a certificate service (both with copies)."""
    department = f"DC{run_id}"
    copies = [
        {"name_th": "สำเนาบัตรประจำตัวประชาชน", "kind": "id_card_copy", "copies": 1},
        {"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1},
    ]
    lines: list[dict[str, Any]] = [
        {"kind": "ministry", "id": f"MC{run_id}", "name_th": f"กระทรวงทดสอบ {run_id}", "name_en": f"Ministry {run_id}"},
        {"kind": "department", "id": department, "ministry_id": f"MC{run_id}", "name_th": f"กรมทะเบียนทดสอบ {run_id}"},
        {
            "kind": "service",
            "id": f"SC{run_id}ID",
            "department_id": department,
            "name_th": ID_CARD,
            "name_en": "ID card",
            "steps": ["ยื่นคำขอ", "ถ่ายรูป", "รับบัตร"],
            "documents": copies,
        },
        {
            "kind": "service",
            "id": f"SC{run_id}CE",
            "department_id": department,
            "name_th": CERTIFICATE,
            "name_en": "Certificate request",
            "steps": ["ยื่นคำขอ", "รับหนังสือรับรอง"],
            "documents": copies,
        },
    ]
    for point in points:
        lines.append(
            {
                "kind": "service_point",
                "department_id": department,
                "province_code": "50",
                "district_code": "5001",
                "address_th": "ถนนทดสอบ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่",
                **point,
            }
        )
    return lines


def in_view_and_focused(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            if (!element || document.activeElement !== element) return false;
            const box = element.getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


def test_the_rate_button_reaches_the_form_and_the_score_follows_the_rating(
    api: httpx.Client, run_id: str, page: Page, artifacts, check_accessibility
) -> None:
    point_id = f"PC{run_id}R"
    import_catalogue(
        api, country(run_id, [{"id": point_id, "name_th": f"สำนักงานทะเบียน {run_id}", "service_ids": [f"SC{run_id}ID"]}])
    )
    wait_until_feedback_knows(api, point_id)

    page.goto(f"{GATEWAY}/points/{point_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"สำนักงานทะเบียน {run_id}")
    score = page.locator("section[aria-labelledby='score-heading']")
    expect(score).to_contain_text("ยังไม่มีผู้ให้คะแนน")
    expect(score.locator(".score")).to_have_count(0)  # no score in large type without ratings
    check_accessibility(page)
    artifacts(page, "1-point")

    page.get_by_role("link", name="ให้คะแนนและความเห็น").click()
    wait_until("the rating form is in view and focused", lambda: in_view_and_focused(page, "#rate-heading"), seconds=5)
    expect(page.locator("#rate-heading")).to_be_focused()
    assert page.url.endswith("#rate")
    page.screenshot(path=str(artifacts(page, "2-rate-form").with_name("2-rate-form-viewport.png")))

    page.get_by_label("2 — ไม่พอใจ").check()
    page.get_by_label("ถูกเรียก", exact=True).check()
    page.get_by_role("button", name="ส่งความเห็น").click()
    expect(page.get_by_role("status").filter(has_text="ขอบคุณสำหรับความเห็น")).to_be_visible()
    # The score card follows the new rating without a reload (stats count it within seconds).
    expect(score).to_contain_text("มีความเห็น 1 รายการ", timeout=25_000)
    expect(score).to_contain_text("น้อยเกินไปที่จะสรุป")
    expect(score.locator(".score")).to_have_count(0)
    check_accessibility(page)
    artifacts(page, "3-rated")

    # The complaint form asks for a subject instead of choosing one for the citizen.
    page.goto(f"{GATEWAY}/points/{point_id}/complain")
    subject = page.get_by_label("เรื่อง", exact=True)
    expect(subject).to_have_value("")
    page.get_by_label("รายละเอียด").fill("ทดสอบ")
    page.get_by_role("button", name="ส่งเรื่องร้องเรียน").click()
    assert page.evaluate("() => document.querySelector('select[name=category]').validity.valueMissing")
    expect(page.get_by_text("รับเรื่องแล้ว")).to_have_count(0)
    check_accessibility(page)


def test_id_card_near_me_in_chiang_mai_finds_the_office_that_makes_id_cards_first(
    api: httpx.Client, run_id: str, context: BrowserContext, page: Page, artifacts, check_accessibility
) -> None:
    # The citizen in Mueang Chiang Mai; two offices with the same name: the nearer one does not make ID cards.
    lat = round(18.74 + random.uniform(0, 0.04), 6)
    lon = round(98.93 + random.uniform(0, 0.04), 6)
    right, decoy = f"PC{run_id}ID", f"PC{run_id}XX"
    import_catalogue(
        api,
        country(
            run_id,
            [
                {"id": right, "name_th": "สำนักงานทะเบียน", "service_ids": [f"SC{run_id}ID", f"SC{run_id}CE"]},
                {"id": decoy, "name_th": "สำนักงานทะเบียน", "service_ids": [f"SC{run_id}CE"]},
            ],
        ),
    )
    pin_until_searchable(api, decoy, lat + 0.0002, lon)  # ~20 m
    pin_until_searchable(api, right, lat + 0.0008, lon)  # ~90 m
    context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 10})

    page.goto(f"{GATEWAY}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ค้นหาจุดให้บริการ")
    expect(page.locator("ol.results li")).to_have_count(0)  # the home page starts with the search, not a list
    check_accessibility(page)
    artifacts(page, "1-home")

    page.get_by_label("ชื่อหน่วยงาน บริการ หรือสถานที่").fill("ทำบัตรประชาชน")
    page.get_by_role("button", name="ใกล้ฉัน").click()
    first = page.locator("ol.results li").first
    expect(first).to_have_attribute("data-point-id", right)
    expect(page.locator(f'ol.results li[data-point-id="{decoy}"]')).to_have_count(0)
    expect(page.get_by_label("ชื่อหน่วยงาน บริการ หรือสถานที่")).to_have_value("ทำบัตรประชาชน")
    expect(page.locator(".understood")).to_contain_text("บริการ: บัตรประจำตัวประชาชน")
    # Distance, agency, area and copy status tell two offices of the same name apart.
    expect(first).to_contain_text("ห่าง")
    expect(first).to_contain_text(f"หน่วยงาน: กรมทะเบียนทดสอบ {run_id}")
    expect(first).to_contain_text("พื้นที่: เมืองเชียงใหม่, เชียงใหม่")
    expect(first.locator(".result-copy")).to_contain_text("สำเนาเอกสาร: หน่วยงานยังไม่ได้ตอบแบบสำรวจ")
    check_accessibility(page)
    artifacts(page, "2-near-me-id-card")

    # Typed with the place instead of near me: the service in Chiang Mai province, the right office among them.
    page.goto(f"{GATEWAY}/search?q=" + "ทำบัตรประชาชน เชียงใหม่")
    expect(page.locator(".understood")).to_contain_text("บริการ: บัตรประจำตัวประชาชน · พื้นที่: เชียงใหม่")
    expect(page.get_by_role("status").first).to_contain_text("พบ")
    total = api.get("/api/pin/v1/service-points", params={"q": "ทำบัตรประชาชน เชียงใหม่", "limit": 100}).json()
    assert total["total"] >= 1 and total["query"]["places"][0]["code"] == "50"
    items = api.get("/api/pin/v1/service-points", params={"q": f"ID card {run_id}", "limit": 5}).json()["items"]
    assert [i["id"] for i in items] == [right], "ID card in English finds the ID-card office only"
    artifacts(page, "3-typed-with-place")


def test_the_copy_answer_matches_the_document_list(
    api: httpx.Client, run_id: str, page: Page, artifacts, check_accessibility
) -> None:
    point_id = f"PC{run_id}C"
    import_catalogue(
        api,
        country(
            run_id,
            [{"id": point_id, "name_th": f"สำนักงานทะเบียน {run_id}", "service_ids": [f"SC{run_id}ID", f"SC{run_id}CE"]}],
        ),
    )
    survey = {
        "mou_with_dopa": True,
        "card_readers": 1,
        "services": [
            {"service_id": f"SC{run_id}ID", "id_card_copy": "cancelled", "house_registration_copy": "required"},
            {"service_id": f"SC{run_id}CE", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"},
        ],
        "obstacles": [],
    }

    def surveyed() -> httpx.Response | None:
        answer = api.put(f"/api/nocopy/v1/service-points/{point_id}/readiness", json=survey)
        return answer if answer.status_code != 404 else None  # 404 until nocopy-service knows the point

    answered = wait_until("nocopy-service takes the survey", surveyed)
    assert answered.status_code == 200, answered.text

    page.goto(f"{GATEWAY}/points/{point_id}")
    id_card = page.locator(f'li.copy-answer[data-service-id="SC{run_id}ID"]')
    certificate = page.locator(f'li.copy-answer[data-service-id="SC{run_id}CE"]')
    # ID card: the agency cancelled the ID-card copy only: bring the house registration copy, nothing else.
    expect(id_card.locator(".copy-verdict")).to_have_text("นำสำเนาไปด้วย: สำเนาทะเบียนบ้าน × 1")
    # Certificate: both cancelled: no copies.
    expect(certificate.locator(".copy-verdict")).to_contain_text("ไม่ต้องนำสำเนาไป")
    # Nobody has reported yet: no evidence line at all (never "0 จาก 0").
    expect(page.locator(".copy-evidence")).to_have_count(0)
    expect(page.get_by_text("จาก 0 คน")).to_have_count(0)

    # The document lists say the same: cancelled copies struck through, with the reason.
    page.locator("details.service summary", has_text=ID_CARD).click()
    id_docs = page.locator("details.service", has_text=ID_CARD)
    struck = id_docs.locator("li.document-cancelled")
    expect(struck).to_have_count(1)
    expect(struck).to_contain_text("สำเนาบัตรประจำตัวประชาชน × 1")
    expect(struck).to_contain_text("ไม่ต้องใช้แล้ว — หน่วยงานยกเลิกการเรียกสำเนา")
    expect(struck.locator("s")).to_have_text("สำเนาบัตรประจำตัวประชาชน × 1")
    expect(id_docs.locator('li[data-kind="house_registration_copy"]')).not_to_have_class("document-cancelled")
    page.locator("details.service summary", has_text=CERTIFICATE).click()
    expect(page.locator("details.service", has_text=CERTIFICATE).locator("li.document-cancelled")).to_have_count(2)
    check_accessibility(page)
    artifacts(page, "1-copy-answer")

    # A citizen's report becomes evidence beside the agency's answer.
    wait_until_feedback_knows(api, point_id)
    rated = api.post(
        "/api/feedback/v1/ratings",
        json={"service_point_id": point_id, "service_id": f"SC{run_id}CE", "score": 2, "asked_for_copy": True},
    )
    assert rated.status_code == 202, rated.text
    page.reload()
    expect(certificate.locator(".copy-evidence")).to_have_text("ผู้มาใช้บริการ 1 จาก 1 คนที่ตอบบอกว่าถูกเรียกสำเนา")
    expect(certificate.get_by_role("note")).to_contain_text("ยังมีผู้มาใช้บริการถูกเรียกสำเนา")
    expect(id_card.locator(".copy-evidence")).to_have_count(0)
    check_accessibility(page)
    artifacts(page, "2-copy-evidence")


def test_totals_are_real_and_more_results_load(
    api: httpx.Client, run_id: str, page: Page, artifacts, check_accessibility
) -> None:
    points = [
        {"id": f"PC{run_id}{n:02d}", "name_th": f"ศูนย์บริการ {run_id} แห่งที่ {n}", "service_ids": [f"SC{run_id}CE"]}
        for n in range(1, 56)
    ]
    import_catalogue(api, country(run_id, points))
    wait_until(
        "all 55 points are searchable",
        lambda: api.get("/api/pin/v1/service-points", params={"q": run_id, "limit": 1}).json()["total"] == 55,
    )

    page.goto(f"{GATEWAY}/")
    page.get_by_label("ชื่อหน่วยงาน บริการ หรือสถานที่").fill(run_id)
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    results = page.locator("ol.results li")
    expect(results).to_have_count(20)
    expect(page.get_by_role("status").first).to_have_text("พบ 55 แห่ง")
    expect(page.locator(".results-shown")).to_have_text("แสดง 20 จาก 55 แห่ง")
    check_accessibility(page)
    artifacts(page, "1-first-page")

    more = page.get_by_role("button", name="แสดงผลเพิ่ม")
    more.click()
    expect(results).to_have_count(40)
    expect(results.nth(20).get_by_role("link")).to_be_focused()  # carry on from the first new result
    more.click()
    expect(results).to_have_count(55)
    expect(more).to_be_hidden()
    expect(page.locator(".results-shown")).to_have_text("แสดง 55 จาก 55 แห่ง")
    ids = page.locator("ol.results li").evaluate_all("(items) => items.map((li) => li.dataset.pointId)")
    assert sorted(ids) == sorted(p["id"] for p in points), "every point once, none twice"
    check_accessibility(page)
    artifacts(page, "2-all-loaded")


def test_errors_are_in_thai_with_a_way_back_to_search(
    api: httpx.Client, run_id: str, page: Page, artifacts, check_accessibility
) -> None:
    page.goto(f"{GATEWAY}/points/NOPE{run_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("ไม่พบจุดให้บริการนี้")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("ลิงก์อาจไม่ถูกต้อง")
    expect(page.locator("main")).not_to_contain_text("No service point")
    expect(page.locator("main")).not_to_contain_text("(404)")
    check_accessibility(page)
    artifacts(page, "1-not-found")

    page.get_by_role("link", name="กลับไปหน้าค้นหา").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ค้นหาจุดให้บริการ")

    page.goto(f"{GATEWAY}/complaints/NOPE{run_id}")
    expect(page.get_by_role("alert")).to_contain_text("ไม่พบเรื่องร้องเรียนตามรหัสนี้")
    expect(page.get_by_role("link", name="กลับไปหน้าค้นหา")).to_be_visible()
    check_accessibility(page)
    artifacts(page, "2-complaint-not-found")
