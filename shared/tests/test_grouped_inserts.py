import asyncio
from datetime import UTC, datetime

import pytest
from bson import ObjectId
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.grouped_inserts import GroupedInserts
from citizeninfo_shared.outbox import OUTBOX_BATCH_FIELD, OutboxEntry, StagedEvents, batch_document, batch_events
from citizeninfo_shared.testing import RecordingRelay
from citizeninfo_shared.topics import TopicName
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError


class RecordingCollection:
    """Unique `_id`; records each insert_many call; answers like the server (unordered: the rest goes in)."""

    name = "ratings"

    def __init__(self, fail_with: Exception | None = None, relay: RecordingRelay | None = None) -> None:
        self.calls: list[list[str]] = []
        self.stored: set[str] = set()
        self.documents: list[dict] = []
        self.fail_with = fail_with
        self.relay = relay

    async def insert_many(self, documents: list[dict], ordered: bool) -> None:
        assert ordered is False
        await asyncio.sleep(0.01)  # a round trip: callers arriving meanwhile wait for the next batch
        self.calls.append([d["_id"] for d in documents])
        if self.relay is not None:
            self.relay.events_in_order.append("inserted")
        if self.fail_with is not None:
            raise self.fail_with
        errors = []
        for index, document in enumerate(documents):
            if document["_id"] in self.stored:
                errors.append({"index": index, "code": 11000, "errmsg": "E11000 duplicate key"})
                continue
            self.stored.add(document["_id"])
            self.documents.append(document)
        if errors:
            raise BulkWriteError({"writeErrors": errors})


async def test_concurrent_inserts_share_batches_and_each_caller_is_answered_when_stored():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, RecordingRelay(), max_batch=100, max_flushes_at_once=1)
    await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(50)))
    assert collection.stored == {f"r{n}" for n in range(50)}
    # The flush the first one starts runs at the next turn of the loop: all 50 are in it by then.
    assert [len(call) for call in collection.calls] == [50]


async def test_inserts_arriving_during_a_flush_go_in_the_next_one():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, RecordingRelay(), max_flushes_at_once=1, linger_seconds=0)
    first = asyncio.create_task(inserts.insert({"_id": "first"}))
    await asyncio.sleep(0.001)  # the first flush is under way
    await asyncio.gather(first, *(inserts.insert({"_id": f"r{n}"}) for n in range(9)))
    assert [len(call) for call in collection.calls] == [1, 9]


async def test_a_flush_waits_its_linger_for_company_and_goes_as_soon_as_the_batch_is_full():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, RecordingRelay(), max_batch=4, linger_seconds=30)
    first = asyncio.create_task(inserts.insert({"_id": "first"}))
    await asyncio.sleep(0.01)
    assert collection.calls == []  # lingering for company
    async with asyncio.timeout(5):  # far short of the linger: a full batch does not wait it out
        await asyncio.gather(first, *(inserts.insert({"_id": f"r{n}"}) for n in range(3)))
    assert [len(call) for call in collection.calls] == [4]


async def test_a_duplicate_fails_only_its_own_caller():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, RecordingRelay())
    await inserts.insert({"_id": "taken"})
    outcomes = await asyncio.gather(
        inserts.insert({"_id": "a"}), inserts.insert({"_id": "taken"}), inserts.insert({"_id": "b"}),
        return_exceptions=True,
    )  # fmt: skip
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], DuplicateKeyError) and outcomes[1].code == 11000
    assert {"a", "b"} <= collection.stored


async def test_an_unreachable_database_reaches_every_caller_of_the_batch():
    inserts = GroupedInserts(RecordingCollection(fail_with=AutoReconnect("gone")), RecordingRelay())
    outcomes = await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(3)), return_exceptions=True)
    assert all(isinstance(outcome, AutoReconnect) for outcome in outcomes)


async def test_batches_are_bounded():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, RecordingRelay(), max_batch=10, max_flushes_at_once=1)
    await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(35)))
    assert max(len(call) for call in collection.calls) == 10 and len(collection.stored) == 35


@pytest.mark.parametrize("flushes", [1, 3])
async def test_no_more_flushes_run_at_once_than_allowed(flushes):
    collection = RecordingCollection()
    running = {"now": 0, "most": 0}
    original = collection.insert_many

    async def counting(documents, ordered):
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        try:
            await original(documents, ordered)
        finally:
            running["now"] -= 1

    collection.insert_many = counting
    inserts = GroupedInserts(collection, RecordingRelay(), max_batch=2, max_flushes_at_once=flushes)
    await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(20)))
    assert running["most"] == flushes and len(collection.stored) == 20


def rating_entry(rating_id: str) -> OutboxEntry:
    rating = RatingSubmitted(
        rating_id=rating_id, service_point_id="P1", score=4, verified=False, submitted_at="2026-11-21T10:00:00Z"
    )
    return OutboxEntry.of(TopicName.RATINGS, CloudEvent.wrap(rating, source="/tests", subject="P1"))


async def test_events_are_staged_before_the_insert_and_only_stored_documents_are_announced():
    relay = RecordingRelay()
    collection = RecordingCollection(relay=relay)
    inserts = GroupedInserts(collection, relay)
    await inserts.insert({"_id": "taken"})  # no events: nothing staged, nothing announced
    assert relay.staged == {} and relay.batches == []

    entries = {rating_id: rating_entry(rating_id) for rating_id in ("a", "taken", "b")}
    outcomes = await asyncio.gather(
        *(inserts.insert({"_id": rating_id}, entry) for rating_id, entry in entries.items()), return_exceptions=True
    )
    assert isinstance(outcomes[1], DuplicateKeyError)

    [(batch_id, staged)] = relay.staged.items()
    assert relay.events_in_order[-2:] == [f"staged:{batch_id}", "inserted"]  # the events are stored first
    assert [(s.document_id, s.entries) for s in staged] == [(k, (e,)) for k, e in entries.items()]
    # Every document of the batch carries its id, so the sweep can tell which of them were stored.
    assert [d.get(OUTBOX_BATCH_FIELD) for d in collection.documents] == [None, batch_id, batch_id]
    assert relay.batches == [("ratings", batch_id, [entries["a"], entries["b"]])]


async def test_nothing_is_inserted_when_the_events_cannot_be_staged():
    relay = RecordingRelay(fail_staging_with=AutoReconnect("gone"))
    collection = RecordingCollection(relay=relay)
    inserts = GroupedInserts(collection, relay)
    outcomes = await asyncio.gather(
        *(inserts.insert({"_id": f"r{n}"}, rating_entry(f"r{n}")) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, AutoReconnect) for outcome in outcomes)
    assert collection.calls == [] and relay.batches == []


async def test_an_insert_with_an_unknown_outcome_leaves_its_batch_to_the_sweep():
    relay = RecordingRelay()
    inserts = GroupedInserts(RecordingCollection(fail_with=AutoReconnect("reset"), relay=relay), relay)
    outcomes = await asyncio.gather(
        *(inserts.insert({"_id": f"r{n}"}, rating_entry(f"r{n}")) for n in range(3)), return_exceptions=True
    )
    assert all(isinstance(outcome, AutoReconnect) for outcome in outcomes)
    # Some may be stored all the same: the relay publishes nothing now, and hands the batch to its sweep
    # (while it counted as its own, the sweep would never have recovered it before a restart).
    assert len(relay.staged) == 1 and relay.batches == []
    assert relay.handed_over == list(relay.staged)


def test_a_batch_document_holds_its_events_compressed_and_gives_them_back_whole():
    entries = [rating_entry(f"r-{n}") for n in (1, 2, 3)]
    staged = [StagedEvents("r-1", (entries[0], entries[1])), StagedEvents(ObjectId(), (entries[2],))]
    document = batch_document("ratings", "b-1", staged, datetime.now(UTC))

    assert isinstance(document["events"], bytes)
    assert len(document["events"]) < sum(len(entry.value) for entry in entries)
    events = batch_events(document)
    assert [e["document_id"] for e in events] == ["r-1", "r-1", staged[1].document_id]
    assert [OutboxEntry.from_document(e) for e in events] == entries
    # A batch staged before the events were compressed still reads back.
    assert batch_events({**document, "events": events}) == events
