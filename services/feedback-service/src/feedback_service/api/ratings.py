"""Ratings: POST (anonymous, Idempotency-Key aware), GET one, moderation (admin), a staff reply."""

from datetime import UTC, datetime
from typing import Annotated

from citizeninfo_shared.auth import AdminPrincipal, CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.privacy import redact
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Header, Path, Query, Response, status

from feedback_service.adapters.rating_store import Moderation, Reply
from feedback_service.api.client_identity import ClientPseudonym
from feedback_service.api.deps import KnownPointsDep, RatingIntakeDep, RatingStoreDep
from feedback_service.api.schemas import (
    ModerationRequest,
    RatingAccepted,
    RatingList,
    RatingSubmission,
    RatingView,
    ReplyRequest,
)
from feedback_service.service_layer.catalogue_lookup import known_point

router = APIRouter(prefix="/ratings", tags=["ratings"])
RatingId = Annotated[str, Path(max_length=64)]
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"
# Every write through the gateway counts against its per-client write limit (nginx answers 429).
GATEWAY_WRITE_LIMIT = {429: {"description": "Rate limit; see Retry-After"}}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Rate the service received at a point",
    responses={
        404: {"description": "No such service point"},
        409: {"description": "The visit token was already used"},
        422: {"description": "Invalid body, invalid visit token, or an Idempotency-Key reused with another body"},
        429: {"description": "Rate limit; see Retry-After"},
    },
)
async def rate(
    submission: RatingSubmission,
    response: Response,
    client: ClientPseudonym,
    intake: RatingIntakeDep,
    idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN)] = None,
) -> RatingAccepted:
    outcome = await intake.accept(submission, client=client, idempotency_key=idempotency_key, now=datetime.now(UTC))
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return RatingAccepted(rating_id=outcome.rating_id, verified=outcome.verified)


@router.get(
    "",
    summary="A service point's ratings, newest first",
    responses={404: {"description": "No such service point"}},
)
async def list_ratings(
    store: RatingStoreDep,
    catalogue: KnownPointsDep,
    service_point_id: Annotated[str, Query(pattern=CATALOGUE_ID_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> RatingList:
    point = await known_point(catalogue, service_point_id)
    stored = await store.newest_for_point(point.service_point_id, limit)
    return RatingList(items=[RatingView.of(rating) for rating in stored])


@router.get("/{rating_id}", summary="One rating")
async def get_rating(rating_id: RatingId, store: RatingStoreDep) -> RatingView:
    stored = await store.get(rating_id)
    if stored is None:
        raise Problem(404, f"ไม่พบความคิดเห็นนี้ — no rating {rating_id!r}.")
    return RatingView.of(stored)


@router.put("/{rating_id}/moderation", summary="Hide or show a rating's comment (admin)", responses=GATEWAY_WRITE_LIMIT)
async def moderate(
    rating_id: RatingId, request: ModerationRequest, admin: AdminPrincipal, store: RatingStoreDep
) -> RatingView:
    moderation = Moderation(hidden=request.hidden, reason=request.reason, by=admin.username, at=datetime.now(UTC))
    if not await store.moderate(rating_id, moderation):
        raise Problem(404, f"ไม่พบความคิดเห็นนี้ — no rating {rating_id!r}.")
    return RatingView.of(await store.get(rating_id))


@router.post(
    "/{rating_id}/reply",
    status_code=status.HTTP_201_CREATED,
    summary="The agency's one public reply",
    responses={**GATEWAY_WRITE_LIMIT, 409: {"description": "The rating already has the agency's reply"}},
)
async def reply(
    rating_id: RatingId, request: ReplyRequest, principal: CurrentPrincipal, store: RatingStoreDep
) -> RatingView:
    stored = await store.get(rating_id)
    if stored is None:
        raise Problem(404, f"ไม่พบความคิดเห็นนี้ — no rating {rating_id!r}.")
    # The rating carries its point's department (stamped from the catalogue when it was filed).
    ensure_may_act_for(principal, stored.rating.department_id)
    answer = Reply(text=redact(request.text), by=principal.username, at=datetime.now(UTC))
    if not await store.reply(rating_id, answer):
        raise Problem(409, "ความคิดเห็นนี้มีคำตอบแล้ว — this rating already has the agency's reply.")
    return RatingView.of(await store.get(rating_id))
