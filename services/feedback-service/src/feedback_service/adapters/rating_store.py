"""Ratings (`_id` = rating id), each inserted together with its event in one document.

The rating id is derived from the visit token or the Idempotency-Key when there is one, so the insert
itself enforces one rating per token and per key (duplicate `_id`), with no second document.
Moderation and the staff reply are fields of the same document.
"""

from datetime import datetime
from typing import Any

from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, new_document_with_events
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


_STORE_FIELDS = {"request_fingerprint", "moderation", "reply"}


def rating_document(
    rating: RatingSubmitted, event: OutboxEntry, *, request_fingerprint: str | None = None
) -> dict[str, Any]:
    document = {"_id": rating.rating_id, **rating.model_dump(exclude={"rating_id"})}
    if request_fingerprint is not None:
        document["request_fingerprint"] = request_fingerprint
    return new_document_with_events(document, event)


def stored_rating(document: dict[str, Any]) -> StoredRating:
    fields = {k: v for k, v in document.items() if k not in _STORE_FIELDS and k != "_id"}
    return StoredRating(
        rating=RatingSubmitted.model_validate({**fields, "rating_id": document["_id"]}),
        **{k: document.get(k) for k in _STORE_FIELDS},
    )


class RatingStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def add(self, rating: RatingSubmitted, event: OutboxEntry, *, request_fingerprint: str | None = None) -> None:
        try:
            await self._collection.insert_one(rating_document(rating, event, request_fingerprint=request_fingerprint))
        except DuplicateKeyError as error:
            raise RatingExists(rating.rating_id) from error

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
