from datetime import UTC, datetime

import pytest
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.outbox import OUTBOX_BATCH_FIELD, OUTBOX_FIELD, PUBLIC_PROJECTION, OutboxEntry
from citizeninfo_shared.testing import RecordingRelay
from citizeninfo_shared.topics import TopicName
from feedback_service.adapters.rating_store import DailyCapReached, RatingExists, RatingStore, rating_document
from pymongo.errors import BulkWriteError, DuplicateKeyError

RATING = RatingSubmitted(
    rating_id="r1",
    service_point_id="P000001",
    score=5,
    comment="ดีมาก",
    verified=False,
    submitted_at=datetime(2018, 8, 16, tzinfo=UTC),
    department_id="D0702",
)
ENTRY = OutboxEntry.of(TopicName.RATINGS, CloudEvent.wrap(RATING, source="test", subject="P000001"))


SLOTS = ("c:P000001:2018-08-16:1", "c:P000001:2018-08-16:2")


class OneDocumentCollection:
    """Unique `_id` and unique `daily_slot`, like the real collection's indexes."""

    name = "ratings"

    def __init__(self) -> None:
        self.documents: dict[str, dict] = {}
        self.projections: list[dict] = []

    async def insert_one(self, document: dict) -> None:
        slots = {d.get("daily_slot") for d in self.documents.values()} - {None}
        if document["_id"] in self.documents or document.get("daily_slot") in slots:
            raise DuplicateKeyError("duplicate")
        self.documents[document["_id"]] = document

    async def insert_many(self, documents: list[dict], ordered: bool) -> None:
        errors = []
        for index, document in enumerate(documents):
            try:
                await self.insert_one(document)
            except DuplicateKeyError:
                errors.append({"index": index, "code": 11000, "errmsg": "E11000 duplicate key"})
        if errors:
            raise BulkWriteError({"writeErrors": errors, "nInserted": len(documents) - len(errors)})

    async def find_one(self, filter: dict, projection: dict) -> dict | None:
        self.projections.append(projection)
        document = self.documents.get(filter["_id"])
        return {k: v for k, v in document.items() if k not in projection} if document else None


def test_the_rating_document_is_keyed_by_the_rating_id() -> None:
    document = rating_document(RATING, request_fingerprint="f1")
    assert document["_id"] == "r1"
    assert "rating_id" not in document
    assert document["comment"] == "ดีมาก"
    assert document["request_fingerprint"] == "f1"
    assert OUTBOX_FIELD not in document  # its event is staged ahead of the insert, not kept in it


async def test_a_rating_is_announced_only_once_stored() -> None:
    collection, relay = OneDocumentCollection(), RecordingRelay()
    store = RatingStore(collection, relay)
    await store.add(RATING, ENTRY, daily_slots=SLOTS)
    with pytest.raises(RatingExists):
        await store.add(RATING, ENTRY, daily_slots=SLOTS[1:])
    [(first_batch, first), (second_batch, second)] = relay.staged.items()
    assert [s.entries for s in first] == [(ENTRY,)] and [s.entries for s in second] == [(ENTRY,)]
    assert collection.documents["r1"][OUTBOX_BATCH_FIELD] == first_batch
    assert relay.batches == [("ratings", first_batch, [ENTRY]), ("ratings", second_batch, [])]


async def test_a_stored_rating_reads_back_without_its_outbox() -> None:
    collection = OneDocumentCollection()
    store = RatingStore(collection, RecordingRelay())
    await store.add(RATING, ENTRY, daily_slots=SLOTS, request_fingerprint="f1")
    stored = await store.get("r1")
    assert stored.rating == RATING
    assert stored.request_fingerprint == "f1"
    assert stored.moderation is None and stored.reply is None
    assert collection.projections == [PUBLIC_PROJECTION]
    assert await store.get("r2") is None
    assert collection.documents["r1"]["daily_slot"] == SLOTS[0]


async def test_a_second_rating_with_the_same_id_is_refused() -> None:
    store = RatingStore(OneDocumentCollection(), RecordingRelay())
    await store.add(RATING, ENTRY, daily_slots=SLOTS)
    with pytest.raises(RatingExists):
        await store.add(RATING, ENTRY, daily_slots=SLOTS[1:])


async def test_ratings_take_the_free_daily_slots_until_none_is_left() -> None:
    collection = OneDocumentCollection()
    store = RatingStore(collection, RecordingRelay())
    for rating_id in ("r1", "r2"):
        await store.add(RATING.model_copy(update={"rating_id": rating_id}), ENTRY, daily_slots=SLOTS)
    assert [d["daily_slot"] for d in collection.documents.values()] == list(SLOTS)
    with pytest.raises(DailyCapReached):
        await store.add(RATING.model_copy(update={"rating_id": "r3"}), ENTRY, daily_slots=SLOTS)
    assert "r3" not in collection.documents


async def test_a_verified_rating_takes_no_daily_slot_even_when_all_are_taken() -> None:
    collection = OneDocumentCollection()
    store = RatingStore(collection, RecordingRelay())
    for rating_id in ("r1", "r2"):
        await store.add(RATING.model_copy(update={"rating_id": rating_id}), ENTRY, daily_slots=SLOTS)
    verified = RATING.model_copy(update={"rating_id": "v1", "verified": True})
    await store.add(verified, ENTRY, daily_slots=())
    assert "daily_slot" not in collection.documents["v1"]
    with pytest.raises(RatingExists):
        await store.add(verified, ENTRY, daily_slots=())
