"""A citizen's rating as it is stored and published: the comment redacted, verified only by a visit token."""

from datetime import datetime
from enum import StrEnum

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.privacy import redact


class Aspect(StrEnum):
    """What a citizen may score besides the overall experience (1..5 each)."""

    WAITING_TIME = "waiting_time"
    STAFF_COURTESY = "staff_courtesy"
    INFORMATION_CLARITY = "information_clarity"
    FACILITIES = "facilities"


class ServiceNotOffered(ValueError):
    """The rating names a service the point does not offer."""


def submit_rating(
    *,
    rating_id: str,
    point: ServicePointRef,
    service_id: str | None,
    score: int,
    aspects: dict[str, int] | None = None,
    asked_for_copy: bool | None,
    comment: str | None,
    verified: bool,
    submitted_at: datetime,
) -> RatingSubmitted:
    if service_id is not None and service_id not in point.service_ids:
        raise ServiceNotOffered(service_id)
    return RatingSubmitted(
        rating_id=rating_id,
        service_point_id=point.service_point_id,
        service_id=service_id,
        score=score,
        aspects=dict(aspects or {}),
        asked_for_copy=asked_for_copy,
        # Citizens write their phone number or id into comments; neither may be stored or published.
        comment=redact(comment) if comment else None,
        verified=verified,
        submitted_at=submitted_at,
        department_id=point.department_id,
        ministry_id=point.ministry_id,
        province_code=point.province_code,
    )
