"""Registered reader agents (`_id` = agent id); the token only as its SHA-256 digest.

Agents registered before tokens expired have no `expires_at`: theirs is `registered_at` plus the
configured lifetime (so a very old one must be rotated).
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from card_gateway.domain.agent_tokens import credentials_usable

AGENTS_COLLECTION = "agents"
MAX_AGENTS_LISTED = 500


@dataclass(frozen=True, slots=True)
class Agent:
    agent_id: str
    service_point_id: str
    name: str
    token_sha256: str
    registered_by: str
    registered_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    rotated_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return credentials_usable(expires_at=self.expires_at, revoked_at=self.revoked_at, now=now)


def agent_document(agent: Agent) -> dict[str, Any]:
    fields = asdict(agent)
    return {"_id": fields.pop("agent_id"), **fields}


def agent_of(document: dict[str, Any], *, default_ttl: timedelta) -> Agent:
    return Agent(
        agent_id=document["_id"],
        service_point_id=document["service_point_id"],
        name=document["name"],
        token_sha256=document["token_sha256"],
        registered_by=document["registered_by"],
        registered_at=document["registered_at"],
        expires_at=document.get("expires_at") or document["registered_at"] + default_ttl,
        revoked_at=document.get("revoked_at"),
        revoked_by=document.get("revoked_by"),
        rotated_at=document.get("rotated_at"),
    )


class AgentStore:
    def __init__(self, collection: AsyncCollection, *, default_ttl: timedelta) -> None:
        self._collection = collection
        self._ttl = default_ttl

    async def add(self, agent: Agent) -> None:
        await self._collection.insert_one(agent_document(agent))

    async def ensure_indexes(self) -> None:
        # Agents sign in by token: look them up by its digest without scanning.
        await self._collection.create_index("token_sha256", unique=True)
        await self._collection.create_index("service_point_id")

    async def by_token_digest(self, digest: str) -> Agent | None:
        document = await self._collection.find_one({"token_sha256": digest})
        return agent_of(document, default_ttl=self._ttl) if document else None

    async def get(self, agent_id: str) -> Agent | None:
        document = await self._collection.find_one({"_id": agent_id})
        return agent_of(document, default_ttl=self._ttl) if document else None

    async def many(self, agent_ids: list[str]) -> dict[str, Agent]:
        if not agent_ids:
            return {}
        cursor = self._collection.find({"_id": {"$in": agent_ids}})
        return {d["_id"]: agent_of(d, default_ttl=self._ttl) async for d in cursor}

    async def at_point(self, service_point_id: str) -> list[Agent]:
        cursor = (
            self._collection.find({"service_point_id": service_point_id}).sort("registered_at").limit(MAX_AGENTS_LISTED)
        )
        return [agent_of(d, default_ttl=self._ttl) for d in await cursor.to_list(MAX_AGENTS_LISTED)]

    async def revoke(self, agent_id: str, *, by: str, at: datetime) -> Agent | None:
        """Revokes for good (the record stays, for the audit); None when no unrevoked agent has that id."""
        document = await self._collection.find_one_and_update(
            {"_id": agent_id, "revoked_at": None},
            {"$set": {"revoked_at": at, "revoked_by": by}},
            return_document=ReturnDocument.AFTER,
        )
        return agent_of(document, default_ttl=self._ttl) if document else None

    async def rotate(self, agent_id: str, *, digest: str, expires_at: datetime, at: datetime) -> Agent | None:
        """A new token replaces the old one (whose digest is gone); None when revoked or unknown."""
        document = await self._collection.find_one_and_update(
            {"_id": agent_id, "revoked_at": None},
            {"$set": {"token_sha256": digest, "expires_at": expires_at, "rotated_at": at}},
            return_document=ReturnDocument.AFTER,
        )
        return agent_of(document, default_ttl=self._ttl) if document else None
