"""Route dependencies: the read-model readers built from the app's Elasticsearch client."""

from typing import Annotated

from fastapi import Depends, Request

from stats_service.adapters.indices import StatsIndices
from stats_service.adapters.overview_reader import OverviewReader
from stats_service.adapters.progress_reader import ProgressReader
from stats_service.adapters.reconciliation_reader import ReconciliationReader
from stats_service.adapters.satisfaction_reader import SatisfactionReader
from stats_service.config import StatsSettings
from stats_service.domain.satisfaction import FairScorePolicy


def _indices(request: Request) -> StatsIndices:
    return StatsIndices(request.app.state.settings.elasticsearch_index_prefix)


async def get_overview_reader(request: Request) -> OverviewReader:
    return OverviewReader(request.app.state.elasticsearch, _indices(request))


async def get_progress_reader(request: Request) -> ProgressReader:
    return ProgressReader(request.app.state.elasticsearch, _indices(request))


async def get_satisfaction_reader(request: Request) -> SatisfactionReader:
    return SatisfactionReader(request.app.state.elasticsearch, _indices(request))


async def get_reconciliation_reader(request: Request) -> ReconciliationReader:
    return ReconciliationReader(request.app.state.elasticsearch, _indices(request))


async def get_fair_score_policy(request: Request) -> FairScorePolicy:
    settings: StatsSettings = request.app.state.settings
    return FairScorePolicy(
        prior_weight=settings.fair_score_prior_weight,
        verified_weight=settings.verified_rating_weight,
        minimum_ratings_to_rank=settings.minimum_ratings_to_rank,
    )


OverviewReaderDep = Annotated[OverviewReader, Depends(get_overview_reader)]
ProgressReaderDep = Annotated[ProgressReader, Depends(get_progress_reader)]
SatisfactionReaderDep = Annotated[SatisfactionReader, Depends(get_satisfaction_reader)]
ReconciliationReaderDep = Annotated[ReconciliationReader, Depends(get_reconciliation_reader)]
FairScorePolicyDep = Annotated[FairScorePolicy, Depends(get_fair_score_policy)]
