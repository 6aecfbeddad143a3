"""Card readers the agents report (`_id` = reader id). Only reader facts, never card data."""

from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

READERS_COLLECTION = "readers"
MAX_READERS_LISTED = 500


class Reader(BaseModel):
    reader_id: str
    name: str
    agent_id: str
    card_present: bool = False


_READER_FIELDS = {"_id": 1, "name": 1, "agent_id": 1, "card_present": 1}


def reader_of(document: dict[str, Any]) -> Reader:
    return Reader.model_validate({**document, "reader_id": document["_id"]})


class ReaderStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def at_point(self, service_point_id: str) -> list[Reader]:
        cursor = self._collection.find({"service_point_id": service_point_id}, _READER_FIELDS).sort("name")
        return [reader_of(d) for d in await cursor.to_list(MAX_READERS_LISTED)]
