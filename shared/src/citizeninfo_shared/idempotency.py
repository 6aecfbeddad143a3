"""Idempotent consumption: an event id is handled once per consumer, however often it arrives."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import Counter
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from citizeninfo_shared.events.envelope import CloudEvent

EVENTS_HANDLED = Counter("citizeninfo_events_handled_total", "Events handled for the first time", ["consumer"])
EVENTS_DUPLICATE = Counter(
    "citizeninfo_events_duplicates_skipped_total", "Events skipped because already handled", ["consumer"]
)


class ProcessedEvents(Protocol):
    async def seen(self, event_id: str) -> bool: ...

    async def mark(self, event_id: str) -> None: ...


class InMemoryProcessedEvents:
    """For unit tests and single-process tools."""

    def __init__(self) -> None:
        self._ids: set[str] = set()

    async def seen(self, event_id: str) -> bool:
        return event_id in self._ids

    async def mark(self, event_id: str) -> None:
        self._ids.add(event_id)


class MongoProcessedEvents:
    """Event ids handled by one consumer, kept in the consuming service's own database."""

    def __init__(self, collection: AsyncCollection, consumer: str) -> None:
        self._collection = collection
        self._consumer = consumer

    def _id(self, event_id: str) -> str:
        return f"{self._consumer}/{event_id}"

    async def seen(self, event_id: str) -> bool:
        return await self._collection.find_one({"_id": self._id(event_id)}, {"_id": 1}) is not None

    async def mark(self, event_id: str) -> None:
        try:
            await self._collection.insert_one({"_id": self._id(event_id), "at": datetime.now(UTC)})
        except DuplicateKeyError:
            pass


class IdempotentHandler:
    """Runs the handler for an event unless this consumer already handled that event id.

    The id is marked after the handler succeeds, so a crash in between re-runs the handler: handlers
    must make their effect idempotent too (upsert by a deterministic id), which together gives
    exactly-once effects on top of at-least-once delivery.
    """

    def __init__(
        self, consumer: str, processed: ProcessedEvents, handler: Callable[[CloudEvent], Awaitable[None]]
    ) -> None:
        self._consumer = consumer
        self._processed = processed
        self._handler = handler

    async def __call__(self, event: CloudEvent) -> bool:
        if await self._processed.seen(event.id):
            EVENTS_DUPLICATE.labels(self._consumer).inc()
            return False
        await self._handler(event)
        await self._processed.mark(event.id)
        EVENTS_HANDLED.labels(self._consumer).inc()
        return True
