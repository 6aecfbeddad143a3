"""Rate-limit counters in MongoDB: one `$inc` upsert per counter, all counters of a write at once."""

import asyncio

import structlog
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from feedback_service.domain.rate_limits import Counter

RATE_LIMITS_COLLECTION = "rate_limits"
log = structlog.get_logger(__name__)


class RateLimiter:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes_quietly(self) -> None:
        """Old windows expire by themselves where the server supports TTL indexes; limits work without."""
        try:
            await self._collection.create_index("expires_at", expireAfterSeconds=0)
        except PyMongoError as error:
            log.warning("rate_limit_ttl_index_not_created", error=repr(error)[:300])

    async def hit(self, counters: list[Counter]) -> list[tuple[Counter, int]]:
        """Counts this write in every counter; returns each counter with its count including it."""
        documents = await asyncio.gather(*(self._bump(counter) for counter in counters))
        return [(counter, document["n"]) for counter, document in zip(counters, documents, strict=True)]

    async def _bump(self, counter: Counter) -> dict:
        return await self._collection.find_one_and_update(
            {"_id": counter.counter_id},
            {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": counter.resets_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
