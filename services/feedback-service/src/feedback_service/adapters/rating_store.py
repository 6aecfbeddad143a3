"""Ratings (`_id` = rating id), each inserted with its event staged ahead (GroupedInserts).

The rating id is derived from the visit token or the Idempotency-Key when there is one, so the insert
itself enforces one rating per token and per key (duplicate `_id`), with no second document. The
daily cap per client and point works the same way: a rating takes the first free numbered slot of the
day (`daily_slot`, a unique index), so the cap costs no extra round trip while it is not reached.
Moderation and the staff reply are fields of the same document.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.grouped_inserts import BatchOutbox, GroupedInserts
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry
from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

RATINGS_COLLECTION = "ratings"


class Moderation(BaseModel):
    hidden: bool
    reason: str
    by: str
    at: datetime


class Reply(BaseModel):
    text: str
    by: str
    at: datetime


class StoredRating(BaseModel):
    rating: RatingSubmitted
    # sha256 of the Idempotency-Key and the request body; None when posted without a key.
    request_fingerprint: str | None = None
    moderation: Moderation | None = None
    reply: Reply | None = None


class RatingExists(Exception):
    """A rating with this id is stored already (token reused, or a key replayed)."""


class DailyCapReached(Exception):
    """Every slot of today's cap for this client and point is taken."""


DAILY_SLOT_FIELD = "daily_slot"
_STORE_FIELDS = {"request_fingerprint", "moderation", "reply"}
_INTERNAL_FIELDS = {"_id", DAILY_SLOT_FIELD}


def rating_document(
    rating: RatingSubmitted, *, request_fingerprint: str | None = None, daily_slot: str | None = None
) -> dict[str, Any]:
    document = {"_id": rating.rating_id, **rating.model_dump(exclude={"rating_id"})}
    if request_fingerprint is not None:
        document["request_fingerprint"] = request_fingerprint
    if daily_slot is not None:
        document[DAILY_SLOT_FIELD] = daily_slot
    return document


def stored_rating(document: dict[str, Any]) -> StoredRating:
    fields = {k: v for k, v in document.items() if k not in _STORE_FIELDS and k not in _INTERNAL_FIELDS}
    return StoredRating(
        rating=RatingSubmitted.model_validate({**fields, "rating_id": document["_id"]}),
        **{k: document.get(k) for k in _STORE_FIELDS},
    )


class RatingStore:
    def __init__(self, collection: AsyncCollection, outbox: BatchOutbox) -> None:
        self._collection = collection
        # Ratings come in bursts after a campaign: concurrent ones share one insert (group commit).
        self._inserts = GroupedInserts(collection, outbox)

    async def ensure_indexes(self) -> None:
        await self._collection.create_index(DAILY_SLOT_FIELD, unique=True, sparse=True)
        await self._collection.create_index("service_point_id")

    async def newest_for_point(self, service_point_id: str, limit: int) -> list[StoredRating]:
        """The point's newest ratings first (an index on the point; its ratings are sorted in memory)."""
        cursor = (
            self._collection.find({"service_point_id": service_point_id}, PUBLIC_PROJECTION)
            .sort([("submitted_at", -1), ("_id", 1)])
            .limit(limit)
        )
        return [stored_rating(document) async for document in cursor]

    async def add(
        self,
        rating: RatingSubmitted,
        event: OutboxEntry,
        *,
        daily_slots: Sequence[str],
        request_fingerprint: str | None = None,
    ) -> None:
        """Inserts the rating in the first free daily slot, with its event to publish; with no slots
        (a verified rating) it takes none.

        Raises RatingExists when the rating id is taken, DailyCapReached when every slot is.
        """
        if not daily_slots:
            try:
                await self._inserts.insert(rating_document(rating, request_fingerprint=request_fingerprint), event)
            except DuplicateKeyError as error:
                raise RatingExists(rating.rating_id) from error
            return
        for slot in daily_slots:
            document = rating_document(rating, request_fingerprint=request_fingerprint, daily_slot=slot)
            try:
                await self._inserts.insert(document, event)
                return
            except DuplicateKeyError as error:
                # The server does not say which unique key clashed: the rating id, or this slot.
                if await self._collection.find_one({"_id": rating.rating_id}, {"_id": 1}) is not None:
                    raise RatingExists(rating.rating_id) from error
        raise DailyCapReached(rating.service_point_id)

    async def get(self, rating_id: str) -> StoredRating | None:
        document = await self._collection.find_one({"_id": rating_id}, PUBLIC_PROJECTION)
        return None if document is None else stored_rating(document)

    async def moderate(self, rating_id: str, moderation: Moderation) -> bool:
        result = await self._collection.update_one(
            {"_id": rating_id}, {"$set": {"moderation": moderation.model_dump()}}
        )
        return result.matched_count == 1

    async def reply(self, rating_id: str, reply: Reply) -> bool:
        """Sets the one reply; False when the rating already has one (compare-and-set on its absence)."""
        result = await self._collection.update_one(
            {"_id": rating_id, "reply": None}, {"$set": {"reply": reply.model_dump()}}
        )
        return result.matched_count == 1
