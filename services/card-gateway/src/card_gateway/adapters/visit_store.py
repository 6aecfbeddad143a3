"""Open visits (`visits`, `_id` = keyed hash of point and citizen id): which visit a card read belongs to.

Claiming is atomic across readers and replicas: the first read of a card at a point starts a visit; a
read while it lasts joins it; a read after it ended starts the next one. Ended visits are deleted
whenever a new one starts (FerretDB has no TTL indexes); they hold no personal data, only the keyed hash.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from card_gateway.domain.visits import Visit, new_visit, still_open

VISITS_COLLECTION = "visits"


def _visit_of(document: dict[str, Any]) -> Visit:
    return Visit(
        visit_id=document["visit_id"],
        service_point_id=document["service_point_id"],
        started_at=document["started_at"],
        expires_at=document["expires_at"],
    )


class VisitStore:
    def __init__(self, collection: AsyncCollection, *, ttl: timedelta) -> None:
        self._collection = collection
        self._ttl = ttl

    async def ensure_indexes(self) -> None:
        await self._collection.create_index("expires_at")

    async def claim(self, keys: Sequence[str], *, service_point_id: str, now: datetime) -> tuple[Visit, bool]:
        """The visit this read belongs to, and whether it is new.

        `keys` name the visit under the current key first, then under older keys still configured: an open
        visit under any of them is joined; a new one is named by the current key.
        """
        key = keys[0]
        for candidate in keys:
            document = await self._collection.find_one({"_id": candidate})
            if document is not None and still_open(existing := _visit_of(document), now):
                return existing, False
        visit = new_visit(service_point_id, now=now, ttl=self._ttl)
        fields = {
            "visit_id": visit.visit_id,
            "service_point_id": visit.service_point_id,
            "started_at": visit.started_at,
            "expires_at": visit.expires_at,
        }
        try:
            # Replaces only an ended visit; when another read started one meanwhile, the upsert's insert
            # collides on _id and that visit is joined instead.
            await self._collection.replace_one(
                {"_id": key, "expires_at": {"$lte": now}}, {"_id": key, **fields}, upsert=True
            )
        except DuplicateKeyError:
            document = await self._collection.find_one({"_id": key})
            if document is None:
                raise
            return _visit_of(document), False
        await self._collection.delete_many({"expires_at": {"$lte": now}})
        return visit, True
