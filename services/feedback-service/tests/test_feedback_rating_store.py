from datetime import UTC, datetime

import pytest
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.outbox import OUTBOX_FIELD, OUTBOX_PENDING_FIELD, PUBLIC_PROJECTION, OutboxEntry
from citizeninfo_shared.topics import TopicName
from feedback_service.adapters.rating_store import RatingExists, RatingStore, rating_document
from pymongo.errors import DuplicateKeyError

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


class OneDocumentCollection:
    def __init__(self) -> None:
        self.documents: dict[str, dict] = {}
        self.projections: list[dict] = []

    async def insert_one(self, document: dict) -> None:
        if document["_id"] in self.documents:
            raise DuplicateKeyError("duplicate")
        self.documents[document["_id"]] = document

    async def find_one(self, filter: dict, projection: dict) -> dict | None:
        self.projections.append(projection)
        document = self.documents.get(filter["_id"])
        return {k: v for k, v in document.items() if k not in projection} if document else None


def test_the_rating_and_its_event_are_one_document() -> None:
    document = rating_document(RATING, ENTRY, request_fingerprint="f1")
    assert document["_id"] == "r1"
    assert "rating_id" not in document
    assert document["comment"] == "ดีมาก"
    assert document["request_fingerprint"] == "f1"
    assert document[OUTBOX_FIELD] == [ENTRY.to_document()]
    assert document[OUTBOX_PENDING_FIELD] is True


async def test_a_stored_rating_reads_back_without_its_outbox() -> None:
    collection = OneDocumentCollection()
    store = RatingStore(collection)
    await store.add(RATING, ENTRY, request_fingerprint="f1")
    stored = await store.get("r1")
    assert stored.rating == RATING
    assert stored.request_fingerprint == "f1"
    assert stored.moderation is None and stored.reply is None
    assert collection.projections == [PUBLIC_PROJECTION]
    assert await store.get("r2") is None


async def test_a_second_rating_with_the_same_id_is_refused() -> None:
    store = RatingStore(OneDocumentCollection())
    await store.add(RATING, ENTRY)
    with pytest.raises(RatingExists):
        await store.add(RATING, ENTRY)
