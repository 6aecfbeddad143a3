"""HTTP to another card-gateway replica: a forwarded staff request, or "close this agent's link".

Only to a URL from the `replicas` registry (never one a caller supplied), with short timeouts, no
redirects and no proxies from the environment. Every call carries the replica secret (REPLICA_HEADER).
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from card_gateway.domain.replicas import REPLICA_HEADER

# What a forwarded answer keeps of the owner's headers (the body is passed as it is).
_PASSED_HEADERS = ("content-type", "cache-control", "retry-after")


class PeerUnreachable(Exception):
    """The owner did not answer (refused, timed out, reset): treat it as gone."""


@dataclass(frozen=True, slots=True)
class PeerAnswer:
    status: int
    body: bytes
    headers: dict[str, str]


def peer_client(*, timeout_seconds: float) -> httpx.AsyncClient:
    timeout = httpx.Timeout(timeout_seconds, connect=min(1.0, timeout_seconds))
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)


def session_path(session_id: str) -> str:
    return f"/sessions/{quote(session_id, safe='')}"


def close_link_path(agent_id: str) -> str:
    return f"/internal/agents/{quote(agent_id, safe='')}/link"


class PeerClient:
    def __init__(self, http: httpx.AsyncClient, secret: str) -> None:
        self._http = http
        self._secret = secret

    async def forward(
        self,
        base_url: str,
        method: str,
        path: str,
        *,
        authorization: str | None,
        request_id: str | None,
        json_body: Any = None,
    ) -> PeerAnswer:
        headers = {REPLICA_HEADER: self._secret}
        if authorization:
            headers["Authorization"] = authorization
        if request_id:
            headers["X-Request-ID"] = request_id
        try:
            response = await self._http.request(
                method, base_url.rstrip("/") + path, headers=headers, json=json_body if json_body is not None else None
            )
        except httpx.HTTPError as error:
            raise PeerUnreachable(type(error).__name__) from error
        kept = {name: response.headers[name] for name in _PASSED_HEADERS if name in response.headers}
        return PeerAnswer(status=response.status_code, body=response.content, headers=kept)

    async def close_link(self, base_url: str, agent_id: str, *, request_id: str | None = None) -> bool:
        """Asks the replica at `base_url` to close the agent's link; True when it answered 204."""
        answer = await self.forward(
            base_url, "DELETE", close_link_path(agent_id), authorization=None, request_id=request_id
        )
        return answer.status == 204
