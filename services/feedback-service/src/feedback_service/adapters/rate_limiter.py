"""Rate-limit counters in MongoDB: one `$inc` upsert per counter, all counters of a write at once."""

import asyncio
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from feedback_service.domain.rate_limits import Counter

RATE_LIMITS_COLLECTION = "rate_limits"


class RateLimiter:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        # A plain index, not a TTL one: the MongoDB-wire server does not expire documents, so
        # `purge_expired` removes finished windows instead, by this index.
        await self._collection.create_index("expires_at")

    async def purge_expired(self, now: datetime) -> int:
        result = await self._collection.delete_many({"expires_at": {"$lt": now}})
        return result.deleted_count

    async def hit(self, counters: list[Counter]) -> list[tuple[Counter, int]]:
        """Counts this write in every counter; returns each counter with its count including it."""
        documents = await asyncio.gather(*(self._bump(counter) for counter in counters))
        return [(counter, document["n"]) for counter, document in zip(counters, documents, strict=True)]

    async def _bump(self, counter: Counter) -> dict:
        # Two first hits of a new window race to insert it; the loser's retry finds it and increments.
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(DuplicateKeyError), stop=stop_after_attempt(3), reraise=True
        ):
            with attempt:
                return await self._collection.find_one_and_update(
                    {"_id": counter.counter_id},
                    {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": counter.resets_at}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
        raise AssertionError("unreachable: the last attempt returns or raises")
