"""Bearer JWTs issued by pin-service and verified by every service; roles and department rights.

A token also carries its account's `epoch` at issue time. Each service keeps the latest state of every
account in memory (`app.state.account_states`, fed by the account-state topic) and refuses the token of
a disabled account, or one whose epoch is older than the account's (password reset, demotion, ...).
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

from citizeninfo_shared.account_state import AccountStates
from citizeninfo_shared.problems import Problem

TOKEN_URL = "/api/pin/v1/auth/token"  # noqa: S105 - a URL, not a secret
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Role(StrEnum):
    ADMIN = "admin"
    AGENCY_STAFF = "agency_staff"
    # Agency staff who also manage the staff accounts of their own department (pin-service). Everywhere
    # else a coordinator has exactly the rights of its department's staff (`may_act_for`), no more.
    COORDINATOR = "coordinator"


class Principal(BaseModel):
    username: str
    role: Role
    department_id: str | None = None
    # The account's token epoch when the token was issued (0 for tokens from before epochs existed).
    token_epoch: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR and self.department_id is not None

    def may_act_for(self, department_id: str | None) -> bool:
        return self.is_admin or (department_id is not None and self.department_id == department_id)


class TokenCodec:
    def __init__(self, secret: str, *, issuer: str, audience: str, ttl_seconds: int = 900) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds

    def issue(self, principal: Principal, *, now: datetime | None = None) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "sub": principal.username,
            "role": principal.role.value,
            "department_id": principal.department_id,
            "epoch": principal.token_epoch,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": issued,
            "exp": issued + timedelta(seconds=self.ttl_seconds),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub"]},
            )
            return Principal(
                username=claims["sub"],
                role=Role(claims["role"]),
                department_id=claims.get("department_id"),
                token_epoch=int(claims.get("epoch") or 0),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise Problem(401, f"The bearer token is not valid: {error}", headers=BEARER_CHALLENGE) from error


oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


# How long a request with a token waits, just after start-up, for the account states to be read.
ACCOUNT_STATES_WAIT_SECONDS = 5.0


def _codec(request: Request) -> TokenCodec:
    return request.app.state.token_codec


async def _verified(request: Request, token: str) -> Principal:
    """The token's principal, unless it is forged, expired, or its account was disabled or changed since."""
    principal = _codec(request).verify(token)
    states: AccountStates | None = getattr(request.app.state, "account_states", None)
    if states is None:  # an app without the follower (unit tests with fakes): signatures and expiry only
        return principal
    if not await states.wait_loaded(ACCOUNT_STATES_WAIT_SECONDS):
        raise Problem(503, "Account states are still being loaded; try again shortly.", headers={"Retry-After": "5"})
    if reason := states.refusal(principal.username, principal.token_epoch):
        raise Problem(401, reason, headers=BEARER_CHALLENGE)
    return principal


async def current_principal(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    if not token:
        raise Problem(401, "Sign in first: this needs a bearer token.", headers=BEARER_CHALLENGE)
    return await _verified(request, token)


async def optional_principal(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal | None:
    """The caller when signed in, None when anonymous; a bad token is still a 401, never ignored."""
    return await _verified(request, token) if token else None


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise Problem(403, "Only a national administrator may do this.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
AdminPrincipal = Annotated[Principal, Depends(admin_principal)]


def ensure_may_act_for(principal: Principal, department_id: str | None) -> None:
    if not principal.may_act_for(department_id):
        raise Problem(403, "Agency staff may act only on service points of their own department.")
