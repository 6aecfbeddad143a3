"""Reliable publishing: the business write and its events live in one MongoDB document.

The MongoDB-wire server has no multi-document transactions, so a service stores the events it must
publish inside the very document it writes (`_outbox`), atomically. The relay publishes them to Kafka
and clears the outbox with a compare-and-set on `_outbox_version`, so an event staged meanwhile is
never lost (its document stays pending and is published again whole). Kafka down: writes still
succeed and the relay retries later.
Consumers see each event at least once and deduplicate by event id.
"""

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from prometheus_client import Counter, Gauge
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.topics import TopicName

OUTBOX_FIELD = "_outbox"
OUTBOX_PENDING_FIELD = "_outbox_pending"
OUTBOX_VERSION_FIELD = "_outbox_version"
# Documents inserted together (GroupedInserts) share a batch id, so the relay clears them in one update.
OUTBOX_BATCH_FIELD = "_outbox_batch"

log = structlog.get_logger(__name__)

OUTBOX_PUBLISHED = Counter(
    "citizeninfo_outbox_published_events_total", "Events the outbox relay published to Kafka", ["service"]
)
OUTBOX_FAILURES = Counter(
    "citizeninfo_outbox_publish_failures_total", "Failed attempts to publish outbox events", ["service"]
)
OUTBOX_BACKLOG = Gauge(
    "citizeninfo_outbox_backlog_documents",
    "Documents holding events not yet published, as of the last sweep",
    ["service"],
)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    event_id: str
    topic: str
    key: str
    value: str  # the CloudEvent JSON exactly as it will be sent

    @classmethod
    def of(cls, topic: TopicName, event: CloudEvent) -> "OutboxEntry":
        return cls(event_id=event.id, topic=str(topic), key=event.subject, value=event.model_dump_json())

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "OutboxEntry":
        return cls(document["event_id"], document["topic"], document["key"], document["value"])

    def to_document(self) -> dict[str, str]:
        return {"event_id": self.event_id, "topic": self.topic, "key": self.key, "value": self.value}


def new_document_with_events(document: dict[str, Any], *entries: OutboxEntry) -> dict[str, Any]:
    """A document to insert together with the events that announce it."""
    return {
        **document,
        OUTBOX_FIELD: [e.to_document() for e in entries],
        OUTBOX_PENDING_FIELD: bool(entries),
        OUTBOX_VERSION_FIELD: 1,
    }


def update_with_events(update: dict[str, Any], *entries: OutboxEntry) -> dict[str, Any]:
    """Adds the events to an update (operators only; never replace a document that has an outbox)."""
    merged = {op: dict(fields) for op, fields in update.items()}
    merged.setdefault("$push", {})[OUTBOX_FIELD] = {"$each": [e.to_document() for e in entries]}
    merged.setdefault("$set", {})[OUTBOX_PENDING_FIELD] = True
    merged.setdefault("$inc", {})[OUTBOX_VERSION_FIELD] = 1
    return merged


PUBLIC_PROJECTION = {OUTBOX_FIELD: 0, OUTBOX_PENDING_FIELD: 0, OUTBOX_VERSION_FIELD: 0, OUTBOX_BATCH_FIELD: 0}
_OUTBOX_PROJECTION = {OUTBOX_FIELD: 1, OUTBOX_VERSION_FIELD: 1, OUTBOX_BATCH_FIELD: 1}


class EventPublisher(Protocol):
    async def publish(self, entries: Sequence[OutboxEntry]) -> None: ...

    def close(self) -> None: ...


class OutboxRelay:
    """Publishes staged events: at once when told of a write, and by a periodic sweep for the rest."""

    batch_size = 500
    max_sweep_batches = 1_000

    def __init__(
        self,
        database: AsyncDatabase,
        collections: Iterable[str],
        publisher: EventPublisher,
        *,
        service: str,
        sweep_interval_seconds: float = 5.0,
        max_backoff_seconds: float = 10.0,
    ) -> None:
        self._database = database
        self._collections = tuple(collections)
        self._publisher = publisher
        self._service = service
        self._sweep_interval = sweep_interval_seconds
        self._max_backoff = max_backoff_seconds
        # (collection, document id, the document as inserted or None to read it again)
        self._written: asyncio.Queue[tuple[str, Any, dict[str, Any] | None]] = asyncio.Queue()

    def notify(self, collection: str, document_id: Any) -> None:
        """Tell the relay a document with new events was written (a hint; the sweep is the guarantee)."""
        self._written.put_nowait((collection, document_id, None))

    def notify_inserted(self, collection: str, document: dict[str, Any]) -> None:
        """Like notify, for a document this process has just inserted with new_document_with_events:
        the relay publishes from it without reading it back (its events and version are known)."""
        self._written.put_nowait((collection, document["_id"], document))

    async def run(self) -> None:
        # The sweep finds pending documents through this index (FerretDB scans without one).
        for name in self._collections:
            await self._database[name].create_index(OUTBOX_PENDING_FIELD)
            await self._database[name].create_index(OUTBOX_BATCH_FIELD, sparse=True)
        await self.sweep()
        while True:
            try:
                first = await asyncio.wait_for(self._written.get(), timeout=self._sweep_interval)
            except TimeoutError:
                await self.sweep()
                continue
            batch = [first]
            while len(batch) < self.batch_size and not self._written.empty():
                batch.append(self._written.get_nowait())
            to_read: dict[str, list[Any]] = {}
            inserted: dict[str, list[dict[str, Any]]] = {}
            for collection, document_id, document in batch:
                if document is None:
                    to_read.setdefault(collection, []).append(document_id)
                else:
                    inserted.setdefault(collection, []).append(document)
            for collection, documents in inserted.items():
                await self._relay(self._database[collection], documents)
            for collection, ids in to_read.items():
                await self.relay_documents(self._database[collection], ids)

    async def sweep(self) -> int:
        """Relay every document that still holds events; returns how many events it published."""
        published = 0
        for name in self._collections:
            collection = self._database[name]
            # Bounded, so a document that can never be cleared cannot hold the relay in this loop.
            for _ in range(self.max_sweep_batches):
                # A limit, so the server closes the cursor: FerretDB holds a connection per open cursor.
                pending = collection.find({OUTBOX_PENDING_FIELD: True}, _OUTBOX_PROJECTION).limit(self.batch_size)
                documents = await pending.to_list(None)
                published += await self._relay(collection, documents)
                if len(documents) < self.batch_size:
                    break
        OUTBOX_BACKLOG.labels(self._service).set(await self.backlog())
        return published

    async def backlog(self) -> int:
        counts = [
            await self._database[name].count_documents({OUTBOX_PENDING_FIELD: True}) for name in self._collections
        ]
        return sum(counts)

    async def relay_documents(self, collection: AsyncCollection, document_ids: Sequence[Any]) -> int:
        """Publishes the pending events of these documents in one flush, then removes what was published.

        Each document is read by `_id`, concurrently: a `$in` read would scan the collection on FerretDB.
        """
        found = await asyncio.gather(
            *(
                collection.find_one({"_id": document_id, OUTBOX_PENDING_FIELD: True}, _OUTBOX_PROJECTION)
                for document_id in dict.fromkeys(document_ids)
            )
        )
        return await self._relay(collection, [d for d in found if d is not None])

    async def _relay(self, collection: AsyncCollection, documents: list[dict[str, Any]]) -> int:
        entries = [OutboxEntry.from_document(e) for d in documents for e in d.get(OUTBOX_FIELD, [])]
        if not entries:
            return 0
        async for attempt in AsyncRetrying(
            wait=wait_exponential_jitter(initial=0.2, max=self._max_backoff),
            retry=retry_if_exception_type(Exception),
            before_sleep=self._log_failure,
            reraise=True,
        ):
            with attempt:
                await self._publisher.publish(entries)
        OUTBOX_PUBLISHED.labels(self._service).inc(len(entries))
        await self._clear_published(collection, documents)
        return len(entries)

    def _log_failure(self, retry_state: Any) -> None:
        OUTBOX_FAILURES.labels(self._service).inc()
        log.warning(
            "outbox_publish_failed",
            attempt=retry_state.attempt_number,
            error=repr(retry_state.outcome.exception()),
        )

    async def _clear_published(self, collection: AsyncCollection, documents: list[dict[str, Any]]) -> None:
        # Compare-and-set on the version: a document that staged another event since we read it has a
        # new version, stays pending, and is published again whole on the next pass (consumers
        # deduplicate by event id), so an event staged meanwhile is never lost. Documents inserted
        # together are cleared together: one update found through the batch index (FerretDB scans on
        # `$in` alone), costing the server well under half of one update per document.
        together: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
        for document in documents:
            if (batch := document.get(OUTBOX_BATCH_FIELD)) is not None:
                together.setdefault((batch, document.get(OUTBOX_VERSION_FIELD)), []).append(document)
        alone = [d for d in documents if d.get(OUTBOX_BATCH_FIELD) is None]
        await asyncio.gather(
            *(self._clear_batch(collection, batch, version, group) for (batch, version), group in together.items()),
            *(self._clear_one(collection, document) for document in alone),
        )

    async def _clear_one(self, collection: AsyncCollection, document: dict[str, Any]) -> None:
        async with DOCUMENT_LOCKS.hold(collection.name, document["_id"]):
            await collection.update_one(
                {"_id": document["_id"], OUTBOX_VERSION_FIELD: document.get(OUTBOX_VERSION_FIELD)}, _CLEARED
            )

    async def _clear_batch(
        self, collection: AsyncCollection, batch: Any, version: Any, documents: list[dict[str, Any]]
    ) -> None:
        ids = sorted({document["_id"] for document in documents}, key=str)
        async with contextlib.AsyncExitStack() as held:
            for document_id in ids:  # in one order, so two clears never wait on each other
                await held.enter_async_context(DOCUMENT_LOCKS.hold(collection.name, document_id))
            await collection.update_many(
                {OUTBOX_BATCH_FIELD: batch, "_id": {"$in": ids}, OUTBOX_VERSION_FIELD: version}, _CLEARED
            )


_CLEARED = {"$set": {OUTBOX_FIELD: [], OUTBOX_PENDING_FIELD: False}}


class KafkaEventPublisher:
    """Sends outbox entries with an idempotent kafka-python producer, off the event loop."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, send_timeout_seconds: float = 30.0) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._send_timeout = send_timeout_seconds
        self._producer: Any = None

    async def publish(self, entries: Sequence[OutboxEntry]) -> None:
        await asyncio.to_thread(self._publish_blocking, entries)

    def _publish_blocking(self, entries: Sequence[OutboxEntry]) -> None:
        from citizeninfo_shared.kafka import create_producer

        try:
            if self._producer is None:
                self._producer = create_producer(self._bootstrap_servers, client_id=self._client_id)
            futures = [
                self._producer.send(
                    e.topic,
                    key=e.key.encode(),
                    value=e.value.encode(),
                    headers=[("content-type", b"application/cloudevents+json")],
                )
                for e in entries
            ]
            self._producer.flush(timeout=self._send_timeout)
            for future in futures:
                future.get(timeout=self._send_timeout)
        except Exception:
            # A fresh producer after any failure: its idempotence state may be unusable.
            self.close()
            raise

    def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                producer.close(timeout=1)
            except Exception as error:  # closing a broken producer must not hide the first error
                log.warning("producer_close_failed", error=repr(error))
