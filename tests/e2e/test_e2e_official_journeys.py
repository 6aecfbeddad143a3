"""Issue 23, the officials' part: an official reads tables with names and shares, sorts them, follows
breadcrumbs down to a department's points and back up, sees the satisfaction ranking with its caveats,
downloads the CSV people read (UTF-8 BOM, Thai headings) and the reconciliation list (department and
province), and meets errors in Thai with a way on."""

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import GATEWAY, import_catalogue, wait_until, wait_until_feedback_knows

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

STATS = "/api/stats/v1"
BOM = b"\xef\xbb\xbf"
# Province codes whose order differs from their names' order (in any collation): 10 กรุงเทพมหานคร,
# 12 นนทบุรี, 40 ขอนแก่น; by name: กรุงเทพมหานคร, ขอนแก่น, นนทบุรี.
PROVINCES = ("12", "40", "10", "10")
BY_NAME = ["กรุงเทพมหานคร", "ขอนแก่น", "นนทบุรี"]


def _lines(run_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    ministry, service = f"ME2E{run_id}", f"SE2E{run_id}"
    departments = [f"DE2E{run_id}1", f"DE2E{run_id}2"]
    points = [f"PE2E{run_id}J{n}" for n in range(len(PROVINCES))]
    lines: list[dict[str, Any]] = [
        {"kind": "ministry", "id": ministry, "name_th": f"กระทรวงทดสอบ {run_id}", "name_en": f"Test Ministry {run_id}"},
        *(
            {"kind": "department", "id": d, "ministry_id": ministry, "name_th": f"กรมทดสอบ {run_id} {n}"}
            for n, d in enumerate(departments, start=1)
        ),
        {
            "kind": "service",
            "id": service,
            "department_id": departments[0],
            "name_th": "ขอหนังสือรับรอง",
            "documents": [
                {"name_th": "สำเนาบัตรประจำตัวประชาชน", "kind": "id_card_copy", "copies": 1},
                {"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1},
            ],
        },
    ]
    for point, province in zip(points, PROVINCES, strict=True):
        lines.append(
            {
                "kind": "service_point",
                "id": point,
                "department_id": departments[0],
                "name_th": f"จุดบริการ {run_id} {point[-1]}",
                "province_code": province,
                "address_th": "ที่อยู่ทดสอบ",
                "service_ids": [service],
            }
        )
    return lines, {"ministry": ministry, "departments": departments, "points": points, "service": service}


@pytest.fixture
def ministry(api: httpx.Client, run_id: str) -> dict[str, Any]:
    """A ministry of two departments; the first has 4 points in 3 provinces, one of them pinned."""
    lines, ids = _lines(run_id)
    import_catalogue(api, lines)
    pinned = ids["points"][2]
    wait_until(
        "pin-service knows the point",
        lambda: (
            api.post(f"/api/pin/v1/service-points/{pinned}/pins", json={"lat": 13.75, "lon": 100.5}).status_code == 201
        ),
    )
    table = f"{STATS}/ministries/{ids['ministry']}/departments"

    def counted() -> bool:
        response = api.get(table)
        return (
            response.status_code == 200
            and response.json()["total"]["pinned"] == 1
            and (response.json()["total"]["service_points"] == 4)
        )

    wait_until("stats counts the ministry's points and the pin", counted)
    return ids


def _row_names(table: Locator) -> list[str]:
    return [name.strip() for name in table.locator("tbody tr th").all_inner_texts()]


def _download(page: Page, link: Locator) -> bytes:
    with page.expect_download() as download:
        link.click()
    return Path(download.value.path()).read_bytes()


def test_official_reads_names_and_shares_sorts_and_follows_breadcrumbs(
    ministry: dict[str, Any], page: Page, artifacts, check_accessibility
) -> None:
    department = ministry["departments"][0]
    page.goto(f"{GATEWAY}/official/ministries/{ministry['ministry']}")
    progress = page.locator("section[aria-labelledby=progress-heading] table.progress")
    row = progress.locator(f'tr[data-row-id="{department}"]')
    expect(row.locator('[data-col="service_points"]')).to_have_text("4")
    # Shares beside the counts: 1 of 4 pinned.
    expect(row.locator('[data-col="pinned_share"]')).to_have_text("25.0%")
    expect(progress.locator('tfoot [data-col="surveyed_share"]')).to_have_text("0.0%")

    # Provinces by name, not code; sorted by name with the mouse, then backwards with the keyboard.
    provinces = page.locator("section[aria-labelledby=provinces-heading] table")
    expect(provinces.locator("tbody tr")).to_have_count(3)
    assert sorted(_row_names(provinces)) == sorted(BY_NAME), _row_names(provinces)
    name_heading = provinces.locator('thead th[data-col="name"]')
    name_heading.get_by_role("button").click()
    expect(name_heading).to_have_attribute("aria-sort", "ascending")
    assert _row_names(provinces) == BY_NAME
    name_heading.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(name_heading).to_have_attribute("aria-sort", "descending")
    assert _row_names(provinces) == BY_NAME[::-1]
    bangkok = provinces.locator('tr[data-row-id="10"]')
    expect(bangkok.locator('[data-col="service_points"]')).to_have_text("2")
    expect(bangkok.locator('[data-col="pinned_share"]')).to_have_text("50.0%")
    check_accessibility(page)
    artifacts(page, "1-ministry-sorted-provinces")

    # Down: ministry → department → its points, in words; the breadcrumbs lead back up.
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{GATEWAY}/official/ministries/{ministry['ministry']}/departments/{department}")
    crumbs = page.get_by_role("navigation", name="ตำแหน่งของหน้านี้")
    expect(crumbs.locator('[aria-current="page"]')).to_have_text(f"กรมทดสอบ {department[4:-1]} 1")
    points = page.locator("#drilldown table.points")
    pinned_row = points.locator(f'tr[data-row-id="{ministry["points"][2]}"]')
    expect(pinned_row.locator('[data-col="pinned"]')).to_contain_text("ปักหมุดแล้ว")
    expect(pinned_row.locator('[data-col="province"]')).to_have_text("กรุงเทพมหานคร")
    other = points.locator(f'tr[data-row-id="{ministry["points"][0]}"]')
    expect(other.locator('[data-col="pinned"]')).to_contain_text("ยังไม่ปักหมุด")
    expect(other.locator('[data-col="copy_status"]')).to_have_text("ยังไม่ตอบแบบสำรวจ")
    expect(points.locator('td[data-col="pinned"]', has_text="1")).to_have_count(0)  # no 0/1 cells
    check_accessibility(page)
    artifacts(page, "2-department-points")

    crumbs.get_by_role("link", name=f"กระทรวงทดสอบ {department[4:-1]}").click()
    expect(page).to_have_url(f"{GATEWAY}/official/ministries/{ministry['ministry']}")
    expect(page.locator(f'table.progress tr[data-row-id="{department}"]')).to_be_visible()
    page.get_by_role("navigation", name="ตำแหน่งของหน้านี้").get_by_role("link", name="ทั้งประเทศ").click()
    expect(page).to_have_url(f"{GATEWAY}/official")
    expect(page.locator(f'table.progress tr[data-row-id="{ministry["ministry"]}"]')).to_be_visible()
    artifacts(page, "3-back-to-the-nation")


def test_official_downloads_the_table_people_read(
    ministry: dict[str, Any], page: Page, artifacts, check_accessibility
) -> None:
    page.goto(f"{GATEWAY}/official/ministries/{ministry['ministry']}")
    section = page.locator("section[aria-labelledby=progress-heading]")
    expect(section.locator("table.progress")).to_be_visible()
    content = _download(page, section.get_by_role("link", name="ดาวน์โหลด CSV", exact=True))
    assert content.startswith(BOM), content[:16]
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["รหัสหน่วยงาน", "ชื่อ", "จำนวนจุดบริการ"], lines[0]
    assert "ร้อยละที่ปักหมุดแล้ว" in lines[0]
    first = next(line for line in lines if line[0] == ministry["departments"][0])
    assert first[2] == "4" and first[lines[0].index("ร้อยละที่ปักหมุดแล้ว")] == "25.0"
    assert lines[-1][:2] == ["รวมทั้งสิ้น", "รวมทั้งสิ้น"]
    # The contract's machine-readable CSV is still there, with its field names and no BOM.
    machine = _download(page, section.get_by_role("link", name="CSV สำหรับโปรแกรม (ชื่อฟิลด์)"))
    assert machine.decode().splitlines()[0].startswith("department_id,name_th,service_points")
    check_accessibility(page)
    artifacts(page, "1-downloads")


def test_official_sees_the_ranking_and_downloads_the_reconciliation_list(
    api: httpx.Client, ministry: dict[str, Any], page: Page, artifacts, check_accessibility
) -> None:
    department, point = ministry["departments"][0], ministry["points"][2]
    survey = {
        "mou_with_dopa": True,
        "card_readers": 1,
        "services": [
            {"service_id": ministry["service"], "id_card_copy": "cancelled", "house_registration_copy": "cancelled"}
        ],
        "obstacles": [],
    }
    wait_until(
        "nocopy-service takes the survey",
        lambda: api.put(f"/api/nocopy/v1/service-points/{point}/readiness", json=survey).status_code == 200,
    )
    wait_until_feedback_knows(api, point)
    for score in (2, 3, 4):
        rated = api.post(
            "/api/feedback/v1/ratings", json={"service_point_id": point, "score": score, "asked_for_copy": True}
        )
        assert rated.status_code == 202, rated.text

    def reconciled() -> bool:
        items = api.get(f"{STATS}/reconciliation", params={"ministry_id": ministry["ministry"]}).json()["items"]
        ranked = api.get(f"{STATS}/satisfaction/departments", params={"ministry_id": ministry["ministry"]}).json()
        return any(i["service_point_id"] == point for i in items) and any(
            i["unit_id"] == department and i["ratings"] == 3 for i in ranked["items"]
        )

    wait_until("stats reconciles the point and ranks the department", reconciled)

    page.goto(f"{GATEWAY}/official/ministries/{ministry['ministry']}")
    ranking = page.locator("section[aria-labelledby=ranking-heading]")
    ranked = ranking.locator(f'tr[data-row-id="{department}"]')
    expect(ranked.locator('th[data-col="name"]')).to_have_text(f"กรมทดสอบ {department[4:-1]} 1")
    expect(ranked.locator('[data-col="ratings"]')).to_have_text("3")
    expect(ranked.locator('[data-col="rank"]')).to_have_text("–")
    expect(ranked.locator('[data-col="fair"]')).to_contain_text("น้อยเกินไปที่จะสรุป")
    expect(ranking.locator(".caveat")).to_contain_text("ไม่ได้รับอันดับ")
    expect(page.locator("section[aria-labelledby=satisfaction-heading]")).to_contain_text("ไม่ได้ลากเส้นเชื่อมข้าม")

    reconciliation = page.locator("section[aria-labelledby=reconciliation-heading]")
    listed = reconciliation.locator(f'tr[data-row-id="{point}"]')
    expect(listed.locator('[data-col="department"]')).to_have_text(f"กรมทดสอบ {department[4:-1]} 1")
    expect(listed.locator('[data-col="province"]')).to_have_text("กรุงเทพมหานคร")
    check_accessibility(page)
    artifacts(page, "1-ranking-and-reconciliation")

    content = _download(page, reconciliation.get_by_role("link", name="ดาวน์โหลด CSV", exact=True))
    assert content.startswith(BOM)
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["รหัสจุดให้บริการ", "ชื่อ", "หน่วยงาน", "จังหวัด"], lines[0]
    line = next(line for line in lines if line[0] == point)
    assert line[2:4] == [f"กรมทดสอบ {department[4:-1]} 1", "กรุงเทพมหานคร"]
    assert line[4] == "3"


def test_official_errors_are_in_thai_with_a_way_on(page: Page, run_id: str, artifacts, check_accessibility) -> None:
    page.goto(f"{GATEWAY}/official/ministries/MNONE{run_id}")
    alert = page.locator("section[aria-labelledby=progress-heading] [role=alert]")
    expect(alert).to_contain_text("ไม่พบหน่วยงานตามรหัสนี้")
    expect(alert).not_to_contain_text("No ministry")  # never the service's raw English text
    expect(alert.get_by_role("button", name="ลองใหม่")).to_be_visible()
    check_accessibility(page)
    artifacts(page, "1-not-found")
    alert.get_by_role("link", name="กลับไปภาพรวมทั้งประเทศ").click()
    expect(page).to_have_url(f"{GATEWAY}/official")
    expect(page.locator("section[aria-labelledby=progress-heading] table.progress")).to_be_visible()
