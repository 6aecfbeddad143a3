"""A citizen finds the nearest service point with "near me" (ใกล้ฉัน) and rates it, in Thai."""

import random

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, pin_until_searchable, wait_until_feedback_knows

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_citizen_finds_the_nearest_point_and_rates_it(
    api: httpx.Client, run_id: str, context: BrowserContext, page: Page, artifacts, check_accessibility
) -> None:
    # A point somewhere in Bangkok at a spot of its own, and the citizen standing 30 m from it.
    lat = round(13.70 + random.uniform(0, 0.1), 6)
    lon = round(100.45 + random.uniform(0, 0.1), 6)
    point_id = f"PE2E{run_id}"
    name = f"สำนักงานทดสอบใกล้บ้าน {run_id}"
    import_catalogue(api, catalogue(run_id, [{"id": point_id, "name_th": name}]))
    pin_until_searchable(api, point_id, lat, lon)
    wait_until_feedback_knows(api, point_id)
    context.set_geolocation({"latitude": lat + 0.00027, "longitude": lon, "accuracy": 10})

    page.goto(f"{GATEWAY}/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_role("heading", level=1)).to_have_text("ค้นหาจุดให้บริการ")
    check_accessibility(page)
    page.get_by_role("button", name="ใกล้ฉัน").click()
    first = page.locator("ol.results li").first.get_by_role("link")
    expect(first).to_contain_text(name)
    expect(first).to_contain_text("ห่าง")
    artifacts(page, "1-nearby")

    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("link", name="เปิดใน Google Maps")).to_have_attribute(
        "href", f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f}%2C{lon:.6f}"
    )
    page.get_by_text("ขอหนังสือรับรอง").first.click()  # the service's steps and documents open
    expect(page.get_by_text("สำเนาทะเบียนบ้าน").first).to_be_visible()
    check_accessibility(page)
    artifacts(page, "2-point")

    page.get_by_label("4 — พอใจ").check()
    page.get_by_label("ไม่ถูกเรียก").check()
    page.get_by_label("ความเห็น (ไม่บังคับ ไม่เกิน 1,000 ตัวอักษร)").fill(f"บริการรวดเร็ว ไม่ต้องใช้สำเนา ({run_id})")
    page.get_by_role("button", name="ส่งความเห็น").click()
    thanks = page.get_by_role("status").filter(has_text="ขอบคุณสำหรับความเห็น")
    expect(thanks).to_be_visible()
    expect(thanks).to_contain_text("ความเห็นทั่วไป")  # no visit token: not verified
    artifacts(page, "3-rated")

    rating_id = thanks.get_attribute("data-rating-id")
    stored = api.get(f"/api/feedback/v1/ratings/{rating_id}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["score"] == 4
    assert stored.json()["asked_for_copy"] is False
    assert stored.json()["service_point_id"] == point_id
