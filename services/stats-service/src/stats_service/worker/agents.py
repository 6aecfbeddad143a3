"""One agent per topic; each hands its messages, in partition order, to the projector.

Each agent yields the outcome of every message, which is what `agent.test_context()` records.
"""

from collections.abc import AsyncIterable, AsyncIterator

from citizeninfo_shared.topics import TopicName

from stats_service.worker.app import app, settings, sink
from stats_service.worker.projector import Outcome, project
from stats_service.worker.topics import catalogue_topic, pins_topic, ratings_topic, readiness_topic


async def _project_all(topic: TopicName, stream: AsyncIterable[bytes | None]) -> AsyncIterator[Outcome]:
    async for raw in stream:
        writer = await sink.writer()
        yield await project(topic, raw, writer, max_backoff_seconds=settings.worker_retry_max_backoff_seconds)


@app.agent(catalogue_topic)
async def catalogue_events(stream: AsyncIterable[bytes | None]) -> AsyncIterator[Outcome]:
    async for outcome in _project_all(TopicName.CATALOGUE, stream):
        yield outcome


@app.agent(pins_topic)
async def pin_events(stream: AsyncIterable[bytes | None]) -> AsyncIterator[Outcome]:
    async for outcome in _project_all(TopicName.PINS, stream):
        yield outcome


@app.agent(readiness_topic)
async def readiness_events(stream: AsyncIterable[bytes | None]) -> AsyncIterator[Outcome]:
    async for outcome in _project_all(TopicName.READINESS, stream):
        yield outcome


@app.agent(ratings_topic)
async def rating_events(stream: AsyncIterable[bytes | None]) -> AsyncIterator[Outcome]:
    async for outcome in _project_all(TopicName.RATINGS, stream):
        yield outcome
