"""Issue 22, officials: the satisfaction funnel plot. A department with three points — one with many
good ratings, one with many poor ones, one with three ratings — rated by citizens from distinct
loopback addresses; the official reads the funnel plot and its table (Thai, then English): the good
point is above the national share, the poor one below, the small one within the limits."""

import math
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import GATEWAY, catalogue, import_catalogue, wait_until, wait_until_feedback_knows

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

STATS = "/api/stats/v1"
# 40 satisfied (4–5), 40 not (1–3), and three ratings of which two satisfied. Together with the rest of
# the stack's ratings the national share stays well inside (0.1, 0.9), where these three are
# unambiguous at n = 40 and n = 3.
GOOD_SCORES = [5, 4] * 20
POOR_SCORES = [1, 2, 3, 2] * 10
FEW_SCORES = [5, 4, 2]


def _rate_from_many_addresses(ratings: list[tuple[str, int]]) -> None:
    """Each rating from its own loopback address: a different citizen to the gateway and to
    feedback-service's per-client limits (30 a minute, 3 per point per day)."""
    block = random.randint(1, 250)
    addresses = [f"127.{block}.{n // 250}.{n % 250 + 1}" for n in range(len(ratings))]

    def rate(job: tuple[str, tuple[str, int]]) -> None:
        address, (point, score) = job
        with httpx.Client(base_url=GATEWAY, transport=httpx.HTTPTransport(local_address=address), timeout=30) as http:
            for _ in range(20):
                answer = http.post("/api/feedback/v1/ratings", json={"service_point_id": point, "score": score})
                if answer.status_code not in (429, 502, 503, 504):
                    break
            assert answer.status_code == 202, answer.text

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(rate, zip(addresses, ratings, strict=True)))


@pytest.fixture(scope="module")
def rated_department(api: httpx.Client) -> dict[str, Any]:
    """Seeded once for the module: 83 ratings take a while to send."""
    run_id = uuid.uuid4().hex[:8].upper()
    points = {key: f"PE2E{run_id}F{key[0].upper()}" for key in ("good", "poor", "few")}
    names = {"good": "จุดบริการดีมาก", "poor": "จุดบริการต้องปรับปรุง", "few": "จุดบริการใหม่"}
    lines = catalogue(
        run_id,
        [
            {"id": points[key], "name_th": f"{names[key]} {run_id}", "name_en": f"{key.title()} office {run_id}"}
            for key in points
        ],
    )
    import_catalogue(api, lines)
    for point in points.values():
        wait_until_feedback_knows(api, point)
    _rate_from_many_addresses(
        [(points["good"], s) for s in GOOD_SCORES]
        + [(points["poor"], s) for s in POOR_SCORES]
        + [(points["few"], s) for s in FEW_SCORES]
    )
    department = f"DE2E{run_id}1"
    expected_n = {points["good"]: 40, points["poor"]: 40, points["few"]: 3}

    def counted() -> dict[str, Any] | None:
        answer = api.get(f"{STATS}/satisfaction/funnel", params={"level": "service_point", "department_id": department})
        if answer.status_code != 200:
            return None
        body = answer.json()
        return body if {u["unit_id"]: u["n"] for u in body["units"]} == expected_n else None

    funnel = wait_until("stats counts every rating of the department's points", counted, seconds=60)
    return {
        "ministry": f"ME2E{run_id}",
        "department": department,
        "points": points,
        "names": names,
        "run_id": run_id,
        "funnel": funnel,
    }


def test_the_funnel_api_classifies_by_the_binomial_limits(rated_department: dict[str, Any]) -> None:
    funnel, points = rated_department["funnel"], rated_department["points"]
    p0 = funnel["target"]
    assert 0.1 < p0 < 0.9, p0
    units = {u["unit_id"]: u for u in funnel["units"]}
    assert units[points["good"]]["value"] == 1.0
    assert units[points["good"]]["classification"].startswith("above")
    assert units[points["poor"]]["value"] == 0.0
    assert units[points["poor"]]["classification"].startswith("below")
    assert units[points["few"]]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert units[points["few"]]["classification"] == "within"
    # Exact binomial limit at n = 40: the smallest r with P(R ≤ r) ≥ 0.975, over 40 (p0 is rounded
    # in the answer, so one rating either way).
    cumulative, r = 0.0, 0
    for r in range(41):
        cumulative += math.comb(40, r) * p0**r * (1 - p0) ** (40 - r)
        if cumulative >= 0.975:
            break
    at_40 = next(row for row in funnel["limits"] if row["n"] == 40)
    assert abs(at_40["upper_95"] - r / 40) <= 1 / 40 + 1e-9, (at_40, r)
    assert len(funnel["trend"]) == 30 and funnel["trend"][-1]["ratings"] >= 83


def test_official_reads_the_funnel_plot_and_its_table(
    rated_department: dict[str, Any], page: Page, artifacts, check_accessibility
) -> None:
    points, names, run_id = rated_department["points"], rated_department["names"], rated_department["run_id"]
    page.goto(
        f"{GATEWAY}/official/ministries/{rated_department['ministry']}/departments/{rated_department['department']}"
    )
    section = page.locator("section[aria-labelledby=funnel-heading]")
    expect(section.get_by_role("heading", level=2)).to_have_text("กราฟกรวยความพึงพอใจ 30 วันล่าสุด")

    # The plot: a labelled group summarising it, a mark per point coloured and shaped by its class.
    plot = section.locator("svg.funnel-plot")
    expect(plot).to_be_visible()
    expect(plot).to_have_attribute("role", "group")
    label = plot.get_attribute("aria-label") or ""
    assert label.startswith("กราฟกรวย 3 หน่วย: สูงกว่าทั้งประเทศ 1 หน่วย ต่ำกว่า 1 หน่วย"), label
    expect(plot.locator("path.funnel-limit-95")).to_have_count(2)
    expect(plot.locator("path.funnel-limit-99-8")).to_have_count(2)
    expect(plot.locator("line.funnel-target")).to_have_count(1)
    good_mark = plot.locator(f'g.funnel-mark[data-unit-id="{points["good"]}"]')
    assert (good_mark.get_attribute("data-classification") or "").startswith("above")
    expect(plot.locator(f'g.funnel-mark[data-unit-id="{points["few"]}"]')).to_have_attribute(
        "data-classification", "within"
    )
    # Focus (keyboard) shows the mark's details in words, as hovering does.
    good_mark.focus()
    expect(section.locator(".funnel-focus")).to_contain_text(f"{names['good']} {run_id}")
    expect(section.locator(".funnel-focus")).to_contain_text("จาก 40 ความเห็น")

    # The table: the same figures for screen readers.
    table = section.locator("table.funnel-table")
    expect(table.locator("caption")).to_have_text("กราฟกรวยในรูปตาราง: หน่วย จำนวนความเห็น สัดส่วนผู้พึงพอใจ และการจัดกลุ่ม")
    good = table.locator(f'tr[data-row-id="{points["good"]}"]')
    expect(good.locator('th[data-col="unit"]')).to_have_text(f"{names['good']} {run_id}")
    expect(good.locator('[data-col="n"]')).to_have_text("40")
    expect(good.locator('[data-col="value"]')).to_have_text("100.0%")
    expect(good.locator('[data-col="classification"]')).to_contain_text("สูงกว่าทั้งประเทศ")
    few = table.locator(f'tr[data-row-id="{points["few"]}"]')
    expect(few.locator('[data-col="n"]')).to_have_text("3")
    expect(few.locator('[data-col="value"]')).to_have_text("66.7%")
    expect(few.locator('[data-col="classification"]')).to_have_text("ไม่ต่างจากทั้งประเทศ (อยู่ในขอบเขต)")
    poor = table.locator(f'tr[data-row-id="{points["poor"]}"]')
    expect(poor.locator('[data-col="classification"]')).to_contain_text("ต่ำกว่าทั้งประเทศ")

    # The nation's 30-day trend beside it.
    expect(section.locator("svg.funnel-trend")).to_be_visible()
    expect(section.locator("figure.funnel-trend-figure figcaption")).to_have_text("แนวโน้มทั้งประเทศ 30 วัน")
    check_accessibility(page)
    whole = artifacts(page, "1-funnel-thai")
    section.screenshot(path=str(whole.with_name("1-funnel-section.png")))

    # English: axes, table and classes switch language.
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    section = page.locator("section[aria-labelledby=funnel-heading]")
    expect(section.get_by_role("heading", level=2)).to_have_text("Satisfaction funnel plot, last 30 days")
    expect(section.locator("svg.funnel-plot")).to_contain_text("Number of ratings (log scale)")
    row = section.locator(f'table.funnel-table tr[data-row-id="{points["few"]}"]')
    expect(row.locator('th[data-col="unit"]')).to_have_text(f"Few office {run_id}")
    expect(row.locator('[data-col="classification"]')).to_have_text("Within the limits (no clear difference)")
    check_accessibility(page)
    artifacts(page, "2-funnel-english")


def test_the_ministry_funnel_plots_its_departments(
    rated_department: dict[str, Any], page: Page, artifacts, check_accessibility
) -> None:
    page.goto(f"{GATEWAY}/official/ministries/{rated_department['ministry']}")
    row = page.locator(f'table.funnel-table tr[data-row-id="{rated_department["department"]}"]')
    expect(row.locator('[data-col="n"]')).to_have_text("83")
    expect(row.locator('[data-col="value"]')).to_have_text("50.6%")  # 42 of 83
    check_accessibility(page)
    artifacts(page, "1-ministry-funnel")


def test_bad_funnel_parameters_are_422_problems(api: httpx.Client) -> None:
    for params in ({"level": "service_point"}, {"level": "galaxy"}, {"window": "90d"}):
        answer = api.get(f"{STATS}/satisfaction/funnel", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
