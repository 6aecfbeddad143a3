"""One agent per topic; each hands its messages to the projector in batches, in partition order.

A batch's offsets are acknowledged only after the whole batch is in Elasticsearch (Faust's
take_events acks after the loop body), so a crash replays at most the unacknowledged batches.
Ratings and complaints may run several actors on one queue (WORKER_DOCUMENT_CONCURRENCY; their
order does not matter, and Faust commits an offset only once every offset before it is
acknowledged); the point topics run one, keeping partition order.
Each agent yields the outcomes of a batch, one per message in order (one yield per batch: Faust
does work for every value an agent yields); `agent.test_context()` records them.
"""

from collections.abc import AsyncIterator

from citizeninfo_shared.topics import TopicName
from faust import StreamT

from stats_service.worker.app import app, settings, sink
from stats_service.worker.lag import progress
from stats_service.worker.projector import Outcome, project_batch
from stats_service.worker.topics import (
    catalogue_topic,
    complaints_topic,
    pins_topic,
    ratings_topic,
    readiness_topic,
)


async def _project_all(topic: TopicName, stream: StreamT) -> AsyncIterator[list[Outcome]]:
    async for events in stream.take_events(settings.worker_batch_size, within=settings.worker_batch_seconds):
        writer = await sink.writer()
        outcomes = await project_batch(
            topic,
            [event.value for event in events],
            writer,
            max_backoff_seconds=settings.worker_retry_max_backoff_seconds,
        )
        progress.handled(event.message for event in events)
        yield outcomes


@app.agent(catalogue_topic)
async def catalogue_events(stream: StreamT) -> AsyncIterator[list[Outcome]]:
    async for outcomes in _project_all(TopicName.CATALOGUE, stream):
        yield outcomes


@app.agent(pins_topic)
async def pin_events(stream: StreamT) -> AsyncIterator[list[Outcome]]:
    async for outcomes in _project_all(TopicName.PINS, stream):
        yield outcomes


@app.agent(readiness_topic)
async def readiness_events(stream: StreamT) -> AsyncIterator[list[Outcome]]:
    async for outcomes in _project_all(TopicName.READINESS, stream):
        yield outcomes


@app.agent(ratings_topic, concurrency=settings.worker_document_concurrency)
async def rating_events(stream: StreamT) -> AsyncIterator[list[Outcome]]:
    async for outcomes in _project_all(TopicName.RATINGS, stream):
        yield outcomes


@app.agent(complaints_topic, concurrency=settings.worker_document_concurrency)
async def complaint_events(stream: StreamT) -> AsyncIterator[list[Outcome]]:
    async for outcomes in _project_all(TopicName.COMPLAINTS, stream):
        yield outcomes
