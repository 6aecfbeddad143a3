"""card-gateway as one of several replicas, or alone.

`LocalOnly` is the single process (CITIZENINFO_CARD_REPLICA_URL unset): everything is answered here, as
before. `ReplicaMesh` registers this replica with a heartbeat, records which replica holds each agent's
link, and forwards a staff request for an agent or session held elsewhere to its owner (once: see
domain/replicas.py). Revoking or rotating closes the link wherever it is.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from citizeninfo_shared.keys import PurposeKeys
from prometheus_client import Counter

from card_gateway.adapters.agent_store import Agent
from card_gateway.adapters.peers import PeerAnswer, PeerClient, PeerUnreachable
from card_gateway.adapters.replica_store import ReplicaStore
from card_gateway.domain.replicas import (
    LOCAL,
    Decision,
    LinkHolder,
    Route,
    is_live,
    owner_of,
    replica_secret_accepted,
    route_to_agent,
    route_to_session,
    still_admitted,
)
from card_gateway.service_layer.card_desk import CardDesk

log = structlog.get_logger(__name__)

FORWARDED = Counter(
    "citizeninfo_card_forwarded_requests_total",
    "Requests for an agent or session another replica holds, by operation and outcome",
    ["operation", "outcome"],  # outcome: answered, owner_gone, unreachable
)


def _now() -> datetime:
    return datetime.now(UTC)


class Replicas(Protocol):
    """What the routes ask about where an agent's link or a session lives."""

    def accepts(self, presented: str | None) -> bool:
        """Whether a request carries the replica secret (forwarded by, or an internal call of, a replica)."""
        ...

    async def route_open(self, agent_id: str, *, forwarded: bool) -> Decision: ...

    async def route_session(self, session_id: str, *, forwarded: bool) -> Decision: ...

    async def forward(
        self,
        decision: Decision,
        method: str,
        path: str,
        *,
        operation: str,
        authorization: str | None,
        request_id: str | None,
        json_body: Any = None,
    ) -> PeerAnswer | None:
        """The owner's answer, or None when it did not answer (then it is gone)."""
        ...

    async def connected(self, agent_ids: Iterable[str]) -> set[str]: ...

    async def close_agent(self, agent_id: str, *, request_id: str | None = None) -> None: ...


class StoredLinkRecords:
    """The desk's record of the links this replica holds (`agent_links`), for the other replicas."""

    def __init__(self, store: ReplicaStore, replica_id: str, clock: Callable[[], datetime] = _now) -> None:
        self._store = store
        self._replica_id = replica_id
        self._clock = clock

    async def claim(self, agent_id: str, link_id: str) -> None:
        await self._store.claim_link(LinkHolder(agent_id, self._replica_id, link_id), self._clock())

    async def release(self, agent_id: str, link_id: str) -> bool:
        return await self._store.release_link(LinkHolder(agent_id, self._replica_id, link_id))


class LocalOnly:
    """One process: nothing is forwarded, nothing is recorded (today's behaviour)."""

    def __init__(self, desk: CardDesk) -> None:
        self._desk = desk

    def accepts(self, presented: str | None) -> bool:
        return False  # there is no other replica: the internal endpoint is refused

    async def route_open(self, agent_id: str, *, forwarded: bool) -> Decision:
        return LOCAL

    async def route_session(self, session_id: str, *, forwarded: bool) -> Decision:
        return LOCAL

    async def forward(
        self,
        decision: Decision,
        method: str,
        path: str,
        *,
        operation: str,
        authorization: str | None,
        request_id: str | None,
        json_body: Any = None,
    ) -> PeerAnswer | None:
        return None

    async def connected(self, agent_ids: Iterable[str]) -> set[str]:
        return {agent_id for agent_id in agent_ids if self._desk.is_connected(agent_id)}

    async def close_agent(self, agent_id: str, *, request_id: str | None = None) -> None:
        await self._desk.disconnect_agent(agent_id)


class AgentLookup(Protocol):
    async def many(self, agent_ids: list[str]) -> dict[str, Agent]: ...


class ReplicaMesh:
    def __init__(
        self,
        *,
        replica_id: str,
        url: str,
        desk: CardDesk,
        store: ReplicaStore,
        peers: PeerClient,
        keys: PurposeKeys,
        heartbeat: timedelta,
        agents: AgentLookup | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.replica_id = replica_id
        self._agents = agents
        self.url = url
        self._desk = desk
        self._store = store
        self._peers = peers
        self._keys = keys
        self._heartbeat = heartbeat
        self._clock = clock

    # --- this replica -------------------------------------------------------------------------

    async def beat(self) -> None:
        await self._store.heartbeat(self.replica_id, self.url, self._clock())
        await self.drop_refused_links()

    async def drop_refused_links(self) -> None:
        """Closes links whose agent was revoked, rotated or expired since it connected: the backstop for a
        "close this link" that did not arrive (the replica that took the revoke could not reach us)."""
        linked = self._desk.linked_agents()
        if self._agents is None or not linked:
            return
        now = self._clock()
        current = await self._agents.many(sorted(linked))
        for agent_id, agent in linked.items():
            fresh = current.get(agent_id)
            usable = fresh is not None and fresh.usable(now)
            if not still_admitted(agent.token_sha256, fresh.token_sha256 if fresh else None, usable=usable):
                log.info("agent_link_dropped", agent_id=agent_id)
                await self._desk.disconnect_agent(agent_id)

    async def run_heartbeats(self) -> None:
        """Forever: a missed beat is logged, the next one comes on time (3 missed ones and we count as gone)."""
        while True:
            await asyncio.sleep(self._heartbeat.total_seconds())
            try:
                await self.beat()
            except Exception as error:
                log.warning("replica_heartbeat_failed", replica_id=self.replica_id, error=repr(error)[:200])

    async def withdraw(self) -> None:
        with contextlib.suppress(Exception):  # stopping anyway: the heartbeat age says the same soon
            await self._store.withdraw(self.replica_id)

    # --- routing ------------------------------------------------------------------------------

    def accepts(self, presented: str | None) -> bool:
        return replica_secret_accepted(self._keys, presented)

    async def route_open(self, agent_id: str, *, forwarded: bool) -> Decision:
        if self._desk.is_connected(agent_id):
            return LOCAL
        holder = None if forwarded else await self._store.holder(agent_id)
        owner = (
            await self._store.replica(holder.replica_id) if holder and holder.replica_id != self.replica_id else None
        )
        decision = route_to_agent(
            me=self.replica_id,
            holds_link=False,
            forwarded=forwarded,
            holder=holder,
            owner=owner,
            now=self._clock(),
            heartbeat=self._heartbeat,
        )
        if decision.route is Route.GONE and holder is not None and holder.replica_id != self.replica_id:
            FORWARDED.labels("open_session", "owner_gone").inc()
        return decision

    async def route_session(self, session_id: str, *, forwarded: bool) -> Decision:
        owner_id = owner_of(session_id)
        if owner_id is None or owner_id == self.replica_id or forwarded:
            return LOCAL
        decision = route_to_session(
            me=self.replica_id,
            owner_id=owner_id,
            forwarded=forwarded,
            owner=await self._store.replica(owner_id),
            now=self._clock(),
            heartbeat=self._heartbeat,
        )
        if decision.route is Route.GONE:
            FORWARDED.labels("session", "owner_gone").inc()
        return decision

    async def forward(
        self,
        decision: Decision,
        method: str,
        path: str,
        *,
        operation: str,
        authorization: str | None,
        request_id: str | None,
        json_body: Any = None,
    ) -> PeerAnswer | None:
        assert decision.route is Route.FORWARD and decision.url is not None
        try:
            answer = await self._peers.forward(
                decision.url, method, path, authorization=authorization, request_id=request_id, json_body=json_body
            )
        except PeerUnreachable as error:
            FORWARDED.labels(operation, "unreachable").inc()
            log.warning("replica_unreachable", operation=operation, replica_id=decision.replica_id, error=str(error))
            return None
        FORWARDED.labels(operation, "answered").inc()
        return answer

    # --- agents -------------------------------------------------------------------------------

    async def connected(self, agent_ids: Iterable[str]) -> set[str]:
        """Agents linked to any live replica (this one included)."""
        ids = list(agent_ids)
        here = {agent_id for agent_id in ids if self._desk.is_connected(agent_id)}
        holders = await self._store.holders(agent_id for agent_id in ids if agent_id not in here)
        elsewhere = {h.agent_id: h.replica_id for h in holders.values() if h.replica_id != self.replica_id}
        replicas = await self._store.replicas(elsewhere.values())
        now = self._clock()
        return here | {
            agent_id
            for agent_id, replica_id in elsewhere.items()
            if is_live(replicas.get(replica_id), now=now, heartbeat=self._heartbeat)
        }

    async def close_agent(self, agent_id: str, *, request_id: str | None = None) -> None:
        """Its credentials were revoked or rotated: close its link here, or on the replica that holds it."""
        await self._desk.disconnect_agent(agent_id)
        holder = await self._store.holder(agent_id)
        if holder is None or holder.replica_id == self.replica_id:
            return
        owner = await self._store.replica(holder.replica_id)
        if owner is None or not is_live(owner, now=self._clock(), heartbeat=self._heartbeat):
            return  # gone with its replica; the agent's reconnect is refused (its token is)
        try:
            closed = await self._peers.close_link(owner.url, agent_id, request_id=request_id)
        except PeerUnreachable as error:
            FORWARDED.labels("close_link", "unreachable").inc()
            log.warning("agent_link_close_failed", agent_id=agent_id, replica_id=owner.replica_id, error=str(error))
            return
        FORWARDED.labels("close_link", "answered").inc()
        if not closed:
            log.warning("agent_link_close_refused", agent_id=agent_id, replica_id=owner.replica_id)


@contextlib.asynccontextmanager
async def supervised_heartbeats(mesh: ReplicaMesh) -> AsyncIterator[None]:
    """Heartbeats while the app runs; at a clean stop the replica withdraws (a kill leaves that to their age)."""
    task = asyncio.create_task(mesh.run_heartbeats(), name="card-replica-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await mesh.withdraw()
