"""Applies document updates to the read-model indices as partial upserts."""

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.domain.projections import DocumentUpdate

# Agents of different topics may update one service point at the same moment; Elasticsearch
# re-reads and re-applies a partial update on a version conflict this many times.
RETRY_ON_CONFLICT = 5


class ElasticsearchStatsWriter:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def apply(self, update: DocumentUpdate) -> None:
        await self._client.update(
            index=self._indices.name(update.read_model),
            id=update.document_id,
            doc=update.fields,
            doc_as_upsert=True,
            retry_on_conflict=RETRY_ON_CONFLICT,
        )
