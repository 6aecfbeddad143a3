"""Online verification against the civil registry through the DGA GDX API (as publicly documented).

1. GET {base}/ws/auth/validate?ConsumerSecret=…&AgentID=… with header Consumer-Key → {"Result": token},
   valid for 60 minutes (cached here a little less).
2. GET {base}/ws/dopa/verification/personal?CitizenID&FirstName&LastName&BEBirthDate&LaserCode with
   headers Consumer-Key and Token → {"Result": true|false}; errors come as HTTP 500 with a code.

Every request goes only where the outbound-URL policy allows (also a URL stored before the policy
existed); redirects are not followed. The codes of `VerificationUnavailable` are for the log: callers
show only that the check failed.
"""

import time
from dataclasses import dataclass

import httpx
import structlog

from card_gateway.domain.outbound_urls import OutboundUrlPolicy, OutboundUrlRefused

log = structlog.get_logger(__name__)

TOKEN_LIFETIME_SECONDS = 60 * 60
TOKEN_SAFETY_MARGIN_SECONDS = 5 * 60


@dataclass(frozen=True, slots=True)
class GdxConfig:
    base_url: str
    consumer_key: str
    consumer_secret: str
    agent_id: str


@dataclass(frozen=True, slots=True)
class PersonToVerify:
    citizen_id: str
    first_name: str
    last_name: str
    birth_date_be: str
    laser_code: str


class VerificationUnavailable(Exception):
    """The registry did not answer yes or no; `code` is what it or the network said (no personal data)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class GdxClient:
    def __init__(self, http: httpx.AsyncClient, policy: OutboundUrlPolicy) -> None:
        self._http = http
        self._policy = policy
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}

    async def verify(self, config: GdxConfig, person: PersonToVerify) -> bool:
        try:
            self._policy.check_url(config.base_url)
        except OutboundUrlRefused as error:
            log.warning("gdx_destination_refused", reason=str(error))
            raise VerificationUnavailable("destination_refused") from error
        token = await self._token(config)
        try:
            return await self._verify_with(config, token, person)
        except VerificationUnavailable as error:
            if error.code not in {"token_rejected", "401", "403"}:
                raise
            # The cached token was revoked early: one fresh token, once.
            self._tokens.pop(_cache_key(config), None)
            return await self._verify_with(config, await self._token(config), person)

    async def _token(self, config: GdxConfig) -> str:
        key = _cache_key(config)
        cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        body = await self._get(
            f"{config.base_url.rstrip('/')}/ws/auth/validate",
            params={"ConsumerSecret": config.consumer_secret, "AgentID": config.agent_id},
            headers={"Consumer-Key": config.consumer_key},
        )
        token = body.get("Result")
        if not isinstance(token, str) or not token:
            raise VerificationUnavailable("no_token")
        self._tokens[key] = (token, time.monotonic() + TOKEN_LIFETIME_SECONDS - TOKEN_SAFETY_MARGIN_SECONDS)
        return token

    async def _verify_with(self, config: GdxConfig, token: str, person: PersonToVerify) -> bool:
        body = await self._get(
            f"{config.base_url.rstrip('/')}/ws/dopa/verification/personal",
            params={
                "CitizenID": person.citizen_id,
                "FirstName": person.first_name,
                "LastName": person.last_name,
                "BEBirthDate": person.birth_date_be,
                "LaserCode": person.laser_code,
            },
            headers={"Consumer-Key": config.consumer_key, "Token": token},
        )
        result = body.get("Result")
        if not isinstance(result, bool):
            raise VerificationUnavailable("unexpected_answer")
        return result

    async def _get(self, url: str, *, params: dict[str, str], headers: dict[str, str]) -> dict:
        try:
            response = await self._http.get(url, params=params, headers=headers)
        except OutboundUrlRefused as error:  # checked again at the connection, after name resolution
            log.warning("gdx_destination_refused", reason=str(error))
            raise VerificationUnavailable("destination_refused") from error
        except httpx.TimeoutException as error:
            raise VerificationUnavailable("timeout") from error
        except httpx.HTTPError as error:
            raise VerificationUnavailable("unreachable") from error
        if response.is_redirect or response.status_code >= 300:
            raise VerificationUnavailable("redirect" if response.is_redirect else _error_code(response))
        try:
            body = response.json()
        except ValueError as error:
            raise VerificationUnavailable("unexpected_answer") from error
        return body if isinstance(body, dict) else {}


def _cache_key(config: GdxConfig) -> tuple[str, str, str]:
    return (config.base_url, config.consumer_key, config.agent_id)


def _error_code(response: httpx.Response) -> str:
    """GDX reports errors as HTTP 500 with a code in the body; keep only the code (never the URL)."""
    try:
        body = response.json()
    except ValueError:
        return str(response.status_code)
    if isinstance(body, dict):
        code = body.get("Code") or body.get("code") or body.get("ErrorCode")
        if code:
            return str(code)[:40]
    return str(response.status_code)
