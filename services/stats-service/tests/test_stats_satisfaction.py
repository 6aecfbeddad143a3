"""The fair score: a Bayesian average toward the national mean, its interval, and who may be ranked."""

import pytest
from stats_service.domain.satisfaction import (
    NEUTRAL_MEAN,
    FairScorePolicy,
    Prior,
    ScoreTally,
    fair_score,
    rank,
)

POLICY = FairScorePolicy(prior_weight=10, verified_weight=2, minimum_ratings_to_rank=20)


def test_the_tally_gives_count_distribution_and_plain_mean():
    tally = ScoreTally(unverified={5: 2, 1: 1}, verified={5: 1})

    assert tally.count == 4
    assert tally.verified_count == 1
    assert tally.distribution() == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 3}
    assert tally.mean() == pytest.approx(4.0)
    assert ScoreTally().mean() is None


def test_a_verified_rating_weighs_as_set():
    weight, total, squares = ScoreTally(unverified={4: 1}, verified={2: 1}).weighted_sums(2.0)

    assert (weight, total, squares) == (3.0, 8.0, 24.0)


def test_one_lucky_five_stays_near_the_national_mean():
    prior = Prior(mean=3.5, variance=1.0)

    lucky = fair_score(ScoreTally(unverified={5: 1}), prior, POLICY)

    assert lucky.score == pytest.approx((10 * 3.5 + 5) / 11)
    assert lucky.rankable is False
    assert lucky.low < lucky.score < lucky.high


def test_many_ratings_outweigh_the_prior_and_narrow_the_interval():
    prior = Prior(mean=3.0, variance=1.0)
    few = fair_score(ScoreTally(unverified={5: 5}), prior, POLICY)
    many = fair_score(ScoreTally(unverified={5: 500}), prior, POLICY)

    assert many.score > few.score
    assert many.score == pytest.approx((30 + 2500) / 510)
    assert (many.high - many.low) < (few.high - few.low)
    assert many.rankable is True


def test_the_interval_is_clipped_to_the_scale():
    result = fair_score(ScoreTally(unverified={5: 3}), Prior(mean=4.9, variance=4.0), POLICY)

    assert 1.0 <= result.low <= result.score <= result.high <= 5.0


def test_the_national_prior_is_the_weighted_mean_and_variance_or_neutral_without_ratings():
    prior = Prior.national(ScoreTally(unverified={2: 1}, verified={4: 1}), verified_weight=2.0)

    assert prior.mean == pytest.approx(10 / 3)
    assert prior.variance == pytest.approx((4 + 32) / 3 - (10 / 3) ** 2)
    assert Prior.national(ScoreTally(), 2.0).mean == NEUTRAL_MEAN


def test_only_units_with_enough_ratings_are_ranked_and_ties_share_a_rank():
    prior = Prior(mean=3.0, variance=1.0)
    scores = {
        "A": fair_score(ScoreTally(unverified={4: 30}), prior, POLICY),
        "B": fair_score(ScoreTally(unverified={5: 30}), prior, POLICY),
        "C": fair_score(ScoreTally(unverified={4: 30}), prior, POLICY),
        "D": fair_score(ScoreTally(unverified={5: 3}), prior, POLICY),
    }

    assert rank(scores) == {"A": 2, "B": 1, "C": 2, "D": None}
