"""The satisfaction funnel plot: target, binomial control limits, classification, curves, and the route."""

from datetime import date

import httpx
import pytest
from stats_service.adapters.progress_reader import Unit
from stats_service.adapters.satisfaction_reader import DayFigures, Level, Window
from stats_service.api.deps import get_progress_reader, get_satisfaction_reader
from stats_service.domain.funnel import (
    EXACT_UP_TO,
    NEUTRAL_TARGET,
    Classification,
    binomial_cdf,
    classify,
    curve_ns,
    funnel_units,
    limits,
    normal_limits,
    overdispersion,
    satisfied,
    target,
    z_score,
)
from stats_service.domain.satisfaction import ScoreTally
from stats_service.main import create_app


def test_the_target_is_the_national_share_of_fours_and_fives_each_rating_counted_once():
    national = ScoreTally(unverified={5: 4, 4: 2, 3: 1, 2: 1}, verified={5: 2})

    assert satisfied(national) == 8
    assert target(national) == pytest.approx(0.8)  # 8 of 10; a verified rating is one rating here
    assert target(ScoreTally()) == NEUTRAL_TARGET


def test_normal_limits_by_hand_at_p0_one_half_and_25_ratings():
    # se = sqrt(0.5 · 0.5 / 25) = 0.1
    bounds = normal_limits(0.5, 25)

    assert bounds.upper_95 == pytest.approx(0.5 + 0.1959964)
    assert bounds.lower_95 == pytest.approx(0.5 - 0.1959964)
    assert bounds.upper_99_8 == pytest.approx(0.8090232)
    assert bounds.lower_99_8 == pytest.approx(0.1909768)


def test_normal_limits_by_hand_at_p0_four_fifths_and_100_ratings_and_clipped_at_small_n():
    # se = sqrt(0.8 · 0.2 / 100) = 0.04
    bounds = normal_limits(0.8, 100)
    assert bounds.upper_95 == pytest.approx(0.87839856)
    assert bounds.upper_99_8 == pytest.approx(0.92360928)
    assert bounds.lower_99_8 == pytest.approx(0.67639072)

    one = normal_limits(0.8, 1)  # se 0.4: both upper limits past 1, the lower 99.8 % one below 0
    assert (one.upper_95, one.upper_99_8, one.lower_99_8) == (1.0, 1.0, 0.0)
    assert one.lower_95 == pytest.approx(0.8 - 0.7839856)


def test_the_binomial_distribution_by_hand():
    # n = 3, p0 = 0.4: P(R ≤ r) = 0.216, 0.648, 0.936, 1
    assert binomial_cdf(3, 0.4) == pytest.approx((0.216, 0.648, 0.936, 1.0))
    # n = 10, p0 = 0.5: cumulative C(10, r) / 1024 = 1, 11, 56, 176, 386, 638, 848, 968, 1013, 1023, 1024
    expected = [c / 1024 for c in (1, 11, 56, 176, 386, 638, 848, 968, 1013, 1023, 1024)]
    assert binomial_cdf(10, 0.5) == pytest.approx(tuple(expected))


def test_exact_limits_by_hand_at_p0_one_half_and_ten_ratings():
    # r_q = the smallest r with P(R ≤ r) ≥ q: q = 0.001 → 1 (P(R ≤ 0) = 0.00098), 0.025 → 2,
    # 0.975 → 8 (P(R ≤ 7) = 0.945), 0.999 → 9 (P(R ≤ 9) = 0.99902)
    bounds = limits(0.5, 10)
    assert (bounds.lower_99_8, bounds.lower_95, bounds.upper_95, bounds.upper_99_8) == (0.1, 0.2, 0.8, 0.9)
    # Above the upper limit is exactly the one-sided binomial test: P(R ≥ 9) = 11/1024 ≤ 0.025.
    assert classify(0.9, bounds) is Classification.ABOVE_95
    assert classify(1.0, bounds) is Classification.ABOVE_99_8  # P(R ≥ 10) = 1/1024 ≤ 0.001
    assert classify(0.8, bounds) is Classification.WITHIN  # P(R ≥ 8) = 56/1024 > 0.025
    assert classify(0.1, bounds) is Classification.BELOW_95
    assert classify(0.0, bounds) is Classification.BELOW_99_8


def test_one_unhappy_rating_is_not_below_the_nation():
    # The normal approximation would flag it: 0.84 − 1.96·sqrt(0.84·0.16) = 0.121 > 0.
    assert normal_limits(0.84, 1).lower_95 > 0
    assert limits(0.84, 1).lower_95 == 0.0
    (unit,) = funnel_units({"D": ScoreTally(unverified={2: 1})}, 0.84)
    assert unit.classification is Classification.WITHIN


def test_large_units_use_the_normal_approximation_and_no_ratings_no_limits():
    assert limits(0.6, EXACT_UP_TO + 1) == normal_limits(0.6, EXACT_UP_TO + 1)
    exact, normal = limits(0.6, EXACT_UP_TO), normal_limits(0.6, EXACT_UP_TO)
    assert exact.upper_95 == pytest.approx(normal.upper_95, abs=1 / EXACT_UP_TO)
    with pytest.raises(ValueError):
        limits(0.8, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.82, Classification.ABOVE_99_8),
        (0.70, Classification.ABOVE_95),
        (0.50, Classification.WITHIN),
        (0.69, Classification.WITHIN),
        (0.30, Classification.BELOW_95),
        (0.19, Classification.BELOW_99_8),
    ],
)
def test_classification_against_the_limits_at_the_units_n(value: float, expected: Classification):
    assert classify(value, normal_limits(0.5, 25)) is expected


def test_a_perfect_unit_with_three_ratings_is_within_and_one_with_forty_is_above():
    p0 = 0.6
    units = {
        u.unit_id: u
        for u in funnel_units(
            {
                "few": ScoreTally(unverified={5: 3}),
                "many": ScoreTally(unverified={5: 30}, verified={4: 10}),
                "poor": ScoreTally(unverified={1: 20, 2: 20}),
                "none": ScoreTally(),
            },
            p0,
        )
    }

    assert set(units) == {"few", "many", "poor"}  # no ratings, no point on the plot
    # n = 3: P(R = 3) = 0.216 > 0.025, so r_0.975 = 3 and the upper limit is 1; 1.0 is not above it.
    assert units["few"].value == 1.0
    assert units["few"].classification is Classification.WITHIN  # upper 95 % clipped to 1 as well
    assert units["many"].n == 40 and units["many"].satisfied == 40
    # n = 40: upper 99.8 % = r_0.999 / 40 = 33/40 (P(R = 40) = 0.6^40 ≈ 1e-9)
    assert units["many"].classification is Classification.ABOVE_99_8
    assert units["many"].z == pytest.approx(0.4 / (0.24 / 40) ** 0.5)
    assert units["poor"].classification is Classification.BELOW_99_8


def test_the_few_ratings_unit_with_mixed_scores_is_within():
    (unit,) = funnel_units({"P": ScoreTally(unverified={5: 1, 4: 1, 2: 1})}, 0.6)

    # 2 of 3 satisfied; 95 % limits at n = 3, p0 = 0.6: 0/3 .. 3/3
    assert unit.value == pytest.approx(2 / 3)
    assert unit.classification is Classification.WITHIN


def test_no_spread_when_the_target_is_certain():
    assert z_score(1.0, 1.0, 10) is None
    assert classify(1.0, limits(1.0, 10)) is Classification.WITHIN
    assert classify(0.9, limits(1.0, 10)) is Classification.BELOW_99_8


def test_the_curves_are_sampled_at_every_small_n_and_past_the_largest_unit():
    ns = curve_ns(40)
    assert ns[:10] == list(range(1, 11))
    assert ns[-1] == 44 and ns == sorted(set(ns))
    big = curve_ns(5000)
    assert big[-1] == 5500 and len(big) <= 61
    assert curve_ns(0)[-1] == 10


def test_overdispersion_is_the_winsorized_mean_squared_z_score():
    # Ten z-scores: the lowest and the highest are pulled in to the 2nd and 9th (−2 and 2).
    zs = [0, 1, 2, -1, -2, 5, -3, 0, 1, 2, None]
    assert overdispersion(zs) == pytest.approx(23 / 10)
    assert overdispersion([None]) is None


# ------------------------------------------------------------------------------------ the route
class FakeSatisfactionReader:
    def __init__(self) -> None:
        self.by_unit_calls: list = []

    async def national_tallies(self) -> dict[Window, ScoreTally]:
        # 60 of 100 satisfied in every window.
        tally = ScoreTally(unverified={5: 40, 4: 20, 3: 10, 2: 10, 1: 20})
        return dict.fromkeys(Window, tally)

    async def by_unit(self, level: Level, window: Window, filters: list) -> dict[str, ScoreTally]:
        self.by_unit_calls.append((level, window, filters))
        return {
            "D1": ScoreTally(unverified={5: 3}),
            "D2": ScoreTally(unverified={5: 30}, verified={4: 10}),
        }

    async def daily(self, level: Level | None, unit_id: str | None, days: int) -> list[DayFigures]:
        return [
            DayFigures(date(2026, 12, 2), ScoreTally()),
            DayFigures(date(2026, 12, 3), ScoreTally(unverified={5: 1, 2: 1, 4: 2})),
        ]


class FakeNames:
    async def units(self, kind: str, ministry_id: str | None = None) -> dict[str, Unit]:
        return {"D1": Unit("D1", "กรมหนึ่ง", "Department One", "M1"), "D2": Unit("D2", "กรมสอง", None, "M1")}

    async def points(self, filters: list) -> list:
        return []


def client_with(reader: FakeSatisfactionReader) -> httpx.AsyncClient:
    app = create_app()
    app.dependency_overrides[get_satisfaction_reader] = lambda: reader
    app.dependency_overrides[get_progress_reader] = lambda: FakeNames()
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats")


async def test_the_funnel_route_gives_target_units_limits_and_trend():
    reader = FakeSatisfactionReader()
    async with client_with(reader) as client:
        response = await client.get("/satisfaction/funnel", params={"ministry_id": "M1"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["level"] == "department" and body["window"] == "30d"
    assert body["target"] == 0.6 and body["national_ratings"] == 100 and body["national_satisfied"] == 60
    assert reader.by_unit_calls == [(Level.DEPARTMENT, Window.DAYS_30, [{"term": {"ministry_id": "M1"}}])]
    assert [u["unit_id"] for u in body["units"]] == ["D2", "D1"]  # most ratings first
    d2, d1 = body["units"]
    assert (d2["name_th"], d2["n"], d2["value"], d2["classification"]) == ("กรมสอง", 40, 1.0, "above_99_8")
    assert (d1["name_en"], d1["n"], d1["classification"]) == ("Department One", 3, "within")
    assert body["limits"][0]["n"] == 1 and body["limits"][-1]["n"] == 44
    at_40 = next(row for row in body["limits"] if row["n"] == 40)
    # Binomial(40, 0.6): r_0.001 = 14, r_0.025 = 18, r_0.975 = 30, r_0.999 = 33
    assert at_40 == {"n": 40, "lower_99_8": 0.35, "lower_95": 0.45, "upper_95": 0.75, "upper_99_8": 0.825}
    assert body["trend"] == [
        {"day": "2026-12-02", "ratings": 0, "satisfied": 0, "share": None, "mean": None},
        {"day": "2026-12-03", "ratings": 4, "satisfied": 3, "share": 0.75, "mean": 3.75},
    ]


async def test_the_funnel_route_refuses_bad_parameters_with_a_problem():
    async with client_with(FakeSatisfactionReader()) as client:
        bad_level = await client.get("/satisfaction/funnel", params={"level": "galaxy"})
        bad_window = await client.get("/satisfaction/funnel", params={"window": "90d"})
        points_without_department = await client.get("/satisfaction/funnel", params={"level": "service_point"})
        points = await client.get("/satisfaction/funnel", params={"level": "service_point", "department_id": "D1"})

    for answer in (bad_level, bad_window, points_without_department):
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert points_without_department.json()["title_th"]
    assert points.status_code == 200
    assert points.json()["level"] == "service_point"
