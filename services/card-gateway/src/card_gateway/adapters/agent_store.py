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
