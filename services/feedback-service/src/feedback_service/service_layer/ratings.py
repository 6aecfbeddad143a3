"""Accepting a rating: the point, the visit token, the Idempotency-Key, the limits, then one insert.

Order matters: a replay (same key, same body) is answered before any limit is counted, so a client
retrying after a lost response is never refused, and a rating is never stored twice.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.keys import Purpose, keys_for
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.topics import TopicName
from citizeninfo_shared.visit_tokens import VisitTokenCodec, VisitTokenInvalid
from prometheus_client import Counter

from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.adapters.rating_store import (
    DailyCapReached,
    RatingExists,
    RatingStore,
    StoredRating,
)
from feedback_service.config import FeedbackSettings
from feedback_service.domain.rate_limits import daily_rating_cap, rating_counters
from feedback_service.domain.rating import ServiceNotOffered, submit_rating
from feedback_service.service_layer.abuse import enforce, too_many
from feedback_service.service_layer.catalogue_lookup import known_point, service_not_offered

EVENT_SOURCE = "/citizeninfo/feedback-service/ratings"
RATINGS_ACCEPTED = Counter("citizeninfo_feedback_ratings_accepted_total", "Ratings stored", ["verified"])
RATING_REPLAYS = Counter("citizeninfo_feedback_rating_replays_total", "Idempotent replays answered from the store")
# Rating ids derived from a visit token or an Idempotency-Key live in their own UUID namespace.
_RATING_ID_NAMESPACE = uuid.UUID("5b0f7c1e-4f8e-4c55-9a0e-0c3f1d6c2a71")


@dataclass(frozen=True, slots=True)
class RatingOutcome:
    rating_id: str
    verified: bool
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class RatingIntake:
    settings: FeedbackSettings
    store: RatingStore
    limiter: RateLimiter
    visit_tokens: VisitTokenCodec
    catalogue: object

    async def accept(self, submission, *, client: str, idempotency_key: str | None, now: datetime) -> RatingOutcome:
        point = await known_point(self.catalogue, submission.service_point_id)
        token_id = self._redeemable_token_id(submission.visit_token, point.service_point_id)
        fingerprint = _fingerprint(idempotency_key, submission) if idempotency_key is not None else None
        rating_id = self._rating_id(token_id, idempotency_key)

        if token_id is not None or idempotency_key is not None:
            existing = await self._existing(rating_id, token_id, idempotency_key)
            if existing is not None:
                return _replay_or_refuse(existing, fingerprint, token_used=token_id is not None)

        await enforce(
            self.limiter,
            rating_counters(self.settings, client=client, point_id=point.service_point_id, now=now),
            now,
        )
        try:
            rating = submit_rating(
                rating_id=rating_id,
                point=point,
                service_id=submission.service_id,
                score=submission.score,
                aspects={aspect.value: score for aspect, score in submission.aspects.items()},
                asked_for_copy=submission.asked_for_copy,
                comment=submission.comment,
                verified=token_id is not None,
                submitted_at=now,
            )
        except ServiceNotOffered as error:
            raise service_not_offered(point, str(error)) from error
        event = CloudEvent.wrap(rating, source=EVENT_SOURCE, subject=rating.service_point_id)
        cap = daily_rating_cap(self.settings, client=client, point_id=point.service_point_id, now=now)
        try:
            await self.store.add(
                rating,
                OutboxEntry.of(TopicName.RATINGS, event),
                # A visit token is its own proof (one rating per token): not counted against the daily
                # cap per address, which exists for anonymous ratings (issue 17).
                daily_slots=() if token_id is not None else cap.slots,
                request_fingerprint=fingerprint,
            )
        except DailyCapReached:
            raise too_many(
                "rating:client-point",
                "the daily number of ratings of this service point from this client is reached",
                cap.retry_after_seconds(now),
            ) from None
        except RatingExists:
            # Two identical requests raced past the first look: the loser answers like a replay.
            existing = await self.store.get(rating_id)
            if existing is None:
                raise
            return _replay_or_refuse(existing, fingerprint, token_used=token_id is not None)
        RATINGS_ACCEPTED.labels(str(rating.verified).lower()).inc()
        return RatingOutcome(rating.rating_id, rating.verified)

    def _redeemable_token_id(self, token: str | None, service_point_id: str) -> str | None:
        if token is None:
            return None
        try:
            return self.visit_tokens.verify(token, service_point_id=service_point_id).token_id
        except VisitTokenInvalid as error:
            raise Problem(
                422,
                f"ใช้โทเค็นการมาใช้บริการนี้ไม่ได้ (ปลอม หมดอายุ หรือออกให้จุดบริการอื่น) — {error}.",
                title="Invalid visit token",
            ) from error

    def _rating_id(self, token_id: str | None, idempotency_key: str | None) -> str:
        if token_id is not None:
            return str(uuid.uuid5(_RATING_ID_NAMESPACE, f"visit:{token_id}"))
        if idempotency_key is not None:
            # Keyed, so knowing a rating id reveals nothing about the key a client chose.
            return idempotent_rating_ids(self.settings, idempotency_key)[0]
        return str(uuid.uuid4())

    async def _existing(self, rating_id: str, token_id: str | None, idempotency_key: str | None) -> StoredRating | None:
        """The rating a retry refers to: under the current key's id first, then under older keys' ids."""
        if token_id is not None or idempotency_key is None:
            return await self.store.get(rating_id)
        for candidate in idempotent_rating_ids(self.settings, idempotency_key):
            if (existing := await self.store.get(candidate)) is not None:
                return existing
        return None


def idempotent_rating_ids(settings: FeedbackSettings, idempotency_key: str) -> list[str]:
    """The rating id an Idempotency-Key names under each configured key, the current key's first
    (`key:<legacy hex>` for ids made before key ids, `key:k1:<hex>` since)."""
    return [
        str(uuid.uuid5(_RATING_ID_NAMESPACE, f"key:{hashed}"))
        for hashed in keys_for(settings, Purpose.IDEMPOTENCY_KEY).hashes(idempotency_key)
    ]


def _fingerprint(idempotency_key: str, submission) -> str:
    body = json.dumps(submission.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{idempotency_key}\n{body}".encode()).hexdigest()


def _replay_or_refuse(existing: StoredRating, fingerprint: str | None, *, token_used: bool) -> RatingOutcome:
    if fingerprint is not None and existing.request_fingerprint == fingerprint:
        RATING_REPLAYS.inc()
        return RatingOutcome(existing.rating.rating_id, existing.rating.verified, replayed=True)
    if token_used:
        raise Problem(
            409,
            "โทเค็นการมาใช้บริการนี้ถูกใช้ให้คะแนนไปแล้ว — this visit token has already been used for a rating.",
            title="Visit token already used",
        )
    raise Problem(
        422,
        "Idempotency-Key นี้ใช้กับคำขออื่นไปแล้ว — this Idempotency-Key was already used with a different "
        "request body; use a new key for a new rating.",
        title="Idempotency-Key reused",
    )
