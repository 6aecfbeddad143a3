"""Satisfaction per service point, department, ministry, province and the nation; fair scores and ranks.

The formula is in the service README and in domain/satisfaction.py.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated

from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from stats_service.adapters.progress_reader import ProgressReader
from stats_service.adapters.satisfaction_reader import Level, Window, WindowFigures
from stats_service.api.deps import FairScorePolicyDep, ProgressReaderDep, SatisfactionReaderDep
from stats_service.domain import funnel as funnel_math
from stats_service.domain.provinces import province_name
from stats_service.domain.satisfaction import FairScore, FairScorePolicy, Prior, ScoreTally, fair_score, rank

router = APIRouter(prefix="/satisfaction", tags=["satisfaction"])

DECIMALS = 3


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


class FairScoreOut(BaseModel):
    score: float = Field(description="Bayesian average toward the national mean (1–5)")
    low: float = Field(description="Lower end of the 95% interval")
    high: float = Field(description="Upper end of the 95% interval")
    rankable: bool = Field(description="Enough ratings in the window to be ranked")

    @classmethod
    def of(cls, fair: FairScore) -> "FairScoreOut":
        return cls(score=_round(fair.score), low=_round(fair.low), high=_round(fair.high), rankable=fair.rankable)


class AspectOut(BaseModel):
    ratings: int
    mean: float


class WindowOut(BaseModel):
    ratings: int
    verified: int
    share_verified: float | None
    mean: float | None = Field(description="Plain mean of the scores; null without ratings")
    distribution: dict[str, int] = Field(description="Ratings per score 1–5")
    asked_for_copy: int = Field(description="Ratings saying a photocopy was demanded")
    aspects: dict[str, AspectOut]
    fair_score: FairScoreOut


def window_out(figures: WindowFigures, prior: Prior, policy: FairScorePolicy) -> WindowOut:
    tally = figures.tally
    return WindowOut(
        ratings=tally.count,
        verified=tally.verified_count,
        share_verified=_round(tally.verified_count / tally.count) if tally.count else None,
        mean=_round(tally.mean()),
        distribution=tally.distribution(),
        asked_for_copy=figures.asked_for_copy,
        aspects={name: AspectOut(ratings=n, mean=_round(mean)) for name, (n, mean) in sorted(figures.aspects.items())},
        fair_score=FairScoreOut.of(fair_score(tally, prior, policy)),
    )


class PolicyOut(BaseModel):
    prior_weight: float
    verified_weight: float
    minimum_ratings_to_rank: int


class UnitSatisfaction(BaseModel):
    level: str
    unit_id: str | None
    windows: dict[str, WindowOut] = Field(description="7d, 30d and all (calendar days, Asia/Bangkok)")
    policy: PolicyOut


class DayOut(BaseModel):
    day: date
    ratings: int
    verified: int
    mean: float | None


class DailySeries(BaseModel):
    level: str
    unit_id: str | None
    days: list[DayOut]


class RankedUnit(BaseModel):
    unit_id: str
    name_th: str | None = Field(default=None, description="The unit's name, where the read model knows it")
    name_en: str | None = None
    rank: int | None = Field(description="1 = best fair score; null below the minimum number of ratings")
    ratings: int
    verified: int
    mean: float | None
    fair_score: FairScoreOut


class Ranking(BaseModel):
    level: str
    window: str
    national_mean: float | None
    items: list[RankedUnit]
    policy: PolicyOut


def _policy_out(policy: FairScorePolicy) -> PolicyOut:
    return PolicyOut(
        prior_weight=policy.prior_weight,
        verified_weight=policy.verified_weight,
        minimum_ratings_to_rank=policy.minimum_ratings_to_rank,
    )


async def _unit(
    reader: SatisfactionReaderDep, policy: FairScorePolicy, level: Level | None, unit_id: str | None
) -> UnitSatisfaction:
    national = await reader.national_tallies()
    figures = await reader.windows(level, unit_id)
    windows = {
        window.value: window_out(figures[window], Prior.national(national[window], policy.verified_weight), policy)
        for window in Window
    }
    return UnitSatisfaction(
        level=level.value if level else "nation", unit_id=unit_id, windows=windows, policy=_policy_out(policy)
    )


def _series(days: list, level: Level | None, unit_id: str | None) -> DailySeries:
    return DailySeries(
        level=level.value if level else "nation",
        unit_id=unit_id,
        days=[
            DayOut(day=d.day, ratings=d.tally.count, verified=d.tally.verified_count, mean=_round(d.tally.mean()))
            for d in days
        ],
    )


DaysQuery = Annotated[int, Query(ge=1, le=366, description="How many days back, today included")]


@router.get("/nation", summary="National satisfaction in the 7-day, 30-day and all-time windows")
async def nation(reader: SatisfactionReaderDep, policy: FairScorePolicyDep) -> UnitSatisfaction:
    return await _unit(reader, policy, None, None)


@router.get("/nation/daily", summary="National ratings per day")
async def nation_daily(reader: SatisfactionReaderDep, days: DaysQuery = 30) -> DailySeries:
    return _series(await reader.daily(None, None, days), None, None)


class FunnelLevel(StrEnum):
    """The funnel's units, named as the query parameter spells them."""

    MINISTRY = "ministry"
    DEPARTMENT = "department"
    SERVICE_POINT = "service_point"
    PROVINCE = "province"

    @property
    def level(self) -> Level:
        return {
            FunnelLevel.MINISTRY: Level.MINISTRY,
            FunnelLevel.DEPARTMENT: Level.DEPARTMENT,
            FunnelLevel.SERVICE_POINT: Level.SERVICE_POINT,
            FunnelLevel.PROVINCE: Level.PROVINCE,
        }[self]


class FunnelUnitOut(BaseModel):
    unit_id: str
    name_th: str | None = None
    name_en: str | None = None
    n: int = Field(description="Ratings in the window")
    satisfied: int = Field(description="Ratings of 4 or 5")
    value: float = Field(description="Share of satisfied ratings, 0–1")
    z: float | None = Field(description="(value − target) / sqrt(target·(1 − target)/n); null if target is 0 or 1")
    classification: funnel_math.Classification


class LimitsOut(BaseModel):
    n: int
    lower_99_8: float
    lower_95: float
    upper_95: float
    upper_99_8: float


class TrendDayOut(BaseModel):
    day: date
    ratings: int
    satisfied: int
    share: float | None = Field(description="Satisfied / ratings; null on a day without ratings")
    mean: float | None


class FunnelOut(BaseModel):
    level: str
    window: str
    statistic: str = Field(description="What value means: the share of ratings scoring 4 or 5")
    target: float = Field(description="p0: the nation's share of satisfied ratings in the window")
    national_ratings: int
    national_satisfied: int
    z_95: float
    z_99_8: float
    overdispersion: float | None = Field(description="φ, winsorized mean squared z-score; not applied to limits")
    units: list[FunnelUnitOut] = Field(description="Most ratings first")
    limits: list[LimitsOut] = Field(description="The control limits sampled at increasing n, for drawing")
    trend: list[TrendDayOut] = Field(description="The nation's last 30 days (Asia/Bangkok), oldest first")


TREND_DAYS = 30


def _limits_out(bounds: funnel_math.Limits) -> LimitsOut:
    return LimitsOut(
        n=bounds.n,
        lower_99_8=round(bounds.lower_99_8, 4),
        lower_95=round(bounds.lower_95, 4),
        upper_95=round(bounds.upper_95, 4),
        upper_99_8=round(bounds.upper_99_8, 4),
    )


@router.get("/funnel", summary="Funnel plot: each unit's share of satisfied ratings against its number of ratings")
async def funnel(
    reader: SatisfactionReaderDep,
    names: ProgressReaderDep,
    level: FunnelLevel = FunnelLevel.DEPARTMENT,
    window: Window = Window.DAYS_30,
    ministry_id: str | None = None,
    department_id: str | None = None,
    province_code: str | None = None,
) -> FunnelOut:
    if level is FunnelLevel.SERVICE_POINT and not department_id:
        raise Problem(
            422,
            "level=service_point needs department_id: a funnel of one department's points.",
            title_th="ต้องระบุรหัสหน่วยงาน (department_id) เมื่อดูรายจุดให้บริการ",
        )
    filters = [
        {"term": {name: value}}
        for name, value in (
            ("ministry_id", ministry_id),
            ("department_id", department_id),
            ("province_code", province_code),
        )
        if value is not None
    ]
    national = (await reader.national_tallies())[window]
    p0 = funnel_math.target(national)
    tallies = await reader.by_unit(level.level, window, filters)
    units = funnel_math.funnel_units(tallies, p0)
    units.sort(key=lambda u: (-u.n, u.unit_id))
    named = await unit_names(names, level.level, [u.unit_id for u in units])
    days = await reader.daily(None, None, TREND_DAYS)
    return FunnelOut(
        level=level.value,
        window=window.value,
        statistic="share_satisfied_4_5",
        target=round(p0, 4),
        national_ratings=national.count,
        national_satisfied=funnel_math.satisfied(national),
        z_95=funnel_math.Z_95,
        z_99_8=funnel_math.Z_99_8,
        overdispersion=_round(funnel_math.overdispersion(u.z for u in units)),
        units=[
            FunnelUnitOut(
                unit_id=u.unit_id,
                name_th=named.get(u.unit_id, (None, None))[0],
                name_en=named.get(u.unit_id, (None, None))[1],
                n=u.n,
                satisfied=u.satisfied,
                value=round(u.value, 4),
                z=_round(u.z),
                classification=u.classification,
            )
            for u in units
        ],
        limits=[_limits_out(b) for b in funnel_math.limit_curves(p0, max((u.n for u in units), default=0))],
        trend=[
            TrendDayOut(
                day=d.day,
                ratings=d.tally.count,
                satisfied=(happy := funnel_math.satisfied(d.tally)),
                share=round(happy / d.tally.count, 4) if d.tally.count else None,
                mean=_round(d.tally.mean()),
            )
            for d in days
        ],
    )


@router.get("/{level}", summary="Units of one level ranked by fair score (e.g. a ministry's departments)")
async def ranking(
    level: Level,
    reader: SatisfactionReaderDep,
    policy: FairScorePolicyDep,
    names: ProgressReaderDep,
    window: Window = Window.DAYS_30,
    ministry_id: str | None = None,
    department_id: str | None = None,
    province_code: str | None = None,
) -> Ranking:
    filters = [
        {"term": {name: value}}
        for name, value in (
            ("ministry_id", ministry_id),
            ("department_id", department_id),
            ("province_code", province_code),
        )
        if value is not None
    ]
    national = (await reader.national_tallies())[window]
    prior = Prior.national(national, policy.verified_weight)
    tallies: dict[str, ScoreTally] = await reader.by_unit(level, window, filters)
    scores = {unit: fair_score(tally, prior, policy) for unit, tally in tallies.items()}
    ranks = rank(scores)
    named = await unit_names(names, level, list(tallies))
    items = [
        RankedUnit(
            unit_id=unit,
            name_th=named.get(unit, (None, None))[0],
            name_en=named.get(unit, (None, None))[1],
            rank=ranks[unit],
            ratings=tallies[unit].count,
            verified=tallies[unit].verified_count,
            mean=_round(tallies[unit].mean()),
            fair_score=FairScoreOut.of(scores[unit]),
        )
        for unit in tallies
    ]
    # Ranked units by rank; the rest after them, most ratings first.
    items.sort(key=lambda i: (i.rank is None, i.rank or 0, -i.ratings, i.unit_id))
    return Ranking(
        level=level.value,
        window=window.value,
        national_mean=_round(national.mean()),
        items=items,
        policy=_policy_out(policy),
    )


async def unit_names(
    reader: ProgressReader, level: Level, unit_ids: list[str]
) -> dict[str, tuple[str | None, str | None]]:
    """Thai and English names of the ranked units, so that the ranking reads as names, not ids."""
    if not unit_ids:
        return {}
    if level is Level.PROVINCE:
        return {code: tuple(names) for code in unit_ids if (names := province_name(code))}
    if level is Level.SERVICE_POINT:
        points = await reader.points([{"terms": {"service_point_id": sorted(unit_ids)}}])
        return {point.service_point_id: (point.name_th, point.name_en) for point in points}
    wanted = set(unit_ids)
    units = await reader.units("ministry" if level is Level.MINISTRY else "department")
    return {unit_id: (unit.name_th, unit.name_en) for unit_id, unit in units.items() if unit_id in wanted}


@router.get("/{level}/{unit_id}", summary="One unit's satisfaction in the 7-day, 30-day and all-time windows")
async def unit(
    level: Level, unit_id: str, reader: SatisfactionReaderDep, policy: FairScorePolicyDep
) -> UnitSatisfaction:
    return await _unit(reader, policy, level, unit_id)


@router.get("/{level}/{unit_id}/daily", summary="One unit's ratings per day")
async def unit_daily(level: Level, unit_id: str, reader: SatisfactionReaderDep, days: DaysQuery = 30) -> DailySeries:
    return _series(await reader.daily(level, unit_id, days), level, unit_id)
