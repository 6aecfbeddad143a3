"""Credentials of a counter PC's reader agent: shown once, kept only as a digest."""

import hashlib
import secrets
from dataclasses import dataclass


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
