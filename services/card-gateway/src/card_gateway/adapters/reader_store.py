"""Card readers the agents report (`_id` = reader id). Only reader facts, never card data."""

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

READERS_COLLECTION = "readers"
MAX_READERS_LISTED = 500
_READER_IDS = uuid.UUID("6d1f3c3e-8a51-4f0e-9d7e-0c4b2f7a9e11")


class Reader(BaseModel):
    reader_id: str
    name: str
    agent_id: str
    card_present: bool = False
    connected: bool = True


class ReaderPlace(BaseModel):
    """Where a reader is: what a session needs to know about it."""

    reader_id: str
    name: str
    agent_id: str
    service_point_id: str
    card_present: bool = False
    connected: bool = True


_READER_FIELDS = {"_id": 1, "name": 1, "agent_id": 1, "card_present": 1, "connected": 1}


def reader_id_for(agent_id: str, name: str) -> str:
    """Stable across reconnects: the same agent's reader of the same name keeps its id."""
    return str(uuid.uuid5(_READER_IDS, f"{agent_id}/{name}"))


def reader_of(document: dict[str, Any]) -> Reader:
    return Reader.model_validate({**document, "reader_id": document["_id"]})


class ReaderStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index("service_point_id")
        await self._collection.create_index("agent_id")

    async def at_point(self, service_point_id: str) -> list[Reader]:
        cursor = (
            self._collection.find({"service_point_id": service_point_id}, _READER_FIELDS)
            .sort("name")
            .limit(MAX_READERS_LISTED)
        )
        return [reader_of(d) for d in await cursor.to_list(MAX_READERS_LISTED)]

    async def place(self, reader_id: str) -> ReaderPlace | None:
        document = await self._collection.find_one({"_id": reader_id})
        return ReaderPlace.model_validate({**document, "reader_id": document["_id"]}) if document else None

    async def report(self, reader: ReaderPlace) -> None:
        """What the agent reports now; upserted by id (the id is derived, so no duplicates)."""
        fields = reader.model_dump(exclude={"reader_id"})
        await self._collection.update_one(
            {"_id": reader.reader_id}, {"$set": {**fields, "updated_at": datetime.now(UTC)}}, upsert=True
        )

    async def disconnect(self, reader_ids: list[str]) -> None:
        """The agent left or stopped reporting these readers: no card can be read there now."""
        for reader_id in reader_ids:
            await self._collection.update_one(
                {"_id": reader_id},
                {"$set": {"connected": False, "card_present": False, "updated_at": datetime.now(UTC)}},
            )

    async def of_agent(self, agent_id: str) -> list[str]:
        return [d["_id"] async for d in self._collection.find({"agent_id": agent_id}, {"_id": 1})]
