"""Satisfaction of a unit (point, department, ministry, province, nation) from its ratings' tally.

The fair score is a Bayesian average pulled toward the national mean, so that one lucky 5 does not
top the table (formula in the service README):

    w_i   = verified_weight for a verified rating, 1 otherwise
    fair  = (C·μ0 + Σ w_i·s_i) / (C + Σ w_i)
    SE    = sqrt(s² / (C + Σ w_i)),  s² = (C·σ0² + Σ w_i·(s_i − m)²) / (C + Σ w_i)
    95 %  = fair ± 1.96·SE, clipped to 1..5

μ0 and σ0² are the national weighted mean and variance over the same window, C the prior weight,
m the unit's weighted mean. A unit with fewer than the minimum number of ratings gets a score and an
interval but no rank.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

SCORES = (1, 2, 3, 4, 5)
Z_95 = 1.959964
# With no ratings anywhere the prior is the middle of the scale with a wide spread.
NEUTRAL_MEAN = 3.0
NEUTRAL_VARIANCE = 2.0


@dataclass(frozen=True, slots=True)
class FairScorePolicy:
    prior_weight: float = 10.0
    verified_weight: float = 2.0
    minimum_ratings_to_rank: int = 20


@dataclass(frozen=True, slots=True)
class ScoreTally:
    """How many ratings gave each score, split by verified (tied to a real visit) or not."""

    unverified: Mapping[int, int] = field(default_factory=dict)
    verified: Mapping[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(self.unverified.values()) + sum(self.verified.values())

    @property
    def verified_count(self) -> int:
        return sum(self.verified.values())

    def distribution(self) -> dict[str, int]:
        return {str(s): self.unverified.get(s, 0) + self.verified.get(s, 0) for s in SCORES}

    def mean(self) -> float | None:
        if not self.count:
            return None
        return sum(s * n for s, n in self.distribution_items()) / self.count

    def distribution_items(self) -> list[tuple[int, int]]:
        return [(s, self.unverified.get(s, 0) + self.verified.get(s, 0)) for s in SCORES]

    def weighted_sums(self, verified_weight: float) -> tuple[float, float, float]:
        """(Σw, Σw·s, Σw·s²)."""
        weight = total = squares = 0.0
        for tally, w in ((self.unverified, 1.0), (self.verified, verified_weight)):
            for s, n in tally.items():
                weight += w * n
                total += w * n * s
                squares += w * n * s * s
        return weight, total, squares


@dataclass(frozen=True, slots=True)
class Prior:
    mean: float
    variance: float

    @classmethod
    def national(cls, tally: ScoreTally, verified_weight: float) -> "Prior":
        weight, total, squares = tally.weighted_sums(verified_weight)
        if weight <= 0:
            return cls(NEUTRAL_MEAN, NEUTRAL_VARIANCE)
        mean = total / weight
        return cls(mean, max(squares / weight - mean * mean, 0.0))


@dataclass(frozen=True, slots=True)
class FairScore:
    score: float
    low: float
    high: float
    rankable: bool


def fair_score(tally: ScoreTally, prior: Prior, policy: FairScorePolicy) -> FairScore:
    weight, total, squares = tally.weighted_sums(policy.verified_weight)
    c = policy.prior_weight
    score = (c * prior.mean + total) / (c + weight)
    own_spread = squares - total * total / weight if weight > 0 else 0.0
    variance = (c * prior.variance + max(own_spread, 0.0)) / (c + weight)
    margin = Z_95 * math.sqrt(variance / (c + weight))
    return FairScore(
        score=score,
        low=max(1.0, score - margin),
        high=min(5.0, score + margin),
        rankable=tally.count >= policy.minimum_ratings_to_rank,
    )


def rank(fair_scores: Mapping[str, FairScore]) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4) of the rankable units by fair score; None for the others."""
    ordered = sorted((f.score for f in fair_scores.values() if f.rankable), reverse=True)
    return {
        unit: (1 + sum(1 for other in ordered if other > f.score + 1e-12)) if f.rankable else None
        for unit, f in fair_scores.items()
    }
