"""Funnel plot of satisfaction (Spiegelhalter, Statistics in Medicine 2005): who is truly above or below.

The statistic is the share of satisfied ratings (score 4 or 5) of a unit in a window, a proportion, so
that under "every unit is like the nation" its count is binomial and the funnel is the binomial one:

    p0     = satisfied / ratings over the whole nation, same window (the target)
    n ≤ 1000: exact binomial limits, r_q / n with r_q = the smallest r with P(R ≤ r) ≥ q,
              R ~ Binomial(n, p0), q = 0.001, 0.025, 0.975, 0.999 (Spiegelhalter's r_p, not interpolated)
    n > 1000: the normal approximation p0 ± z·sqrt(p0·(1 − p0) / n), clipped to 0..1,
              z = 1.959964 (95 %) and 3.090232 (99.8 %), two-sided

A unit with n ratings and share y is `above_99_8` when y is above the upper 99.8 % limit at its n,
`above_95` when above the upper 95 % one, likewise `below_*`, else `within`. With the exact limits
"y above r_q/n" is exactly the one-sided binomial test P(R ≥ y·n) ≤ 1 − q, so a unit with one or three
ratings is never flagged by chance alone; the normal approximation would flag one unhappy rating at
p0 = 0.84 as below the nation. Each rating counts once (no verified weight): the binomial variance
needs n equal, independent trials.

Overdispersion (Spiegelhalter §4.3) is estimated, not applied: φ = mean of the units' squared
z-scores z_i = (y_i − p0) / sqrt(p0·(1 − p0) / n_i), winsorized at the 10th and 90th percentiles.
φ well above 1 says the units differ more than chance allows and the limits flag too many.
"""

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from stats_service.domain.satisfaction import ScoreTally

Z_95 = 1.959964
Z_99_8 = 3.090232
SATISFIED_SCORES = (4, 5)
# With no ratings anywhere the target is an even chance (no unit can then be plotted anyway).
NEUTRAL_TARGET = 0.5
CURVE_POINTS = 60
WINSOR_SHARE = 0.1
# Exact binomial limits up to this many ratings (O(n) each, cached); the normal approximation beyond,
# where the two differ by less than one rating in a thousand.
EXACT_UP_TO = 1000
Q_99_8 = (0.001, 0.999)
Q_95 = (0.025, 0.975)


class Classification(StrEnum):
    ABOVE_99_8 = "above_99_8"
    ABOVE_95 = "above_95"
    WITHIN = "within"
    BELOW_95 = "below_95"
    BELOW_99_8 = "below_99_8"


def satisfied(tally: ScoreTally) -> int:
    """Ratings of 4 or 5."""
    distribution = tally.distribution()
    return sum(distribution[str(s)] for s in SATISFIED_SCORES)


def target(national: ScoreTally) -> float:
    return satisfied(national) / national.count if national.count else NEUTRAL_TARGET


def standard_error(p0: float, n: int) -> float:
    return math.sqrt(p0 * (1.0 - p0) / n)


@dataclass(frozen=True, slots=True)
class Limits:
    n: int
    lower_99_8: float
    lower_95: float
    upper_95: float
    upper_99_8: float


def normal_limits(p0: float, n: int) -> Limits:
    """p0 ± z·sqrt(p0·(1 − p0)/n), clipped to 0..1."""
    se = standard_error(p0, n)

    def clip(value: float) -> float:
        return min(1.0, max(0.0, value))

    return Limits(
        n=n,
        lower_99_8=clip(p0 - Z_99_8 * se),
        lower_95=clip(p0 - Z_95 * se),
        upper_95=clip(p0 + Z_95 * se),
        upper_99_8=clip(p0 + Z_99_8 * se),
    )


def binomial_cdf(n: int, p0: float) -> tuple[float, ...]:
    """P(R ≤ r) for r = 0..n, R ~ Binomial(n, p0), 0 < p0 < 1. The probabilities are stepped in log
    space (log P(r+1) = log P(r) + log((n − r)/(r + 1)) + log(p0/(1 − p0))): nothing underflows early."""
    log_odds = math.log(p0) - math.log1p(-p0)
    log_pmf = n * math.log1p(-p0)
    total = math.exp(log_pmf)
    cdf = [total]
    for r in range(n):
        log_pmf += math.log((n - r) / (r + 1)) + log_odds
        total += math.exp(log_pmf)
        cdf.append(total)
    return tuple(cdf)


def binomial_quantile(n: int, p0: float, q: float, cdf: tuple[float, ...] | None = None) -> int:
    """Spiegelhalter's r_p: the smallest r with P(R ≤ r) ≥ q."""
    return min(n, bisect.bisect_left(cdf or binomial_cdf(n, p0), q - 1e-12))


@lru_cache(maxsize=8192)
def exact_limits(p0: float, n: int) -> Limits:
    cdf = binomial_cdf(n, p0)

    def limit(q: float) -> float:
        return binomial_quantile(n, p0, q, cdf) / n

    return Limits(
        n=n,
        lower_99_8=limit(Q_99_8[0]),
        lower_95=limit(Q_95[0]),
        upper_95=limit(Q_95[1]),
        upper_99_8=limit(Q_99_8[1]),
    )


def limits(p0: float, n: int) -> Limits:
    """Exact binomial limits up to EXACT_UP_TO ratings, the normal approximation beyond."""
    if n < 1:
        raise ValueError("limits need at least one rating")
    if p0 <= 0.0 or p0 >= 1.0:
        return Limits(n=n, lower_99_8=p0, lower_95=p0, upper_95=p0, upper_99_8=p0)
    return exact_limits(p0, n) if n <= EXACT_UP_TO else normal_limits(p0, n)


def classify(value: float, bounds: Limits) -> Classification:
    """Strictly beyond a limit is outside it; on the limit is still inside."""
    if value > bounds.upper_99_8:
        return Classification.ABOVE_99_8
    if value > bounds.upper_95:
        return Classification.ABOVE_95
    if value < bounds.lower_99_8:
        return Classification.BELOW_99_8
    if value < bounds.lower_95:
        return Classification.BELOW_95
    return Classification.WITHIN


def z_score(value: float, p0: float, n: int) -> float | None:
    """None when the target is 0 or 1 (no spread: the limits are the target itself)."""
    se = standard_error(p0, n)
    return (value - p0) / se if se > 0 else None


def curve_ns(largest_n: int, points: int = CURVE_POINTS) -> list[int]:
    """Where to sample the limit curves: every n up to 10, then geometric steps past the largest unit."""
    top = max(10, math.ceil(largest_n * 1.1))
    ns = set(range(1, 11))
    ratio = (top / 10) ** (1 / max(1, points - 10))
    value = 10.0
    while value < top:
        value *= ratio
        ns.add(min(top, round(value)))
    ns.add(top)
    return sorted(ns)


def limit_curves(p0: float, largest_n: int) -> list[Limits]:
    return [limits(p0, n) for n in curve_ns(largest_n)]


@dataclass(frozen=True, slots=True)
class FunnelUnit:
    unit_id: str
    n: int
    satisfied: int
    value: float
    z: float | None
    classification: Classification


def funnel_units(tallies: Mapping[str, ScoreTally], p0: float) -> list[FunnelUnit]:
    """Every unit with at least one rating, classified against the funnel at its own n."""
    units = []
    for unit_id, tally in tallies.items():
        n = tally.count
        if n < 1:
            continue
        happy = satisfied(tally)
        value = happy / n
        units.append(
            FunnelUnit(
                unit_id=unit_id,
                n=n,
                satisfied=happy,
                value=value,
                z=z_score(value, p0, n),
                classification=classify(value, limits(p0, n)),
            )
        )
    return units


def overdispersion(z_scores: Iterable[float | None]) -> float | None:
    """φ: the mean squared z-score, winsorized at 10 % each side; None without z-scores."""
    values = sorted(z for z in z_scores if z is not None)
    if not values:
        return None
    cut = math.floor(WINSOR_SHARE * len(values))
    low, high = values[cut], values[len(values) - 1 - cut]
    return sum(min(high, max(low, z)) ** 2 for z in values) / len(values)
