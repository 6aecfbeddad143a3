"""The relay publishes what was stored with the write, once per event id after deduplication.

Why servers of its own: these tests stage events in a database and publish them to Kafka, and one
kills the database under them. A throw-away FerretDB + PostgreSQL (the images compose runs here) and a
throw-away broker mean no service of the running system relays, reads or loses what the tests stage,
and the restart test can kill PostgreSQL for real (the shared one serves every service) to prove that
staged events survive a database crash and restart. Nothing here needs the native or compose stack.
"""

import asyncio
import contextlib
import uuid

import pytest
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.grouped_inserts import GroupedInserts
from citizeninfo_shared.idempotency import IdempotentHandler, InMemoryProcessedEvents
from citizeninfo_shared.outbox import (
    OUTBOX_BATCH_FIELD,
    OUTBOX_BATCHES_COLLECTION,
    OUTBOX_FIELD,
    OUTBOX_PENDING_FIELD,
    KafkaEventPublisher,
    OutboxEntry,
    OutboxRelay,
    new_document_with_events,
    update_with_events,
)
from citizeninfo_shared.topics import TopicName
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect, DuplicateKeyError

from tests import targets
from tests.integration import throwaway
from tests.integration.support import TopicTail
from tests.integration.throwaway import ThrowawayKafka, ThrowawayMongoDB

pytestmark = pytest.mark.integration
# The throw-away fixtures, found by pytest under these names.
throwaway_kafka = throwaway.throwaway_kafka
throwaway_mongodb = throwaway.throwaway_mongodb


def rating_event(point_id: str, score: int) -> CloudEvent:
    data = RatingSubmitted(
        rating_id=str(uuid.uuid4()),
        service_point_id=point_id,
        score=score,
        verified=False,
        submitted_at="2026-11-21T10:00:00Z",
    )
    return CloudEvent.wrap(data, source="/tests/outbox", subject=point_id)


class RecordingPublisher:
    """Stands in for Kafka where a test needs to see what the relay published, in order."""

    def __init__(self) -> None:
        self.published: list[str] = []

    async def publish(self, entries):
        self.published += [e.event_id for e in entries]

    async def close(self):
        pass


@pytest.fixture
async def database(throwaway_mongodb: ThrowawayMongoDB):
    client = AsyncMongoClient(throwaway_mongodb.url, serverSelectionTimeoutMS=3000)
    database = client[f"citizeninfo_test_{uuid.uuid4().hex[:8]}"]
    yield database
    await client.drop_database(database.name)
    await client.close()


async def test_sweep_and_notify_publish_each_staged_event(throwaway_kafka: ThrowawayKafka, database, monkeypatch):
    # The throw-away broker is plaintext whatever the target: no Kafka user for the tail or the publisher
    # (which reads its client settings from the environment).
    monkeypatch.setattr(targets, "kafka_options", lambda **_: {})
    for name in ("SECURITY_PROTOCOL", "SASL_MECHANISM", "USERNAME", "PASSWORD"):
        monkeypatch.delenv(f"CITIZENINFO_KAFKA_{name}", raising=False)
    tail = TopicTail(throwaway_kafka.bootstrap, TopicName.RATINGS)
    publisher = KafkaEventPublisher(throwaway_kafka.bootstrap, client_id="test-relay")
    relay = OutboxRelay(database, ["ratings"], publisher, service="test", sweep_interval_seconds=0.2)
    point = f"P-{uuid.uuid4().hex[:8]}"
    events = [rating_event(point, score) for score in (1, 2, 3, 4, 5)]
    for event in events[:3]:
        document = {"_id": event.data["rating_id"], "score": event.data["score"]}
        await database["ratings"].insert_one(
            new_document_with_events(document, OutboxEntry.of(TopicName.RATINGS, event))
        )
    # Two more events staged on one document by later updates.
    await database["ratings"].update_one(
        {"_id": events[0].data["rating_id"]},
        update_with_events({"$set": {"edited": True}}, *(OutboxEntry.of(TopicName.RATINGS, e) for e in events[3:])),
    )
    task = asyncio.create_task(relay.run())
    try:
        records = await asyncio.to_thread(
            tail.collect, lambda rs: len([r for r in rs if r.key == point.encode()]) >= 5, 20
        )
        async with asyncio.timeout(10):  # published, then marked sent
            while await relay.backlog():
                await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await publisher.close()
        tail.close()
    ours = [CloudEvent.from_json_bytes(r.value) for r in records if r.key == point.encode()]
    assert sorted(e.id for e in ours) == sorted(e.id for e in events)
    handled = []

    async def record(event: CloudEvent) -> None:
        handled.append(event.id)

    consumer = IdempotentHandler("test", InMemoryProcessedEvents(), record)
    for event in ours + ours:  # delivered twice: handled once
        await consumer(event)
    assert sorted(handled) == sorted(e.id for e in events)


async def test_an_event_staged_while_publishing_is_kept(database):
    """The compare-and-set never clears an event it did not publish."""
    first, second = rating_event("P-cas", 3), rating_event("P-cas", 4)
    await database["ratings"].insert_one(
        new_document_with_events({"_id": "r1"}, OutboxEntry.of(TopicName.RATINGS, first))
    )

    class StagingPublisher:
        """Publishes nothing; stages another event mid-publish, as a concurrent write would."""

        published: list[str] = []

        async def publish(self, entries):
            self.published += [e.event_id for e in entries]
            if len(self.published) == 1:
                await database["ratings"].update_one(
                    {"_id": "r1"}, update_with_events({"$set": {"x": 1}}, OutboxEntry.of(TopicName.RATINGS, second))
                )

        async def close(self):
            pass

    publisher = StagingPublisher()
    relay = OutboxRelay(database, ["ratings"], publisher, service="test")
    await relay.relay_documents(database["ratings"], ["r1"])
    document = await database["ratings"].find_one({"_id": "r1"})
    # Still pending, with both events: the staged one is kept (the first goes out again; consumers dedupe).
    assert [e["event_id"] for e in document["_outbox"]] == [first.id, second.id]
    assert document[OUTBOX_PENDING_FIELD] is True
    await relay.sweep()
    assert publisher.published == [first.id, first.id, second.id]
    assert await relay.backlog() == 0


async def test_a_document_handed_over_at_insert_is_published_without_losing_later_events(database):
    """notify_inserted publishes from the inserted document; an event staged on it since stays pending."""
    first, second = rating_event("P-hint", 2), rating_event("P-hint", 5)
    inserted = new_document_with_events({"_id": "r-hint"}, OutboxEntry.of(TopicName.RATINGS, first))
    await database["ratings"].insert_one(inserted)

    publisher = RecordingPublisher()
    relay = OutboxRelay(database, ["ratings"], publisher, service="test", sweep_interval_seconds=30)
    task = asyncio.create_task(relay.run())
    try:
        async with asyncio.timeout(10):  # the start-up sweep publishes the first event and clears it
            while await relay.backlog():
                await asyncio.sleep(0.05)
        await database["ratings"].update_one(
            {"_id": "r-hint"}, update_with_events({"$set": {"x": 1}}, OutboxEntry.of(TopicName.RATINGS, second))
        )
        relay.notify_inserted("ratings", inserted)  # a stale hint: version 1, only the first event
        async with asyncio.timeout(10):
            while len(publisher.published) < 2:
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert publisher.published == [first.id, first.id]
    document = await database["ratings"].find_one({"_id": "r-hint"})
    # The stale hint's clear did not match the new version: the second event is still there.
    assert [e["event_id"] for e in document["_outbox"]] == [second.id]
    assert document[OUTBOX_PENDING_FIELD] is True
    await relay.sweep()
    assert publisher.published == [first.id, first.id, second.id]
    assert await relay.backlog() == 0


async def _insert_together(inserts: GroupedInserts, events: list[CloudEvent], taken: str) -> list:
    """Inserts a rating document per event at once, plus one whose `_id` is taken (refused)."""
    refused = rating_event("P-batch", 5)
    return await asyncio.gather(
        *(inserts.insert({"_id": e.data["rating_id"]}, OutboxEntry.of(TopicName.RATINGS, e)) for e in events),
        inserts.insert({"_id": taken}, OutboxEntry.of(TopicName.RATINGS, refused)),
        return_exceptions=True,
    )


async def test_a_batch_staged_ahead_publishes_exactly_its_stored_documents_and_is_gone(database):
    """GroupedInserts stores the batch's events first; the relay publishes those of the documents that
    went in (not the refused duplicate's), and deletes the batch document. No document is updated."""
    await database["ratings"].insert_one({"_id": "r-taken"})
    publisher = RecordingPublisher()
    relay = OutboxRelay(database, ["ratings"], publisher, service="test", sweep_interval_seconds=30)
    events = [rating_event("P-batch", score) for score in (1, 2, 3)]
    task = asyncio.create_task(relay.run())
    try:
        outcomes = await _insert_together(GroupedInserts(database["ratings"], relay), events, "r-taken")
        assert outcomes[:3] == [None, None, None] and isinstance(outcomes[3], DuplicateKeyError)
        # Published, then deleted about a second later (with any other published batches).
        async with asyncio.timeout(10):
            while await relay.backlog() or await database[OUTBOX_BATCHES_COLLECTION].count_documents({}):
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert sorted(publisher.published) == sorted(e.id for e in events)
    stored = await database["ratings"].find({"_id": {"$in": [e.data["rating_id"] for e in events]}}).to_list(None)
    assert len(stored) == 3 and len({d[OUTBOX_BATCH_FIELD] for d in stored}) == 1  # one batch
    assert all(OUTBOX_FIELD not in d for d in stored)
    assert await database[OUTBOX_BATCHES_COLLECTION].count_documents({}) == 0


async def test_published_batches_are_deleted_together_and_none_is_left_when_the_relay_stops(database):
    publisher = RecordingPublisher()
    relay = OutboxRelay(
        database, ["ratings"], publisher, service="test", delete_batches_at_once=3, delete_batches_after_seconds=60
    )
    inserts = GroupedInserts(database["ratings"], relay)
    batches = database[OUTBOX_BATCHES_COLLECTION]

    async def published(count: int) -> None:
        async with asyncio.timeout(10):
            while len(publisher.published) < count:
                await asyncio.sleep(0.02)

    task = asyncio.create_task(relay.run())
    try:
        for n in (1, 2):
            event = rating_event("P-batch", n)
            await inserts.insert({"_id": event.data["rating_id"]}, OutboxEntry.of(TopicName.RATINGS, event))
            await published(n)
        # Published, so not backlog; their batch documents wait to be deleted with the next ones.
        assert await batches.count_documents({}) == 2
        assert await relay.backlog() == 0
        event = rating_event("P-batch", 3)
        await inserts.insert({"_id": event.data["rating_id"]}, OutboxEntry.of(TopicName.RATINGS, event))
        await published(3)
        async with asyncio.timeout(10):
            while await batches.count_documents({}):
                await asyncio.sleep(0.02)  # the third batch deletes all three at once
        event = rating_event("P-batch", 4)
        await inserts.insert({"_id": event.data["rating_id"]}, OutboxEntry.of(TopicName.RATINGS, event))
        await published(4)
        assert await batches.count_documents({}) == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # Stopping deletes what was published, so a restart does not publish it again.
    assert await batches.count_documents({}) == 0
    assert len(publisher.published) == 4


async def test_a_batch_a_crash_left_behind_is_recovered_by_the_sweep_once_old_enough(database):
    await database["ratings"].insert_one({"_id": "r-taken"})
    crashed_relay = OutboxRelay(database, ["ratings"], RecordingPublisher(), service="test")
    # The process dies once the documents are stored, before its relay hears of them.
    crashed_relay.notify_batch = lambda *_: None
    events = [rating_event("P-batch", score) for score in (1, 2)]
    await _insert_together(GroupedInserts(database["ratings"], crashed_relay), events, "r-taken")
    assert await database["ratings"].count_documents({OUTBOX_BATCH_FIELD: {"$exists": True}}) == 2
    # Its own sweep leaves a batch it staged alone: that batch is still its own to finish.
    assert await crashed_relay.sweep() == 0

    publisher = RecordingPublisher()
    restarted = OutboxRelay(database, ["ratings"], publisher, service="test", abandoned_batch_seconds=1.5)
    assert await restarted.sweep() == 0  # too young: the process that staged it may still be inserting
    assert await restarted.backlog() == 1
    await asyncio.sleep(1.6)
    assert await restarted.sweep() == 2
    # Exactly the events of the stored documents; the refused duplicate's event never goes out.
    assert sorted(publisher.published) == sorted(e.id for e in events)
    assert await restarted.backlog() == 0
    assert await restarted.sweep() == 0


async def test_a_batch_whose_insert_outcome_is_unknown_is_recovered_by_the_same_relay(database):
    """The insert_many broke off (connection reset) after the document went in: the process that staged
    the batch hands it to its own sweep, which publishes it once old enough, with no restart."""
    publisher = RecordingPublisher()
    relay = OutboxRelay(database, ["ratings"], publisher, service="test", abandoned_batch_seconds=1.0)
    stored_but_unanswered = database["ratings"]

    class ResetAfterInsert:
        name = "ratings"

        async def insert_many(self, documents: list, ordered: bool) -> None:
            await stored_but_unanswered.insert_many(documents, ordered=ordered)
            raise AutoReconnect("connection reset after the insert")

    event = rating_event("P-unknown", 3)
    with pytest.raises(AutoReconnect):
        await GroupedInserts(ResetAfterInsert(), relay).insert(
            {"_id": event.data["rating_id"]}, OutboxEntry.of(TopicName.RATINGS, event)
        )
    await asyncio.sleep(1.1)
    assert await relay.sweep() == 1
    assert publisher.published == [event.id]
    assert await relay.backlog() == 0


async def test_staged_events_survive_a_database_restart(throwaway_mongodb: ThrowawayMongoDB, database):
    """The events live in the database with the write: PostgreSQL is killed (no clean shutdown) and
    started again, and a relay that never heard of them publishes every one, then none is left."""
    events = [rating_event("P-restart", score) for score in (1, 2, 3)]
    for event in events[:2]:
        await database["ratings"].insert_one(
            new_document_with_events({"_id": event.data["rating_id"]}, OutboxEntry.of(TopicName.RATINGS, event))
        )
    await database["ratings"].update_one(
        {"_id": events[0].data["rating_id"]},
        update_with_events({"$set": {"edited": True}}, OutboxEntry.of(TopicName.RATINGS, events[2])),
    )
    await asyncio.to_thread(throwaway_mongodb.restart_database)
    # A crash indeed: PostgreSQL recovered from its write-ahead log.
    assert "automatic recovery in progress" in throwaway_mongodb.postgres_log()

    publisher = RecordingPublisher()
    relay = OutboxRelay(database, ["ratings"], publisher, service="test")
    assert await relay.backlog() == 2  # both documents still hold their events
    assert await relay.sweep() == 3
    assert sorted(publisher.published) == sorted(e.id for e in events)
    assert await relay.backlog() == 0
    assert await database["ratings"].count_documents({}) == 2
