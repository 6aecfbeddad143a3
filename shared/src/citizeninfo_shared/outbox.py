"""Reliable publishing: no write is acknowledged before the events that announce it are stored.

The MongoDB-wire server has no multi-document transactions. Two ways to stage events follow from that:

- **In the document** (`_outbox`): a write stores its events inside the very document it writes,
  atomically. The relay publishes them to Kafka and clears the outbox with a compare-and-set on
  `_outbox_version`, so an event staged meanwhile is never lost (its document stays pending and is
  published again whole).
- **Ahead of a batch of inserts** (`outbox_batches`, used by GroupedInserts): the events of a whole
  insert_many are stored first, in one batch document (as one compressed BSON blob: FerretDB turns
  every nested field into JSONB, which cost it more than the inserts themselves); then the documents
  are inserted, each stamped with the batch id. The relay publishes the events of the documents that
  were stored and deletes the batch document (about a second later, with others, in one command).
  Nothing is ever updated per document: on FerretDB an update costs the server about four times an
  insert, while the batch document's insert and delete are shared by the whole batch. A batch left
  behind by a crash is recovered by the sweep once it is older than `abandoned_batch_seconds`: it
  publishes the events of exactly the documents that carry the batch id (a document the insert
  refused, e.g. a duplicate, carries another batch id or none, so its event is never published). The
  one gap: an insert_many stalled in the database for longer than that grace time, whose batch the
  sweep meanwhile recovered and deleted, and whose process then dies before publishing, would leave
  its documents unannounced. The grace time is a minute; inserts take milliseconds.

Kafka down: writes still succeed and the relay retries later. Consumers see each event at least once
and deduplicate by event id.
"""

import asyncio
import contextlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import bson
import structlog
from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential_jitter

from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.kafka import create_async_producer
from citizeninfo_shared.topics import TopicName

OUTBOX_FIELD = "_outbox"
OUTBOX_PENDING_FIELD = "_outbox_pending"
OUTBOX_VERSION_FIELD = "_outbox_version"
# Documents inserted together (GroupedInserts) carry the id of the batch document holding their events.
OUTBOX_BATCH_FIELD = "_outbox_batch"
OUTBOX_BATCHES_COLLECTION = "outbox_batches"

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
_OUTBOX_PROJECTION = {OUTBOX_FIELD: 1, OUTBOX_VERSION_FIELD: 1}


@dataclass(frozen=True, slots=True)
class StagedEvents:
    """The events of one document about to be inserted in a batch."""

    document_id: Any
    entries: tuple[OutboxEntry, ...]


@dataclass(frozen=True, slots=True)
class InsertedBatch:
    """A batch whose inserts are done: the events of the documents that were stored, ready to publish."""

    collection: str
    batch_id: str
    entries: tuple[OutboxEntry, ...]


# What the relay is told of a write: (collection, document id, the document as inserted or None to read
# it again), or a batch whose inserts are done.
Note = tuple[str, Any, dict[str, Any] | None] | InsertedBatch


def batch_document(collection: str, batch_id: str, staged: Sequence[StagedEvents], now: datetime) -> dict[str, Any]:
    events = [{"document_id": s.document_id, **entry.to_document()} for s in staged for entry in s.entries]
    return {
        "_id": batch_id,
        "collection": collection,
        "staged_at": now,
        # Level 1: the events repeat their field names and the point's organisation, so even the
        # fastest level shrinks them several times.
        "events": bson.Binary(zlib.compress(bson.encode({"events": events}), 1)),
    }


def batch_events(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """The staged events of a batch document (a plain list in documents written before compression)."""
    events = batch["events"]
    if isinstance(events, bytes):
        return bson.decode(zlib.decompress(events))["events"]
    return events


class EventPublisher(Protocol):
    async def publish(self, entries: Sequence[OutboxEntry]) -> None: ...

    async def close(self) -> None: ...


class OutboxRelay:
    """Publishes staged events: at once when told of a write, and by a periodic sweep for the rest."""

    batch_size = 500
    # Documents of a bulk job (notify_bulk) relayed per round: a round is what a write notified meanwhile
    # may have to wait for (about a second on FerretDB), so it stays small.
    bulk_round_size = 200
    max_sweep_batches = 1_000
    recover_at_once = 50  # abandoned batches read per round (each holds up to a hundred events)

    def __init__(
        self,
        database: AsyncDatabase,
        collections: Iterable[str],
        publisher: EventPublisher,
        *,
        service: str,
        sweep_interval_seconds: float = 5.0,
        max_backoff_seconds: float = 10.0,
        abandoned_batch_seconds: float = 60.0,
        delete_batches_at_once: int = 20,
        delete_batches_after_seconds: float = 1.0,
    ) -> None:
        self._database = database
        self._collections = tuple(collections)
        self._publisher = publisher
        self._service = service
        self._sweep_interval = sweep_interval_seconds
        self._max_backoff = max_backoff_seconds
        # Longer than any insert_many takes: a younger batch may still be getting its documents.
        self._abandoned_after = timedelta(seconds=abandoned_batch_seconds)
        self._batches = database[OUTBOX_BATCHES_COLLECTION]
        self._written: asyncio.Queue[Note] = asyncio.Queue()
        # The same for the writes of a bulk job (a catalogue import): relayed only when nothing is waiting
        # in `_written`, so one person's pin is not queued behind 78,000 imported records.
        self._bulk_written: asyncio.Queue[Note] = asyncio.Queue()
        self._anything_written = asyncio.Event()
        # Batches this process staged and has not deleted yet: never the sweep's to recover.
        self._own_batches: set[str] = set()
        # Published batches are deleted together, by one delete_many: on FerretDB each command costs the
        # server and the driver about as much as a whole insert_many. A crash before the delete only
        # means the sweep publishes those events once more.
        self._published_batches: list[str] = []
        self._delete_at_once = delete_batches_at_once
        self._delete_after = delete_batches_after_seconds
        self._first_published_at = 0.0

    def notify(self, collection: str, document_id: Any) -> None:
        """Tell the relay a document with new events was written (a hint; the sweep is the guarantee)."""
        self._note(self._written, (collection, document_id, None))

    def notify_bulk(self, collection: str, document_id: Any) -> None:
        """Like notify, for one of the many writes of a bulk job: relayed after what notify was told."""
        self._note(self._bulk_written, (collection, document_id, None))

    def _note(self, queue: "asyncio.Queue[Note]", note: Note) -> None:
        queue.put_nowait(note)
        self._anything_written.set()

    def notify_inserted(self, collection: str, document: dict[str, Any]) -> None:
        """Like notify, for a document this process has just inserted with new_document_with_events:
        the relay publishes from it without reading it back (its events and version are known)."""
        self._note(self._written, (collection, document["_id"], document))

    async def stage_batch(self, collection: str, batch_id: str, staged: Sequence[StagedEvents]) -> None:
        """Stores the events of a batch of documents before they are inserted (see the module's text).

        After the inserts, call notify_batch with the events of the documents that were stored; after an
        insert whose outcome is unknown, call hand_over_batch: the sweep recovers it from the database.
        """
        self._own_batches.add(batch_id)
        try:
            await self._batches.insert_one(batch_document(collection, batch_id, staged, datetime.now(UTC)))
        except BaseException:
            self._own_batches.discard(batch_id)  # perhaps stored after all: then the sweep's to recover
            raise

    def hand_over_batch(self, batch_id: str) -> None:
        """The staged batch's insert has an unknown outcome: it is no longer this process's, so the sweep
        recovers it once it is older than the grace time (publishing the events of what was stored)."""
        self._own_batches.discard(batch_id)

    def notify_batch(self, collection: str, batch_id: str, stored: Sequence[OutboxEntry]) -> None:
        """The staged batch's inserts are done; `stored` are the events of the documents that went in."""
        self._note(self._written, InsertedBatch(collection, batch_id, tuple(stored)))

    async def run(self) -> None:
        # The sweep finds pending documents, and a recovered batch its documents, through these indexes
        # (FerretDB scans without them).
        for name in self._collections:
            await self._database[name].create_index(OUTBOX_PENDING_FIELD)
            await self._database[name].create_index(OUTBOX_BATCH_FIELD, sparse=True)
        loop = asyncio.get_running_loop()
        await self.sweep()
        next_sweep = loop.time() + self._sweep_interval
        try:
            while True:
                wake_at = next_sweep
                if self._published_batches:
                    wake_at = min(wake_at, self._first_published_at + self._delete_after)
                if self._written.empty() and self._bulk_written.empty():
                    self._anything_written.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._anything_written.wait(), timeout=max(0.0, wake_at - loop.time()))
                if not self._written.empty():
                    await self._relay_notified(self._written, self.batch_size)
                elif not self._bulk_written.empty():
                    await self._relay_notified(self._bulk_written, self.bulk_round_size)
                if self._published_batches and loop.time() >= self._first_published_at + self._delete_after:
                    await self._delete_published_batches()
                # Also under steady load, so a batch a crashed process left behind is not left for long.
                if loop.time() >= next_sweep:
                    await self.sweep()
                    next_sweep = loop.time() + self._sweep_interval
        finally:
            # On the way out, so a restart does not publish these events once more.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await self._delete_published_batches()

    async def _relay_notified(self, queue: "asyncio.Queue[Note]", at_most: int) -> None:
        notes: list[Note] = []
        while len(notes) < at_most and not queue.empty():
            notes.append(queue.get_nowait())
        to_read: dict[str, list[Any]] = {}
        inserted: dict[str, list[dict[str, Any]]] = {}
        batches: list[InsertedBatch] = []
        for note in notes:
            if isinstance(note, InsertedBatch):
                batches.append(note)
                continue
            collection, document_id, document = note
            if document is None:
                to_read.setdefault(collection, []).append(document_id)
            else:
                inserted.setdefault(collection, []).append(document)
        if batches:
            await self._relay_batches(batches)
        for collection, documents in inserted.items():
            await self._relay(self._database[collection], documents)
        for collection, ids in to_read.items():
            await self.relay_documents(self._database[collection], ids)

    async def sweep(self) -> int:
        """Relay every document that still holds events, and every abandoned batch; returns how many
        events it published."""
        published = await self._recover_abandoned_batches()
        for name in self._collections:
            collection = self._database[name]
            # Bounded, so a document that can never be cleared cannot hold the relay in this loop.
            for _ in range(self.max_sweep_batches):
                # Writes notified meanwhile go first: during an import the sweep finds thousands pending.
                while not self._written.empty():
                    await self._relay_notified(self._written, self.batch_size)
                # A limit, so the server closes the cursor: FerretDB holds a connection per open cursor.
                pending = collection.find({OUTBOX_PENDING_FIELD: True}, _OUTBOX_PROJECTION).limit(self.batch_size)
                documents = await pending.to_list(None)
                published += await self._relay(collection, documents)
                if len(documents) < self.batch_size:
                    break
        OUTBOX_BACKLOG.labels(self._service).set(await self.backlog())
        return published

    async def backlog(self) -> int:
        """Documents and batches holding events not yet published (a published batch waiting for its
        delete does not count)."""
        counts = [
            await self._database[name].count_documents({OUTBOX_PENDING_FIELD: True}) for name in self._collections
        ]
        staged = await self._batches.count_documents({})
        return sum(counts) + max(0, staged - len(self._published_batches))

    async def _relay_batches(self, batches: Sequence[InsertedBatch]) -> None:
        """Publishes the stored documents' events of these batches in one flush, then deletes the batch
        documents; a failed delete only means the sweep publishes those events once more."""
        entries = [entry for batch in batches for entry in batch.entries]
        if entries:
            await self._publish(entries)
        if not self._published_batches:
            self._first_published_at = asyncio.get_running_loop().time()
        self._published_batches.extend(batch.batch_id for batch in batches)
        if len(self._published_batches) >= self._delete_at_once:
            await self._delete_published_batches()

    async def _delete_published_batches(self) -> None:
        if not self._published_batches:
            return
        published, self._published_batches = self._published_batches, []
        try:
            # A `$in` scans the collection on FerretDB; it only holds the batches not deleted yet.
            await self._batches.delete_many({"_id": {"$in": published}})
        except Exception as error:
            log.warning("outbox_batch_delete_failed", batches=len(published), error=repr(error))
        self._own_batches.difference_update(published)

    async def _recover_abandoned_batches(self) -> int:
        """Publishes and deletes the batches a crashed process left behind (older than the grace time)."""
        cutoff = datetime.now(UTC) - self._abandoned_after
        published = 0
        for _ in range(self.max_sweep_batches):
            # The collection only holds batches not yet published, so scanning it is cheap.
            found = await self._batches.find({"staged_at": {"$lt": cutoff}}).limit(self.recover_at_once).to_list(None)
            abandoned = [
                batch
                for batch in found
                if batch["_id"] not in self._own_batches and batch.get("collection") in self._collections
            ]
            for batch in abandoned:
                published += await self._recover_batch(batch)
            if len(found) < self.recover_at_once or not abandoned:
                break
        return published

    async def _recover_batch(self, batch: dict[str, Any]) -> int:
        """Publishes the events of exactly the documents stored with this batch's id, then deletes it."""
        collection = self._database[batch["collection"]]
        stored = await collection.find({OUTBOX_BATCH_FIELD: batch["_id"]}, {"_id": 1}).to_list(None)
        stored_ids = {document["_id"] for document in stored}
        entries = [OutboxEntry.from_document(e) for e in batch_events(batch) if e["document_id"] in stored_ids]
        if entries:
            await self._publish(entries)
        await self._batches.delete_one({"_id": batch["_id"]})
        log.info("outbox_batch_recovered", batch=batch["_id"], events=len(entries))
        return len(entries)

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
        await self._publish(entries)
        await asyncio.gather(*(self._clear_one(collection, document) for document in documents))
        return len(entries)

    async def _publish(self, entries: Sequence[OutboxEntry]) -> None:
        """Publishes, retrying until Kafka takes them (the writes stay accepted meanwhile)."""
        async for attempt in AsyncRetrying(
            wait=wait_exponential_jitter(multiplier=0.2, max=self._max_backoff),
            retry=retry_if_exception_type(Exception),
            before_sleep=self._log_failure,
            reraise=True,
        ):
            with attempt:
                await self._publisher.publish(entries)
        OUTBOX_PUBLISHED.labels(self._service).inc(len(entries))

    def _log_failure(self, retry_state: Any) -> None:
        OUTBOX_FAILURES.labels(self._service).inc()
        log.warning(
            "outbox_publish_failed",
            attempt=retry_state.attempt_number,
            error=repr(retry_state.outcome.exception()),
        )

    async def _clear_one(self, collection: AsyncCollection, document: dict[str, Any]) -> None:
        # Compare-and-set on the version: a document that staged another event since we read it has a
        # new version, stays pending, and is published again whole on the next pass (consumers
        # deduplicate by event id), so an event staged meanwhile is never lost.
        async with DOCUMENT_LOCKS.hold(collection.name, document["_id"]):
            await collection.update_one(
                {"_id": document["_id"], OUTBOX_VERSION_FIELD: document.get(OUTBOX_VERSION_FIELD)}, _CLEARED
            )


_CLEARED = {"$set": {OUTBOX_FIELD: [], OUTBOX_PENDING_FIELD: False}}


class KafkaEventPublisher:
    """Sends outbox entries with an idempotent aiokafka producer, on the event loop (no thread hop;
    records are built by aiokafka's C extension)."""

    def __init__(self, bootstrap_servers: str, *, client_id: str, send_timeout_seconds: float = 30.0) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._send_timeout = send_timeout_seconds
        self._producer: AIOKafkaProducer | None = None

    async def publish(self, entries: Sequence[OutboxEntry]) -> None:
        try:
            async with asyncio.timeout(self._send_timeout):
                producer = await self._started()
                # In order: the producer keeps each key's events in the order they were handed to it.
                deliveries = [
                    await producer.send(e.topic, key=e.key.encode(), value=e.value.encode(), headers=_HEADERS)
                    for e in entries
                ]
                outcomes = await asyncio.gather(*deliveries, return_exceptions=True)
            if failed := next((o for o in outcomes if isinstance(o, BaseException)), None):
                raise failed
        except BaseException:
            # A fresh producer after any failure: its idempotence state may be unusable.
            await self.close()
            raise

    async def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_async_producer(self._bootstrap_servers, client_id=self._client_id)
            try:
                await producer.start()
            except BaseException:
                await _stop_quietly(producer)
                raise
            self._producer = producer
        return self._producer

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await _stop_quietly(producer)


_HEADERS = [("content-type", b"application/cloudevents+json")]


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    """Stops a producer that may be broken; never hides the error that made us stop it."""
    try:
        async with asyncio.timeout(5):
            await producer.stop()
    except (Exception, TimeoutError) as error:
        log.warning("producer_close_failed", error=repr(error))
