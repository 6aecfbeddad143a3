"""A citizen's rating as it is stored and published: the comment redacted, unverified."""

from datetime import datetime

from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.privacy import redact


def submit_rating(
    *,
    rating_id: str,
    service_point_id: str,
    service_id: str | None,
    score: int,
    asked_for_copy: bool | None,
    comment: str | None,
    submitted_at: datetime,
) -> RatingSubmitted:
    return RatingSubmitted(
        rating_id=rating_id,
        service_point_id=service_point_id,
        service_id=service_id,
        score=score,
        asked_for_copy=asked_for_copy,
        # Citizens write their phone number or id into comments; neither may be stored or published.
        comment=redact(comment) if comment else None,
        # Only a visit token issued at the counter proves a visit, and none can be redeemed yet.
        verified=False,
        submitted_at=submitted_at,
    )
