"""End-to-end fixtures: Debian's chromium driven by Playwright through the running gateway (`make up`).

No browser is downloaded (executable_path); the page may reach only the gateway on 127.0.0.1, so a tile
server or any other host is blocked and the pages must work without them. Screenshots go to
.run/e2e-artifacts/ (git-ignored); axe-core comes from the web client's npm packages.
"""

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
from tenacity import retry, retry_if_exception, stop_after_delay, wait_fixed

from tests import targets

REPO = Path(__file__).resolve().parents[2]
GATEWAY = f"http://127.0.0.1:{os.environ.get('CITIZENINFO_GATEWAY_PORT', '8080')}"
CHROMIUM = Path(os.environ.get("CITIZENINFO_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / ".run" / "e2e-artifacts"
# The runtime config the repository ships (tile server, attribution, map centre): `make up` rewrites the
# served copy from CITIZENINFO_TILE_URL, and a machine's setting must not change the journeys' outcome.
SHIPPED_CONFIG = REPO / "web" / "public" / "config.json"
BLOCKING_IMPACTS = ("serious", "critical")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the web client in headless chromium through the gateway")


def _unavailable(error: BaseException) -> bool:
    return isinstance(error, httpx.HTTPStatusError) and error.response.status_code == 503


@pytest.fixture(scope="session")
@retry(retry=retry_if_exception(_unavailable), stop=stop_after_delay(30), wait=wait_fixed(1), reraise=True)
def admin_token() -> str:
    # A 503 (database restarting, Retry-After) is waited out; anything else fails at once.
    user, password = targets.admin_credentials()  # .run/secrets.json natively, .env in compose
    response = httpx.post(
        f"{GATEWAY}/api/pin/v1/auth/token",
        data={"username": user, "password": password},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def api(admin_token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=GATEWAY, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30) as client:
        yield client


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8].upper()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: make up installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def _local_only(route: Route) -> None:
    if route.request.url.startswith(GATEWAY):
        route.continue_()
    else:
        route.abort()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A Thai browser context that reaches only the gateway, with the shipped config and axe-core."""
    created = browser.new_context(locale="th-TH", permissions=["geolocation"], **options)
    created.route("**/*", _local_only)
    # Registered last, so it is asked first (Playwright runs matching routes newest first).
    created.route(f"{GATEWAY}/config.json", lambda route: route.fulfill(path=str(SHIPPED_CONFIG)))
    # Injected by the browser itself, so the page's CSP (script-src 'self') stays on and is exercised.
    created.add_init_script(path=str(AXE_SCRIPT))
    return created


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    created = new_context(browser, viewport={"width": 1280, "height": 900})
    yield created
    created.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def save(page: Page, name: str) -> Path:
        target = folder / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return save


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2 A/AA violations on the page as it is now."""
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


@pytest.fixture
def check_accessibility() -> Callable[[Page], None]:
    def check(page: Page) -> None:
        violations = axe_violations(page)
        assert violations == [], f"accessibility violations on {page.url}: {violations}"

    return check


# ------------------------------------------------------------------------------------ test data
def catalogue(run_id: str, points: list[dict[str, Any]], departments: int = 1) -> list[dict[str, Any]]:
    """One ministry, its departments, one service with copy documents, and the given points."""
    ministry = f"ME2E{run_id}"
    lines: list[dict[str, Any]] = [
        {"kind": "ministry", "id": ministry, "name_th": f"กระทรวงทดสอบ {run_id}", "name_en": f"Test Ministry {run_id}"}
    ]
    for number in range(1, departments + 1):
        lines.append(
            {
                "kind": "department",
                "id": f"DE2E{run_id}{number}",
                "ministry_id": ministry,
                "name_th": f"กรมทดสอบ {run_id} {number}",
            }
        )
    lines.append(
        {
            "kind": "service",
            "id": f"SE2E{run_id}",
            "department_id": f"DE2E{run_id}1",
            "name_th": "ขอหนังสือรับรอง",
            "name_en": "Certificate request",
            "steps": ["ยื่นคำขอ", "รับหนังสือรับรอง"],
            "documents": [
                {"name_th": "สำเนาบัตรประจำตัวประชาชน", "kind": "id_card_copy", "copies": 1},
                {"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1},
            ],
        }
    )
    for point in points:
        lines.append(
            {
                "kind": "service_point",
                "department_id": f"DE2E{run_id}1",
                "province_code": "10",
                "district_code": "1001",
                "address_th": "ถนนทดสอบ เขตพระนคร กรุงเทพมหานคร",
                "service_ids": [f"SE2E{run_id}"],
                **point,
            }
        )
    return lines


def import_catalogue(api: httpx.Client, lines: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    response = api.post(
        "/api/pin/v1/catalogue:import", content=body.encode(), headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == [], response.json()


def wait_until(what: str, probe: Callable[[], Any], seconds: float = 30, interval: float = 0.25) -> Any:
    """Set-up waits for asynchronous projections (events → other services); not a performance check."""
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what}: not true after {seconds:.0f}s (last: {last!r})")


def pin_until_searchable(api: httpx.Client, point_id: str, lat: float, lon: float) -> None:
    """Pins the point and waits until nearby search finds it."""
    pinned = api.post(f"/api/pin/v1/service-points/{point_id}/pins", json={"lat": lat, "lon": lon, "accuracy_m": 5})
    assert pinned.status_code == 201, pinned.text

    def found_nearby() -> bool:
        params = {"lat": lat, "lon": lon, "radius_m": 200, "limit": 5}
        items = api.get("/api/pin/v1/service-points/nearby", params=params).json().get("items", [])
        return any(item.get("id") == point_id for item in items)

    wait_until("the pinned point is searchable nearby", found_nearby)


def wait_until_feedback_knows(api: httpx.Client, point_id: str) -> None:
    """feedback-service learns the catalogue from events. A rating with a bad visit token is refused
    after the point lookup (404 while the point is unknown, 422 once known) and stores nothing."""
    probe = {"service_point_id": point_id, "score": 3, "visit_token": "probe"}
    wait_until(
        "feedback-service knows the point",
        lambda: api.post("/api/feedback/v1/ratings", json=probe).status_code == 422,
        seconds=60,
    )
