"""Credentials of a counter PC's reader agent: shown once, kept only as a digest, good for a while.

A token works until it expires (`agent_token_ttl_days`, 90 by default), is rotated (a new token
replaces it) or its agent is revoked (for good).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class AgentToken:
    token: str  # handed to the agent once, never stored
    digest: str


def token_digest(token: str) -> str:
    # 256 random bits need no salt or slow hash: nobody can guess them, only steal the database.
    return hashlib.sha256(token.encode()).hexdigest()


def new_agent_token() -> AgentToken:
    token = secrets.token_urlsafe(32)
    return AgentToken(token=token, digest=token_digest(token))


def token_expiry(issued_at: datetime, ttl: timedelta) -> datetime:
    return issued_at + ttl


def credentials_usable(*, expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and now < expires_at
