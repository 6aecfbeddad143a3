"""An official opens a ministry's progress table (seed 004's columns), drills down to a department's
points, and sees the table change after a point is pinned."""

import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

# The contract's "a change shows in stats within 5 s", plus the page's own reload.
STATS_VISIBLE_SECONDS = 5


def test_official_sees_the_table_change(
    api: httpx.Client, run_id: str, page: Page, artifacts, check_accessibility
) -> None:
    ministry_id, department_id = f"ME2E{run_id}", f"DE2E{run_id}1"
    points = [{"id": f"PE2E{run_id}O{n}", "name_th": f"จุดบริการทดสอบ {run_id} {n}"} for n in (1, 2, 3)]
    import_catalogue(api, catalogue(run_id, points, departments=2))
    table_url = f"/api/stats/v1/ministries/{ministry_id}/departments"
    wait_until(
        "stats has the new ministry's points",
        lambda: api.get(table_url).status_code == 200 and api.get(table_url).json()["total"]["service_points"] == 3,
    )

    page.goto(f"{GATEWAY}/official/ministries/{ministry_id}")
    table = page.locator("table.progress").first  # the department table (the province table is below it)
    row = table.locator(f'tr[data-row-id="{department_id}"]')
    expect(row.locator('[data-col="service_points"]')).to_have_text("3")
    expect(row.locator('[data-col="pinned"]')).to_have_text("0")
    expect(table.locator('tfoot [data-col="not_pinned"]')).to_have_text("3")
    check_accessibility(page)
    artifacts(page, "1-table")

    # The contract's machine-readable CSV (field names); the CSV people read is in test_e2e_official_journeys.
    csv_link = page.get_by_role("link", name="CSV สำหรับโปรแกรม (ชื่อฟิลด์)").first.get_attribute("href")
    csv = page.request.get(f"{GATEWAY}{csv_link}")
    assert csv.status == 200
    assert csv.text().splitlines()[0].startswith("department_id")

    pinned = api.post(f"/api/pin/v1/service-points/{points[0]['id']}/pins", json={"lat": 13.75, "lon": 100.5})
    assert pinned.status_code == 201, pinned.text
    accepted = time.monotonic()
    while True:
        page.reload()
        cell = row.locator('[data-col="pinned"]')
        expect(cell).to_be_visible()
        if cell.inner_text() == "1":
            break
        assert time.monotonic() - accepted < STATS_VISIBLE_SECONDS, "the pin did not show in the table within 5 s"
        time.sleep(0.5)
    expect(row.locator('[data-col="not_pinned"]')).to_have_text("2")
    artifacts(page, "2-table-changed")

    row.get_by_role("link").click()  # drill down: the department's page with its points, in words
    point_row = page.locator(f'#drilldown tr[data-row-id="{points[0]["id"]}"]')
    expect(point_row.locator('[data-col="pinned"]')).to_contain_text("ปักหมุดแล้ว")
    check_accessibility(page)
    artifacts(page, "3-drilldown")
