"""Route dependencies: the read-model readers built from the app's Elasticsearch client."""

from typing import Annotated

from fastapi import Depends, Request

from stats_service.adapters.indices import StatsIndices
from stats_service.adapters.overview_reader import OverviewReader


def get_overview_reader(request: Request) -> OverviewReader:
    indices = StatsIndices(request.app.state.settings.elasticsearch_index_prefix)
    return OverviewReader(request.app.state.elasticsearch, indices)


OverviewReaderDep = Annotated[OverviewReader, Depends(get_overview_reader)]
