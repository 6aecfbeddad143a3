"""Several card-gateway replicas: who owns a session or an agent's link, and where a request goes.

An agent's WebSocket and the card data a read delivers stay in the one process that holds the link (card
data is never stored). So every replica names itself (a replica id, new at every start), session ids carry
their owner's id (`<replica id>.<random>`), and the database records which replica holds each agent's link
(`agent_links`) and where each replica answers (`replicas`, with a heartbeat). A request for a session or
an agent held elsewhere is forwarded once to its owner, marked with a secret only replicas know; a
forwarded request is answered where it arrives, never passed on (the loop guard). An owner whose heartbeat
stopped is gone: its agents and sessions get today's answers for a gone agent or an unknown session.

Pure: no I/O. The secret is derived from the keyring (purpose `card-replica`), so nothing new is shared.
"""

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from citizeninfo_shared.keys import LEGACY_KEY_ID, PurposeKeys

# The header a replica sends when it forwards a request or asks another to close a link.
REPLICA_HEADER = "X-CitizenInfo-Replica"
# What the secret is an HMAC of: a fixed label (the key is what is secret).
_HMAC_LABEL = "card-gateway/replica-to-replica/v1"
# A replica whose heartbeat is older than this many intervals is gone (killed, partitioned, stopped).
MISSED_HEARTBEATS = 3
_REPLICA_ID = re.compile(r"^[0-9a-f]{16}$")
_SESSION_PART = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_replica_id() -> str:
    return secrets.token_hex(8)


def new_link_id() -> str:
    return secrets.token_hex(8)


def new_session_id(replica_id: str | None) -> str:
    """`<replica id>.<random>` when replicas are on; the bare random part in a single process (as before)."""
    random_part = secrets.token_urlsafe(16)
    return f"{replica_id}.{random_part}" if replica_id else random_part


def owner_of(session_id: str) -> str | None:
    """The replica id a session id names, or None (a single process's id, or not one of ours)."""
    replica_id, dot, random_part = session_id.partition(".")
    if dot and _REPLICA_ID.match(replica_id) and _SESSION_PART.match(random_part):
        return replica_id
    return None


def is_replica_id(value: str) -> bool:
    return bool(_REPLICA_ID.match(value))


@dataclass(frozen=True, slots=True)
class Replica:
    replica_id: str
    url: str
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class LinkHolder:
    """Which replica holds an agent's WebSocket, and which of its links (a reconnect is a new link)."""

    agent_id: str
    replica_id: str
    link_id: str


def still_admitted(linked_with: str, now_digest: str | None, *, usable: bool) -> bool:
    """Whether a link may stay open: its agent is still usable and its token the one it connected with."""
    return usable and now_digest is not None and hmac.compare_digest(linked_with, now_digest)


def is_live(replica: Replica | None, *, now: datetime, heartbeat: timedelta) -> bool:
    return replica is not None and now - replica.heartbeat_at <= heartbeat * MISSED_HEARTBEATS


class Route(StrEnum):
    LOCAL = "local"  # answer here
    FORWARD = "forward"  # pass once to the owner at `url`
    GONE = "gone"  # the owner is dead or unknown: a gone agent (409) or an unknown session (404)


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    url: str | None = None
    replica_id: str | None = None


LOCAL = Decision(Route.LOCAL)
GONE = Decision(Route.GONE)


def route_to_agent(
    *,
    me: str,
    holds_link: bool,
    forwarded: bool,
    holder: LinkHolder | None,
    owner: Replica | None,
    now: datetime,
    heartbeat: timedelta,
) -> Decision:
    """Where a session on this agent's reader is opened."""
    if holds_link:
        return LOCAL
    if forwarded or holder is None or holder.replica_id == me:
        # Forwarded here and not held here (it moved meanwhile), never linked, or a stale record of ours.
        return GONE
    if owner is None or owner.replica_id != holder.replica_id or not is_live(owner, now=now, heartbeat=heartbeat):
        return GONE
    return Decision(Route.FORWARD, url=owner.url, replica_id=owner.replica_id)


def route_to_session(
    *, me: str, owner_id: str | None, forwarded: bool, owner: Replica | None, now: datetime, heartbeat: timedelta
) -> Decision:
    """Where a session is read or cancelled; `owner_id` is owner_of(session id)."""
    if owner_id is None or owner_id == me or forwarded:
        return LOCAL  # ours, a single process's, or forwarded to us: looked up here (404 when unknown)
    if owner is None or owner.replica_id != owner_id or not is_live(owner, now=now, heartbeat=heartbeat):
        return GONE
    return Decision(Route.FORWARD, url=owner.url, replica_id=owner.replica_id)


def replica_secret(keys: PurposeKeys) -> str:
    """What a replica sends in REPLICA_HEADER: an HMAC under the current `card-replica` key, named by its id."""
    return str(keys.hash(_HMAC_LABEL))


def replica_secret_accepted(keys: PurposeKeys, presented: str | None) -> bool:
    """Whether `presented` is the secret under a configured key (current or retired), in constant time.

    Only the whole 64-hex HMAC counts (never a prefix), and never the legacy scheme's bare hex.
    """
    if not presented:
        return False
    given = presented.encode("utf-8", "replace")
    accepted = False
    for candidate in keys.hashes(_HMAC_LABEL):
        if candidate.key_id == LEGACY_KEY_ID:
            continue
        accepted |= hmac.compare_digest(str(candidate).encode(), given)
    return accepted
