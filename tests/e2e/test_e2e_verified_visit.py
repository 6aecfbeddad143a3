"""A verified visit: staff read a citizen's ID card at the counter page (pcscd + vpcd + a virtual Thai ID
card, the real card agent connected through the gateway), the page shows the rating link it would put
in its QR code, and the citizen opens that link on their own device, rates, and the rating is verified.
"""

import os
import random
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from card_agent.virtual_card import ATR_FAMILY_3B79, CardProfile, VirtualCard
from citizeninfo_shared.privacy import citizen_id_is_valid
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    AXE_SCRIPT,
    GATEWAY,
    _local_only,
    catalogue,
    import_catalogue,
    wait_until,
    wait_until_feedback_knows,
)

# native_only: reads a card in the virtual reader (pcscd + vpcd), which only the native stack runs.
pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.native_only]

READER = "Virtual PCD 00 00"  # the reader VirtualCard() inserts into by default


def valid_citizen_id(rng: random.Random) -> str:
    while True:
        digits = "".join(rng.choice("0123456789") for _ in range(12))
        candidate = digits + str((11 - sum(int(d) * (13 - i) for i, d in enumerate(digits)) % 11) % 10)
        if candidate[0] != "0" and citizen_id_is_valid(candidate):
            return candidate


@pytest.fixture
def counter_agent(api: httpx.Client, run_id: str) -> Iterator[tuple[str, dict[str, str], str, str, str]]:
    """A point, a staff member of its department and a card agent on the counter PC, connected through
    the gateway: (point id, staff credentials, username, password, reader id)."""
    point_id, department_id = f"PE2E{run_id}V", f"DE2E{run_id}1"
    import_catalogue(api, catalogue(run_id, [{"id": point_id, "name_th": f"สำนักงานทดสอบบัตร {run_id}"}]))
    username, password = f"counter-{run_id.lower()}", f"pw-{run_id}-long-enough"
    created = api.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": department_id},
    )
    assert created.status_code == 201, created.text
    signed_in = httpx.post(f"{GATEWAY}/api/pin/v1/auth/token", data={"username": username, "password": password})
    staff = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}

    def register() -> httpx.Response | None:
        response = api.post("/api/card/v1/agents", json={"service_point_id": point_id, "name": "ช่อง 1"}, headers=staff)
        return response if response.status_code != 404 else None  # 404 until the catalogue event arrives

    registered = wait_until("card-gateway knows the point", register)
    assert registered.status_code == 201, registered.text
    agent_id = registered.json()["agent_id"]
    agent = subprocess.Popen(
        [sys.executable, "-m", "card_agent", "--gateway", GATEWAY],
        env={**os.environ, "CARD_AGENT_TOKEN": registered.json()["token"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def connected_reader() -> str | None:
            items = api.get("/api/card/v1/readers", params={"service_point_id": point_id}, headers=staff).json()
            for reader in items.get("items", []):
                if reader["agent_id"] == agent_id and reader["name"] == READER and reader["connected"]:
                    return reader["reader_id"]
            return None

        reader_id = wait_until("the agent's readers are connected", connected_reader)
        yield point_id, staff, username, password, reader_id
    finally:
        agent.kill()
        agent.wait(timeout=10)


def test_a_card_read_at_the_counter_makes_the_citizens_rating_verified(
    api: httpx.Client, run_id: str, browser: Browser, page: Page, artifacts, check_accessibility, counter_agent
) -> None:
    point_id, _staff, username, password, reader_id = counter_agent
    wait_until_feedback_knows(api, point_id)

    # The counter: staff sign in, open the counter page and wait for a card; the citizen inserts theirs.
    page.goto(f"{GATEWAY}/staff")
    page.get_by_label("ชื่อผู้ใช้").fill(username)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.locator(f'tr[data-point-id="{point_id}"]')).to_be_visible()
    page.goto(f"{GATEWAY}/staff/points/{point_id}/counter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("อ่านบัตรประชาชนที่เคาน์เตอร์")
    page.get_by_label("เครื่องอ่านบัตร").select_option(reader_id)
    page.get_by_label("Purpose / วัตถุประสงค์").select_option("verified_visit")
    citizen_id = valid_citizen_id(random.Random(run_id))
    with VirtualCard(CardProfile(citizen_id=citizen_id, atr=ATR_FAMILY_3B79)):
        page.get_by_role("button", name="รออ่านบัตร").click()
        expect(page.get_by_role("status").filter(has_text="อ่านบัตรแล้ว")).to_be_visible(timeout=20_000)
    visit_link = page.locator("a.visit-link")
    expect(visit_link).to_be_visible()
    expect(page.get_by_role("img", name="ลิงก์ให้คะแนนสำหรับผู้มาใช้บริการ")).to_be_visible()
    assert citizen_id not in page.content(), "the counter never shows the full citizen id for a visit"
    check_accessibility(page)
    artifacts(page, "1-counter")
    link = visit_link.get_attribute("href")
    assert link and link.startswith(f"{GATEWAY}/points/{point_id}?visit_token=")

    # The citizen scans the QR code on their own phone: a new browser, nobody signed in.
    phone = browser.new_context(locale="th-TH", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.route("**/*", _local_only)
    phone.add_init_script(path=str(AXE_SCRIPT))
    try:
        citizen = phone.new_page()
        citizen.goto(link)
        expect(citizen.get_by_text("คุณมาใช้บริการที่นี่จริง ความเห็นของคุณจะแสดงว่ายืนยันแล้ว")).to_be_visible()
        check_accessibility(citizen)
        citizen.get_by_label("5 — พอใจมาก").check()
        citizen.get_by_label("ไม่ถูกเรียก").check()
        citizen.get_by_role("button", name="ส่งความเห็น").click()
        thanks = citizen.get_by_role("status").filter(has_text="ขอบคุณสำหรับความเห็น")
        expect(thanks).to_contain_text("ยืนยันการมาใช้บริการแล้ว")
        artifacts(citizen, "2-verified-rating")
        rating_id = thanks.get_attribute("data-rating-id")

        # The same link a second time: the token is spent (409), and the page says so instead of thanking.
        again = phone.new_page()
        again.goto(link)
        again.get_by_label("4 — พอใจ").check()
        again.get_by_role("button", name="ส่งความเห็น").click()
        expect(again.get_by_role("alert")).to_have_text("ลิงก์นี้ถูกใช้ให้คะแนนไปแล้ว")
        artifacts(again, "3-token-spent")
    finally:
        phone.close()

    stored = api.get(f"/api/feedback/v1/ratings/{rating_id}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["verified"] is True
    assert stored.json()["score"] == 5
    assert stored.json()["service_point_id"] == point_id
