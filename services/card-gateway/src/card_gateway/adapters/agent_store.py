"""Registered reader agents (`_id` = agent id); the token only as its SHA-256 digest."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

AGENTS_COLLECTION = "agents"


@dataclass(frozen=True, slots=True)
class Agent:
    agent_id: str
    service_point_id: str
    name: str
    token_sha256: str
    registered_by: str
    registered_at: datetime


def agent_document(agent: Agent) -> dict[str, Any]:
    fields = asdict(agent)
    return {"_id": fields.pop("agent_id"), **fields}


class AgentStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def add(self, agent: Agent) -> None:
        await self._collection.insert_one(agent_document(agent))

    async def ensure_indexes(self) -> None:
        await ensure_agent_indexes(self._collection)

    async def by_token_digest(self, digest: str) -> Agent | None:
        return await agent_by_token_digest(self._collection, digest)


def agent_of(document: dict[str, Any]) -> Agent:
    return Agent(
        agent_id=document["_id"],
        service_point_id=document["service_point_id"],
        name=document["name"],
        token_sha256=document["token_sha256"],
        registered_by=document["registered_by"],
        registered_at=document["registered_at"],
    )


async def ensure_agent_indexes(collection: AsyncCollection) -> None:
    # Agents sign in by token: look them up by its digest without scanning.
    await collection.create_index("token_sha256", unique=True)


async def agent_by_token_digest(collection: AsyncCollection, digest: str) -> Agent | None:
    document = await collection.find_one({"token_sha256": digest})
    return agent_of(document) if document else None
