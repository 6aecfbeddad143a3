"""Ratings (`_id` = rating id), each inserted together with its event in one document."""

from typing import Any

from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, new_document_with_events
from pymongo.asynchronous.collection import AsyncCollection

RATINGS_COLLECTION = "ratings"


def rating_document(rating: RatingSubmitted, event: OutboxEntry) -> dict[str, Any]:
    return new_document_with_events({"_id": rating.rating_id, **rating.model_dump(exclude={"rating_id"})}, event)


class RatingStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def add(self, rating: RatingSubmitted, event: OutboxEntry) -> None:
        await self._collection.insert_one(rating_document(rating, event))

    async def get(self, rating_id: str) -> RatingSubmitted | None:
        document = await self._collection.find_one({"_id": rating_id}, PUBLIC_PROJECTION)
        if document is None:
            return None
        return RatingSubmitted.model_validate({**document, "rating_id": document["_id"]})
