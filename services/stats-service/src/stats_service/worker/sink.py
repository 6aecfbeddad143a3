"""The worker's one Elasticsearch writer: connects, and creates the indices, before its first write.

Created lazily inside the event loop (nothing connects at import) and guarded by a lock, so the
agents that start together share one client and every write lands in an index that already has its
explicit mapping — never in one Elasticsearch guessed from the first document.
"""

import asyncio

import structlog
from elasticsearch import AsyncElasticsearch
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

from stats_service.adapters.elasticsearch_writer import ElasticsearchStatsWriter
from stats_service.adapters.indices import StatsIndices, ensure_indices
from stats_service.config import StatsSettings
from stats_service.worker.projector import StatsWriter

log = structlog.get_logger(__name__)


class ElasticsearchSink:
    def __init__(self, settings: StatsSettings) -> None:
        self._settings = settings
        self._writer: StatsWriter | None = None
        self._client: AsyncElasticsearch | None = None
        self._lock = asyncio.Lock()

    async def writer(self) -> StatsWriter:
        if self._writer is None:
            async with self._lock:
                if self._writer is None:
                    self._writer = await self._connect()
        return self._writer

    def use(self, writer: StatsWriter | None) -> None:
        """Unit tests hand in their own writer (None: connect on next use again)."""
        self._writer = writer

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            self._writer = None
            await client.close()

    async def _connect(self) -> StatsWriter:
        settings = self._settings
        indices = StatsIndices(settings.elasticsearch_index_prefix)
        self._client = AsyncElasticsearch(settings.elasticsearch_hosts, request_timeout=10)

        def before_sleep(state: RetryCallState) -> None:
            log.error(
                "stats_indices_waiting_for_elasticsearch",
                attempt=state.attempt_number,
                error=repr(state.outcome.exception()) if state.outcome else None,
            )

        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential(multiplier=0.2, max=settings.worker_retry_max_backoff_seconds),
            before_sleep=before_sleep,
            reraise=True,
        ):
            with attempt:
                created = await ensure_indices(
                    self._client,
                    indices,
                    replicas=settings.elasticsearch_number_of_replicas,
                    refresh_interval=settings.elasticsearch_refresh_interval,
                )
        log.info("stats_indices_ready", created=created, prefix=indices.prefix)
        return ElasticsearchStatsWriter(self._client, indices)
