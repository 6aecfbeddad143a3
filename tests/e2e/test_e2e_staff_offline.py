"""Issue 22, agency staff in the field on a phone (390×844) with weak signal: the staff pages open without
signal once visited (the service worker's app shell), a pin and a readiness survey made offline wait in a
visible queue and arrive exactly once when the phone is back online, and a pin made offline on a point
that someone else re-pinned meanwhile is shown as a conflict (both pins) instead of overwriting it."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests import targets
from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, new_context, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}
# Phra Nakhon, Bangkok: the district of the test points.
FIELD = (13.752512, 100.494012)
ELSEWHERE = (13.756300, 100.501800)
# The machine may be busy (other journeys, projections): generous waits, never sleeps.
SLOW = 30_000

# Whether the page's IndexedDB copy of a point exists (never creates the database: idb-keyval makes its
# store only when it creates the database itself).
KEPT_POINT = """async (id) => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes('citizeninfo-points')) return false;
  return await new Promise((resolve) => {
    const opened = indexedDB.open('citizeninfo-points');
    opened.onerror = () => resolve(false);
    opened.onsuccess = () => {
      const db = opened.result;
      if (!db.objectStoreNames.contains('points')) { db.close(); return resolve(false); }
      const read = db.transaction('points').objectStore('points').get(id);
      read.onsuccess = () => { db.close(); resolve(Boolean(read.result)); };
      read.onerror = () => { db.close(); resolve(false); };
    };
  });
}"""


@dataclass(frozen=True)
class FieldTeam:
    department_id: str
    username: str
    password: str
    points: tuple[str, ...]


@pytest.fixture(scope="module")
def team(api: httpx.Client) -> FieldTeam:
    run_id = uuid.uuid4().hex[:8].upper()
    ids = tuple(f"PE2E{run_id}F{n}" for n in range(1, 4))
    import_catalogue(api, catalogue(run_id, [{"id": i, "name_th": f"ที่ว่าการภาคสนาม {run_id} {i[-1]}"} for i in ids]))
    department_id = f"DE2E{run_id}1"
    username, password = f"field-{run_id.lower()}", f"pw-{run_id}-long-enough"
    created = api.post(
        "/api/pin/v1/users",
        json={"username": username, "password": password, "role": "agency_staff", "department_id": department_id},
    )
    assert created.status_code == 201, created.text

    def survey_rows() -> int:
        listing = api.get(f"/api/nocopy/v1/departments/{department_id}/readiness", params={"limit": 100})
        return len(listing.json().get("items", [])) if listing.status_code == 200 else 0

    wait_until("nocopy-service knows the department's points", lambda: survey_rows() == len(ids), seconds=60)
    return FieldTeam(department_id, username, password, ids)


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    created = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield created
    created.close()


@pytest.fixture
def field_page(phone: BrowserContext) -> Iterator[Page]:
    opened = phone.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"uncaught errors in the page: {errors}"


def sign_in_with_the_list(page: Page, team: FieldTeam) -> None:
    """Signs in on /staff with signal; the list keeps its points on the phone and the worker installs."""
    page.goto(f"{GATEWAY}/staff")
    page.get_by_label("ชื่อผู้ใช้").fill(team.username)
    page.get_by_label("รหัสผ่าน").fill(team.password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    for point_id in team.points:
        expect(page.locator(f'tr[data-point-id="{point_id}"]')).to_be_visible(timeout=SLOW)
    assert page.evaluate("() => navigator.serviceWorker.ready.then((r) => Boolean(r.active))")
    for point_id in team.points:
        wait_until(f"{point_id} kept on the phone", lambda p=point_id: page.evaluate(KEPT_POINT, p), seconds=60)


def pin_offline(page: Page, point_id: str, at: tuple[float, float]) -> None:
    page.locator(f'tr[data-point-id="{point_id}"]').get_by_role("link", name="ปักหมุด").click()
    expect(page.locator(".kept-point")).to_be_visible(timeout=SLOW)  # shown from what the phone kept
    page.get_by_label("ละติจูด").fill(str(at[0]))
    page.get_by_label("ลองจิจูด").fill(str(at[1]))
    page.get_by_role("button", name="บันทึกหมุด").click()
    expect(page.locator(".pin-form .message")).to_contain_text("บันทึกไว้ในเครื่องนี้แล้ว", timeout=SLOW)
    expect(page.locator(f'.queue-item[data-kind="pin"][data-point-id="{point_id}"]')).to_have_attribute(
        "data-state", "waiting"
    )


def pins_of(api: httpx.Client, point_id: str) -> list[dict]:
    response = api.get(f"/api/pin/v1/service-points/{point_id}/pins")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def surveys_of(api: httpx.Client, point_id: str) -> list[dict]:
    response = api.get(f"/api/nocopy/v1/service-points/{point_id}/readiness/history")
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_pin_and_a_survey_made_offline_arrive_exactly_once(
    field_page: Page,
    phone: BrowserContext,
    team: FieldTeam,
    api: httpx.Client,
    artifacts: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], None],
) -> None:
    page, point_id = field_page, team.points[0]
    sign_in_with_the_list(page, team)
    phone.set_offline(True)
    pin_offline(page, point_id, FIELD)
    # The survey page opens without signal too: the worker's shell, the point as kept.
    page.goto(f"{GATEWAY}/staff/points/{point_id}/survey")
    expect(page.locator(".kept-point")).to_be_visible(timeout=SLOW)
    page.get_by_label("มีบันทึกข้อตกลง (MOU) กับกรมการปกครองแล้ว").check()
    page.get_by_label("จำนวนเครื่องอ่านบัตร").fill("2")
    page.get_by_role("button", name="ส่งแบบสำรวจ").click()
    expect(page.locator(".survey-form .message")).to_contain_text("บันทึกไว้ในเครื่องนี้แล้ว")
    queue = page.locator(".offline-queue")
    expect(queue.locator(".queue-item")).to_have_count(2)
    expect(queue.locator('.queue-item[data-kind="survey"]')).to_contain_text("แบบสำรวจความพร้อม")
    expect(queue.locator(".queue-connection")).to_contain_text("ไม่มีสัญญาณ")
    check_accessibility(page)
    artifacts(page, "1-queued-offline")

    # Reloaded without signal, the staff page's shell still opens, with what waits.
    page.goto(f"{GATEWAY}/staff")
    page.reload()
    expect(page.get_by_role("heading", name="จุดให้บริการของหน่วยงาน")).to_be_visible()
    expect(page.locator(".offline-queue .queue-item")).to_have_count(2)
    expect(page.locator(".offline-queue .queue-item").first).to_contain_text("รอส่ง")
    artifacts(page, "2-reloaded-offline")
    assert pins_of(api, point_id) == [] and surveys_of(api, point_id) == []

    phone.set_offline(False)  # the `online` event sends both
    expect(page.locator(".offline-queue .queue-item")).to_have_count(0, timeout=SLOW)
    expect(page.locator(".offline-queue .queue-empty")).to_contain_text("ส่งครบแล้ว")
    artifacts(page, "3-sent-online")
    check_accessibility(page)

    [pin] = pins_of(api, point_id)
    assert (pin["lat"], pin["lon"], pin["pinned_by"]) == (FIELD[0], FIELD[1], team.username)
    [survey] = surveys_of(api, point_id)
    assert survey["mou_with_dopa"] is True and survey["card_readers"] == 2
    # A later visit (and its background retry) sends nothing again.
    page.goto(f"{GATEWAY}/staff")
    expect(page.locator(f'tr[data-point-id="{point_id}"]')).to_contain_text("ปักหมุดแล้ว", timeout=SLOW)
    assert len(pins_of(api, point_id)) == 1 and len(surveys_of(api, point_id)) == 1


def test_a_pin_made_offline_on_a_point_re_pinned_meanwhile_is_a_conflict_not_an_overwrite(
    field_page: Page,
    phone: BrowserContext,
    team: FieldTeam,
    api: httpx.Client,
    artifacts: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], None],
) -> None:
    page, point_id = field_page, team.points[1]
    sign_in_with_the_list(page, team)
    phone.set_offline(True)
    pin_offline(page, point_id, FIELD)
    # Someone else, with signal, pins the point meanwhile.
    other = api.post(f"/api/pin/v1/service-points/{point_id}/pins", json={"lat": ELSEWHERE[0], "lon": ELSEWHERE[1]})
    assert other.status_code == 201, other.text
    admin_user, _ = targets.admin_credentials()

    phone.set_offline(False)
    conflict = page.locator(f'.queue-item[data-point-id="{point_id}"][data-state="conflict"]')
    expect(conflict).to_be_visible(timeout=SLOW)
    expect(conflict).to_contain_text("มีผู้อื่นปักหมุดจุดนี้ใหม่ระหว่างนั้น")
    expect(conflict.locator(".queue-pin-mine")).to_contain_text(f"{FIELD[0]:.6f}, {FIELD[1]:.6f}")
    expect(conflict.locator(".queue-pin-seen")).to_contain_text("ยังไม่มีหมุด")
    expect(conflict.locator(".queue-pin-current")).to_contain_text(f"{ELSEWHERE[0]:.6f}, {ELSEWHERE[1]:.6f}")
    expect(conflict.locator(".queue-pin-current")).to_contain_text(admin_user)
    # The pin page, still open, says so too instead of "kept on this phone".
    expect(page.locator(".pin-form .message")).to_contain_text("มีผู้อื่นปักหมุดจุดนี้ใหม่")
    check_accessibility(page)
    artifacts(page, "1-conflict")
    [kept] = pins_of(api, point_id)  # not overwritten
    assert kept["pin_id"] == other.json()["pin_id"]

    # The staff member, having compared both, sends theirs anyway: stored once, the newest pin.
    conflict.get_by_role("button", name="ส่งหมุดของฉันแทนหมุดปัจจุบัน").click()
    expect(page.locator(".offline-queue .queue-item")).to_have_count(0, timeout=SLOW)
    artifacts(page, "2-sent-anyway")
    pins = pins_of(api, point_id)
    assert [(p["lat"], p["lon"]) for p in pins] == [ELSEWHERE, FIELD]
    assert pins[-1]["pinned_by"] == team.username


def test_a_conflicting_pin_can_be_discarded(
    field_page: Page, phone: BrowserContext, team: FieldTeam, api: httpx.Client
) -> None:
    page, point_id = field_page, team.points[2]
    sign_in_with_the_list(page, team)
    phone.set_offline(True)
    pin_offline(page, point_id, FIELD)
    assert (
        api.post(
            f"/api/pin/v1/service-points/{point_id}/pins", json={"lat": ELSEWHERE[0], "lon": ELSEWHERE[1]}
        ).status_code
        == 201
    )
    phone.set_offline(False)
    conflict = page.locator(f'.queue-item[data-point-id="{point_id}"][data-state="conflict"]')
    expect(conflict).to_be_visible(timeout=SLOW)
    conflict.get_by_role("button", name="ทิ้งรายการนี้").click()
    expect(page.locator(".offline-queue .queue-item")).to_have_count(0)
    assert [(p["lat"], p["lon"]) for p in pins_of(api, point_id)] == [ELSEWHERE]
