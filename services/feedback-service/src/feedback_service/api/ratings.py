"""POST a rating (anonymous), GET one back."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from citizeninfo_shared.deps import OutboxRelayDep
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.topics import TopicName
from fastapi import APIRouter, Path, status

from feedback_service.adapters.rating_store import RATINGS_COLLECTION
from feedback_service.api.deps import RatingStoreDep
from feedback_service.api.schemas import RatingAccepted, RatingSubmission, RatingView
from feedback_service.domain.rating import submit_rating

router = APIRouter(prefix="/ratings", tags=["ratings"])
EVENT_SOURCE = "/citizeninfo/feedback-service/ratings"


@router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Rate the service received at a point")
async def rate(submission: RatingSubmission, store: RatingStoreDep, relay: OutboxRelayDep) -> RatingAccepted:
    if submission.visit_token is not None:
        # card-gateway issues no visit tokens yet, so no token can be known; refusing it beats
        # silently storing the rating as unverified when the citizen meant it to count as verified.
        raise Problem(422, "unknown or expired visit token")
    rating = submit_rating(
        rating_id=str(uuid.uuid4()),
        service_point_id=submission.service_point_id,
        service_id=submission.service_id,
        score=submission.score,
        asked_for_copy=submission.asked_for_copy,
        comment=submission.comment,
        submitted_at=datetime.now(UTC),
    )
    event = CloudEvent.wrap(rating, source=EVENT_SOURCE, subject=rating.service_point_id)
    await store.add(rating, OutboxEntry.of(TopicName.RATINGS, event))
    relay.notify(RATINGS_COLLECTION, rating.rating_id)
    return RatingAccepted(rating_id=rating.rating_id, verified=rating.verified)


@router.get("/{rating_id}", summary="One rating")
async def get_rating(rating_id: Annotated[str, Path(max_length=64)], store: RatingStoreDep) -> RatingView:
    rating = await store.get(rating_id)
    if rating is None:
        raise Problem(404, f"No rating {rating_id!r}.")
    return RatingView.of(rating)
