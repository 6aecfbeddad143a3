"""Where the replicas answer (`replicas`) and which replica holds each agent's link (`agent_links`).

Neither holds card data: a replica's id, its URL and heartbeat; an agent id, a replica id and a link id.
Rows of a replica that stopped (even SIGKILLed) are ignored once its heartbeat is old, and swept: by TTL
indexes where the database has them (MongoDB), and by every live replica's heartbeat (FerretDB has none).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from card_gateway.domain.replicas import LinkHolder, Replica

REPLICAS_COLLECTION = "replicas"
AGENT_LINKS_COLLECTION = "agent_links"
# Rows older than this are deleted (liveness is decided by heartbeat age long before).
SWEEP_AFTER = timedelta(minutes=5)

log = structlog.get_logger(__name__)


def replica_of(document: dict) -> Replica:
    return Replica(replica_id=document["_id"], url=document["url"], heartbeat_at=document["heartbeat_at"])


class ReplicaStore:
    def __init__(self, replicas: AsyncCollection, links: AsyncCollection) -> None:
        self._replicas = replicas
        self._links = links

    async def ensure_indexes(self) -> None:
        await self._links.create_index("replica_id")
        for collection, field in ((self._replicas, "heartbeat_at"), (self._links, "seen_at")):
            try:
                await collection.create_index(field, expireAfterSeconds=int(SWEEP_AFTER.total_seconds()))
            except OperationFailure as error:  # FerretDB 1.x: no TTL indexes; the heartbeat sweeps instead
                log.info("ttl_index_unavailable", collection=collection.name, error=str(error)[:200])
                await collection.create_index(field)

    # --- replicas -------------------------------------------------------------------------------

    async def heartbeat(self, replica_id: str, url: str, now: datetime) -> None:
        """This replica is alive at `url`; its links are too. Sweeps what stopped long ago."""
        await self._replicas.update_one(
            {"_id": replica_id},
            {"$set": {"url": url, "heartbeat_at": now}, "$setOnInsert": {"started_at": now}},
            upsert=True,
        )
        await self._links.update_many({"replica_id": replica_id}, {"$set": {"seen_at": now}})
        await self._replicas.delete_many({"heartbeat_at": {"$lt": now - SWEEP_AFTER}})
        await self._links.delete_many({"seen_at": {"$lt": now - SWEEP_AFTER}})

    async def withdraw(self, replica_id: str) -> None:
        """A clean stop: this replica and its links are gone now (a kill leaves them to the heartbeat age)."""
        await self._replicas.delete_one({"_id": replica_id})
        await self._links.delete_many({"replica_id": replica_id})

    async def replica(self, replica_id: str) -> Replica | None:
        document = await self._replicas.find_one({"_id": replica_id})
        return replica_of(document) if document else None

    async def replicas(self, replica_ids: Iterable[str]) -> dict[str, Replica]:
        wanted = sorted(set(replica_ids))
        if not wanted:
            return {}
        return {d["_id"]: replica_of(d) async for d in self._replicas.find({"_id": {"$in": wanted}})}

    # --- agent links ----------------------------------------------------------------------------

    async def claim_link(self, holder: LinkHolder, now: datetime) -> None:
        """This replica holds the agent's link now (replacing wherever it was)."""
        await self._links.replace_one(
            {"_id": holder.agent_id},
            {"replica_id": holder.replica_id, "link_id": holder.link_id, "connected_at": now, "seen_at": now},
            upsert=True,
        )

    async def release_link(self, holder: LinkHolder) -> bool:
        """Forgets the link if it is still this one; False when the agent has linked again since (anywhere)."""
        result = await self._links.delete_one(
            {"_id": holder.agent_id, "replica_id": holder.replica_id, "link_id": holder.link_id}
        )
        return result.deleted_count == 1

    async def holder(self, agent_id: str) -> LinkHolder | None:
        document = await self._links.find_one({"_id": agent_id})
        return _holder_of(document) if document else None

    async def holders(self, agent_ids: Iterable[str]) -> dict[str, LinkHolder]:
        wanted = sorted(set(agent_ids))
        if not wanted:
            return {}
        return {d["_id"]: _holder_of(d) async for d in self._links.find({"_id": {"$in": wanted}})}


def _holder_of(document: dict) -> LinkHolder:
    return LinkHolder(agent_id=document["_id"], replica_id=document["replica_id"], link_id=document["link_id"])
