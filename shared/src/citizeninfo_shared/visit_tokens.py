"""One-time visit tokens: issued by the card gateway when a card is read, redeemed once by feedback-service.

A token is a signed JWT (HS256, its own secret) naming the service point, the visit and its expiry, so
feedback-service verifies it without calling the card gateway; its `jti` makes reuse detectable (409).
The `jti` is derived from the visit id: every token of one visit has the same id, so one visit rates
once however often its card is read (issued again with the visit's start as `now`, it is the same token).
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

VISIT_TOKEN_TTL = timedelta(hours=24)
_AUDIENCE = "citizeninfo-feedback"
_ISSUER = "citizeninfo-card-gateway"
_TOKEN_IDS = uuid.UUID("0f5a7d62-3c1e-4b8e-9f2a-6d4c8b1e7a35")


def token_id_of(visit_id: str) -> str:
    """The one token id of a visit."""
    return uuid.uuid5(_TOKEN_IDS, visit_id).hex


class VisitTokenInvalid(ValueError):
    """The token is forged, expired, malformed, or for another service point."""


@dataclass(frozen=True, slots=True)
class VisitClaims:
    token_id: str
    visit_id: str
    service_point_id: str
    expires_at: datetime


class VisitTokenCodec:
    def __init__(self, secret: str, *, ttl: timedelta = VISIT_TOKEN_TTL) -> None:
        self._secret = secret
        self.ttl = ttl

    def issue(self, *, service_point_id: str, visit_id: str, now: datetime | None = None) -> tuple[str, VisitClaims]:
        issued = now or datetime.now(UTC)
        claims = VisitClaims(
            token_id=token_id_of(visit_id),
            visit_id=visit_id,
            service_point_id=service_point_id,
            expires_at=issued + self.ttl,
        )
        token = jwt.encode(
            {
                "jti": claims.token_id,
                "sub": service_point_id,
                "vid": visit_id,
                "iss": _ISSUER,
                "aud": _AUDIENCE,
                "iat": issued,
                "exp": claims.expires_at,
            },
            self._secret,
            algorithm="HS256",
        )
        return token, claims

    def verify(self, token: str, *, service_point_id: str) -> VisitClaims:
        try:
            raw = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["jti", "sub", "vid", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise VisitTokenInvalid("the visit token has expired") from error
        except jwt.PyJWTError as error:
            raise VisitTokenInvalid("the visit token is not valid") from error
        if raw["sub"] != service_point_id:
            raise VisitTokenInvalid("the visit token was issued for another service point")
        return VisitClaims(
            token_id=str(raw["jti"]),
            visit_id=str(raw["vid"]),
            service_point_id=str(raw["sub"]),
            expires_at=datetime.fromtimestamp(raw["exp"], UTC),
        )
