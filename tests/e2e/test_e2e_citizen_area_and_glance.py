"""Citizens (issue 22): Thai renders in the bundled Sarabun on a machine with no Thai font of its own; a
province, then a district, is chosen by name (Thai or English) and the API still gets the DOPA codes; each
result shows at a glance the agency's copy answer beside what visitors report, and the fair score with its
number of ratings.

pin-service's /geography routes list the places by name; the journey needs a pin-service that has them.
"""

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from tests.e2e.conftest import CHROMIUM, GATEWAY, import_catalogue, new_context, wait_until, wait_until_feedback_knows

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}
QUERY_LABEL = "ชื่อหน่วยงาน บริการ หรือสถานที่"
# Only DejaVu (Latin, no Thai) for fontconfig: a phone or PC with no Thai font installed.
NO_THAI_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts/truetype/dejavu</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""
RATINGS = 20  # stats-service's minimum number of ratings for a fair score (minimum_ratings_to_rank)
ASKED_FOR_COPY = 2


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """Citizens on a phone: the conftest's `page` opens in this context."""
    created = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield created
    created.close()


@pytest.fixture
def browser_without_thai_fonts(browser: Browser, tmp_path: Path) -> Iterator[Browser]:
    """The same chromium, seeing no font with Thai glyphs (fontconfig limited to DejaVu)."""
    assert Path("/usr/share/fonts/truetype/dejavu").is_dir(), "fonts-dejavu-core is part of Debian's chromium"
    config = tmp_path / "fonts.conf"
    config.write_text(NO_THAI_FONTCONFIG.format(cache=tmp_path / "fontconfig-cache"))
    launched = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox"], env={**os.environ, "FONTCONFIG_FILE": str(config)}
    )
    yield launched
    launched.close()


def platform_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The fonts chromium really drew the element's text with (DevTools' "Rendered Fonts")."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"no {selector} on the page"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def test_thai_renders_in_the_bundled_sarabun_without_thai_system_fonts(
    browser_without_thai_fonts: Browser, artifacts, check_accessibility
) -> None:
    context = new_context(browser_without_thai_fonts, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    fonts_fetched: list[tuple[str, str]] = []
    page.on(
        "response",
        lambda r: (
            fonts_fetched.append((r.url, r.headers.get("content-type", "")))
            if r.request.resource_type == "font"
            else None
        ),
    )
    try:
        page.goto(f"{GATEWAY}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("ค้นหาจุดให้บริการ")
        assert page.evaluate("() => document.fonts.ready.then(() => document.fonts.status)") == "loaded"

        assert page.evaluate("() => document.fonts.check('16px Sarabun', 'ทดสอบ')")
        assert page.evaluate("() => document.fonts.check('bold 16px Sarabun', 'ทดสอบ')")
        loaded_thai = page.evaluate(
            """() => [...document.fonts]
                .filter((f) => f.family.replaceAll('"', '') === 'Sarabun' && f.status === 'loaded')
                .filter((f) => f.unicodeRange.toUpperCase().includes('E01'))
                .map((f) => f.weight)"""
        )
        assert "400" in loaded_thai, f"Sarabun's Thai subset is not loaded: {loaded_thai}"
        for selector in ("body", "main h1", "main label", ".search-examples"):
            family = page.evaluate("(s) => getComputedStyle(document.querySelector(s)).fontFamily", selector)
            assert family.startswith(("Sarabun", '"Sarabun"')), f"{selector}: {family}"

        # What was really drawn: Sarabun for Thai headings and body text; a paragraph asking for the
        # system's sans-serif gets no Thai font at all, so this machine truly has none.
        page.evaluate(
            """() => { const p = document.createElement('p'); p.id = 'system-font-control';
                       p.style.fontFamily = 'sans-serif'; p.textContent = 'ทดสอบภาษาไทย';
                       document.body.append(p); }"""
        )
        for selector in ("main h1", "main label", ".search-examples"):
            drawn = platform_fonts(page, selector)
            assert drawn and all(f["familyName"] == "Sarabun" and f["isCustomFont"] for f in drawn), (selector, drawn)
        control = platform_fonts(page, "#system-font-control")
        assert all(f["familyName"].startswith("DejaVu") for f in control), f"a Thai system font was found: {control}"
        page.evaluate("() => document.getElementById('system-font-control').remove()")

        # Only woff2 of the kept subsets and weights, from the page's own origin (CSP font-src 'self').
        faces = page.evaluate(
            """() => [...document.styleSheets].flatMap((s) => [...s.cssRules])
                .filter((r) => r instanceof CSSFontFaceRule)
                .map((r) => ({family: r.style.getPropertyValue('font-family'),
                              weight: r.style.getPropertyValue('font-weight'),
                              src: r.style.getPropertyValue('src')}))"""
        )
        sarabun = [f for f in faces if "Sarabun" in f["family"]]
        kept = {
            (subset, f["weight"]) for f in sarabun for subset in ("thai", "latin") if f"sarabun-{subset}-" in f["src"]
        }
        assert kept == {("thai", "400"), ("thai", "700"), ("latin", "400"), ("latin", "700")}, sarabun
        assert len(sarabun) == 4 and all(f["src"].count("url(") == 1 and ".woff2" in f["src"] for f in sarabun)
        assert fonts_fetched, "no font was fetched"
        for url, content_type in fonts_fetched:
            assert url.startswith(f"{GATEWAY}/assets/sarabun-") and url.endswith(".woff2"), url
            assert content_type.startswith("font/woff2"), (url, content_type)

        check_accessibility(page)
        artifacts(page, "1-sarabun-without-thai-system-fonts")
    finally:
        context.close()


# ------------------------------------------------------------------------------- the journey
def catalogue(run_id: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Three offices named with the run id: Mueang Chiang Mai, Chom Thong (Chiang Mai), and Bangkok."""
    department, service = f"DG{run_id}", f"SG{run_id}"
    points = {"mueang": f"PG{run_id}M", "chom_thong": f"PG{run_id}C", "bangkok": f"PG{run_id}B"}
    lines: list[dict[str, Any]] = [
        {"kind": "ministry", "id": f"MG{run_id}", "name_th": f"กระทรวงทดสอบ {run_id}", "name_en": f"Ministry {run_id}"},
        {"kind": "department", "id": department, "ministry_id": f"MG{run_id}", "name_th": f"กรมทดสอบ {run_id}"},
        {
            "kind": "service",
            "id": service,
            "department_id": department,
            "name_th": "ขอหนังสือรับรอง",
            "name_en": "Certificate request",
            "steps": ["ยื่นคำขอ", "รับหนังสือรับรอง"],
            "documents": [
                {"name_th": "สำเนาบัตรประจำตัวประชาชน", "kind": "id_card_copy", "copies": 1},
                {"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1},
            ],
        },
    ]
    for key, province, district, name in (
        ("mueang", "50", "5001", "สำนักงานทดสอบเมืองเชียงใหม่"),
        ("chom_thong", "50", "5002", "สำนักงานทดสอบจอมทอง"),
        ("bangkok", "10", "1001", "สำนักงานทดสอบพระนคร"),
    ):
        lines.append(
            {
                "kind": "service_point",
                "id": points[key],
                "department_id": department,
                "name_th": f"{name} {run_id}",
                "province_code": province,
                "district_code": district,
                "address_th": "ถนนทดสอบ",
                "service_ids": [service],
            }
        )
    return lines, points


def rate_as_many_citizens(point_id: str, scores: list[int], asked_for_copy: int) -> None:
    """Each rating from its own loopback address: a different citizen to the gateway (one citizen may rate
    a point only a few times a day)."""
    for number, score in enumerate(scores):
        address = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with httpx.Client(
            base_url=GATEWAY, transport=httpx.HTTPTransport(local_address=address), timeout=30
        ) as citizen:
            body = {"service_point_id": point_id, "score": score, "asked_for_copy": number < asked_for_copy}
            answer = citizen.post("/api/feedback/v1/ratings", json=body)
            assert answer.status_code == 202, answer.text


def searches_sent(page: Page) -> Callable[[], list[dict[str, list[str]]]]:
    """The query strings of the search requests the page sends to pin-service."""
    sent: list[dict[str, list[str]]] = []

    def record(request: Request) -> None:
        url = urlparse(request.url)
        if url.path == "/api/pin/v1/service-points":
            sent.append(parse_qs(url.query))

    page.on("request", record)
    return lambda: sent


def test_a_citizen_picks_chiang_mai_by_name_and_sees_copy_status_and_score(
    api: httpx.Client, run_id: str, page: Page, artifacts, check_accessibility
) -> None:
    lines, points = catalogue(run_id)
    import_catalogue(api, lines)
    mueang, chom_thong, bangkok = points["mueang"], points["chom_thong"], points["bangkok"]
    survey = {
        "mou_with_dopa": True,
        "card_readers": 1,
        "services": [
            {"service_id": f"SG{run_id}", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"}
        ],
        "obstacles": [],
    }

    def surveyed() -> httpx.Response | None:
        answer = api.put(f"/api/nocopy/v1/service-points/{mueang}/readiness", json=survey)
        return answer if answer.status_code != 404 else None  # 404 until nocopy-service knows the point

    answered = wait_until("nocopy-service takes the survey", surveyed)
    assert answered.status_code == 200, answered.text
    wait_until_feedback_knows(api, mueang)
    rate_as_many_citizens(mueang, [5] * 12 + [4] * 6 + [2] * 2, asked_for_copy=ASKED_FOR_COPY)

    def all_time() -> dict[str, Any] | None:
        body = api.get(f"/api/stats/v1/satisfaction/service-points/{mueang}").json()
        window = body["windows"]["all"]
        return window if window["ratings"] == RATINGS and window["fair_score"]["rankable"] else None

    ratings = wait_until("stats count every rating", all_time, seconds=60)
    score = f"{ratings['fair_score']['score']:.1f}"
    wait_until(
        "the three offices are searchable",
        lambda: api.get("/api/pin/v1/service-points", params={"q": run_id, "limit": 1}).json()["total"] == 3,
    )
    sent = searches_sent(page)

    # The citizen chooses Chiang Mai by its name; nobody needs to know that its code is 50.
    page.goto(f"{GATEWAY}/")
    province = page.get_by_label("จังหวัด", exact=True)
    district = page.get_by_label("อำเภอ/เขต")
    expect(province).to_be_enabled()
    expect(province.locator("option", has_text="เชียงใหม่ (Chiang Mai)")).to_have_count(1)
    expect(district).to_be_disabled()  # a district only once its province is chosen
    page.get_by_label(QUERY_LABEL).fill(run_id)
    province.select_option(label="เชียงใหม่ (Chiang Mai)")
    expect(district).to_be_enabled()
    expect(district.locator("option")).to_have_count(1 + 25)  # "all districts" and Chiang Mai's 25
    expect(district.locator("option", has_text="จอมทอง (Chom Thong)")).to_have_count(1)
    check_accessibility(page)
    artifacts(page, "1-chiang-mai-chosen-by-name")

    page.get_by_role("button", name="ค้นหา", exact=True).click()
    results = page.locator("ol.results li")
    expect(results).to_have_count(2)
    expect(page.locator(f'ol.results li[data-point-id="{bangkok}"]')).to_have_count(0)
    assert sent()[-1]["province_code"] == ["50"] and "district_code" not in sent()[-1], sent()
    expect(province).to_have_value("50")  # the choice stays on the results page

    # At a glance: the agency says copies are cancelled, visitors say otherwise; the fair score and its count.
    surveyed = page.locator(f'ol.results li[data-point-id="{mueang}"]')
    expect(surveyed.locator(".result-copy")).to_have_text("สำเนาเอกสาร: ยกเลิกสำเนาแล้ว (หน่วยงานแจ้ง)")
    expect(surveyed.locator(".result-copy .badge-cancelled")).to_have_count(1)
    expect(surveyed.locator(".result-reports")).to_have_text(
        f"ผู้มาใช้บริการแจ้งว่าถูกเรียกสำเนา {ASKED_FOR_COPY} จาก {RATINGS} ความเห็น — ไม่ตรงกับที่หน่วยงานแจ้ง"
    )
    expect(surveyed.locator(".result-score")).to_have_text(f"ความพึงพอใจ: {score} จาก 5 · {RATINGS} ความเห็น")
    unsurveyed = page.locator(f'ol.results li[data-point-id="{chom_thong}"]')
    expect(unsurveyed.locator(".result-copy")).to_have_text("สำเนาเอกสาร: หน่วยงานยังไม่ได้ตอบแบบสำรวจ")
    expect(unsurveyed.locator(".result-reports")).to_be_hidden()  # nobody has reported: no "0 จาก 0"
    expect(unsurveyed.locator(".result-score")).to_have_text("ความพึงพอใจ: ยังไม่มีผู้ให้คะแนน")
    check_accessibility(page)
    artifacts(page, "2-chiang-mai-results-at-a-glance")

    # Then the district, by name: Mueang Chiang Mai only.
    district.select_option(label="เมืองเชียงใหม่ (Mueang Chiang Mai)")
    page.get_by_role("button", name="ค้นหา", exact=True).click()
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-point-id", mueang)
    assert sent()[-1]["province_code"] == ["50"] and sent()[-1]["district_code"] == ["5001"], sent()
    expect(district).to_have_value("5001")
    check_accessibility(page)
    artifacts(page, "3-mueang-chiang-mai")

    # In English the places read English first, and the result says the same in English.
    page.get_by_role("button", name="Switch to English").click()
    province = page.get_by_label("Province", exact=True)
    expect(province.locator("option:checked")).to_have_text("Chiang Mai (เชียงใหม่)")
    expect(page.get_by_label("District", exact=True).locator("option:checked")).to_have_text(
        "Mueang Chiang Mai (เมืองเชียงใหม่)"
    )
    expect(results.first.locator(".result-score")).to_have_text(f"Satisfaction: {score} out of 5 · {RATINGS} ratings")
    expect(results.first.locator(".result-reports")).to_contain_text(
        f"Visitors: asked for a copy in {ASKED_FOR_COPY} of {RATINGS} ratings"
    )
    province.select_option(label="Bangkok (กรุงเทพมหานคร)")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-point-id", bangkok)
    assert sent()[-1]["province_code"] == ["10"] and "district_code" not in sent()[-1], sent()
    check_accessibility(page)
    artifacts(page, "4-english-bangkok")
