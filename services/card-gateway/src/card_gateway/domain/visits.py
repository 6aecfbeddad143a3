"""A visit: one citizen at one service point, for as long as its visit token is good.

Reading the same card again at the same point while its visit lasts is the same visit: the same visit
id, hence the same visit token, which feedback-service redeems once. A visit is named by a keyed hash
of the point and the citizen id (never the id itself).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from citizeninfo_shared.keys import PurposeKeys


@dataclass(frozen=True, slots=True)
class Visit:
    visit_id: str
    service_point_id: str
    started_at: datetime  # whole seconds: the token's iat, so a token issued again is the same token
    expires_at: datetime


def visit_keys(keys: PurposeKeys, *, service_point_id: str, citizen_id: str) -> list[str]:
    """The names this card's visit at this point may have: under the current key first, then under the
    older keys still configured (a visit started before a rotation is still joined)."""
    return [str(hashed) for hashed in keys.hashes(f"visit\n{service_point_id}\n{citizen_id}")]


def new_visit(service_point_id: str, *, now: datetime, ttl: timedelta) -> Visit:
    started = now.replace(microsecond=0)
    return Visit(
        visit_id=secrets.token_hex(16), service_point_id=service_point_id, started_at=started, expires_at=started + ttl
    )


def still_open(visit: Visit, now: datetime) -> bool:
    return now < visit.expires_at
