"""The citizen journey in English: the language switch turns the whole page (and <html lang>) to
English, the choice survives a reload, and the English pages pass the same accessibility check."""

import random

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, pin_until_searchable, wait_until_feedback_knows

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_citizen_finds_and_rates_a_point_in_english(
    api: httpx.Client, run_id: str, context: BrowserContext, page: Page, artifacts, check_accessibility
) -> None:
    lat = round(13.70 + random.uniform(0, 0.1), 6)
    lon = round(100.45 + random.uniform(0, 0.1), 6)
    point_id = f"PE2E{run_id}EN"
    name_en = f"Test Office Near Home {run_id}"
    import_catalogue(
        api, catalogue(run_id, [{"id": point_id, "name_th": f"สำนักงานทดสอบ {run_id}", "name_en": name_en}])
    )
    pin_until_searchable(api, point_id, lat, lon)
    wait_until_feedback_knows(api, point_id)
    context.set_geolocation({"latitude": lat + 0.00027, "longitude": lon, "accuracy": 10})

    page.goto(f"{GATEWAY}/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a service point")
    expect(page.get_by_role("navigation")).to_contain_text("Track a complaint")
    expect(page.get_by_role("button", name="เปลี่ยนเป็นภาษาไทย")).to_have_text("ภาษาไทย")
    check_accessibility(page)
    artifacts(page, "1-search-en")

    page.get_by_role("button", name="Near me").click()
    first = page.locator("ol.results li").first.get_by_role("link")
    expect(first).to_contain_text(name_en)
    expect(first).to_contain_text("away")
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name_en)
    expect(page.get_by_role("link", name="Open in Google Maps")).to_be_visible()
    check_accessibility(page)
    artifacts(page, "2-point-en")

    # The choice is kept: a reload (or the next visit) stays in English.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(name_en)

    page.get_by_label("4 — satisfied").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Comment (optional, up to 1,000 characters)").fill(f"Quick service, no photocopies ({run_id})")
    page.get_by_role("button", name="Send rating").click()
    thanks = page.get_by_role("status").filter(has_text="Thank you for your rating")
    expect(thanks).to_contain_text("General rating (visit not verified)")
    check_accessibility(page)
    artifacts(page, "3-rated-en")

    stored = api.get(f"/api/feedback/v1/ratings/{thanks.get_attribute('data-rating-id')}")
    assert stored.status_code == 200, stored.text
    assert (stored.json()["score"], stored.json()["asked_for_copy"], stored.json()["verified"]) == (4, False, False)
