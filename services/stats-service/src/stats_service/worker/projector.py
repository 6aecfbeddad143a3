"""A batch of consumed messages from start to end: read them, project them, write them, count them.

A message that cannot be read is logged, counted and skipped: one bad producer must not stop the
statistics. Elasticsearch being unreachable is the opposite case: the batch is retried until it is
written, so the offsets never move past an event that is not in the read model (at-least-once; the
deterministic document ids make the repeats harmless). The batch keeps the partition order, so a
later survey of a point is always written after an earlier one.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, TypeVar

import structlog
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.topics import TopicName
from elasticsearch import ApiError
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from stats_service.adapters.elasticsearch_writer import Rejection
from stats_service.domain.projections import PROJECTIONS, DocumentUpdate, ReadModel
from stats_service.worker.metrics import (
    EVENT_FRESHNESS,
    EVENTS_MALFORMED,
    EVENTS_PROCESSED,
    LAST_BATCH_WRITTEN,
    WRITE_RETRIES,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")

# Ratings and complaints are counted per department, ministry and province; an event from an older
# producer that does not carry them gets them from the point's catalogue entry.
NEEDS_ORGANISATION = frozenset({ReadModel.RATINGS, ReadModel.COMPLAINTS})


class StatsWriter(Protocol):
    async def apply_many(self, updates: Sequence[DocumentUpdate]) -> list[Rejection]: ...

    async def organisations(self, service_point_ids: Iterable[str]) -> dict[str, dict[str, str]]: ...


class Outcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"  # well formed, but nothing the read model counts (a service, a status change)
    MALFORMED = "malformed"
    REJECTED = "rejected"  # Elasticsearch refused the document itself; retrying cannot help


def _now() -> datetime:
    return datetime.now(UTC)


def _is_refusal(exc: BaseException) -> bool:
    """A 4xx answer about the request (bad field value, ...), as opposed to overload or timeout."""
    return isinstance(exc, ApiError) and 400 <= exc.meta.status < 500 and exc.meta.status not in (408, 429)


def _worth_retrying(exc: BaseException) -> bool:
    # Cancellation (worker shutdown) is a BaseException and must pass straight through.
    return isinstance(exc, Exception) and not _is_refusal(exc)


def _describe(exc: ValueError) -> str:
    """What was wrong, without the input itself: it may hold a citizen's comment."""
    if isinstance(exc, ValidationError):
        problems = exc.errors(include_input=False, include_url=False)
        return "; ".join(f"{'.'.join(map(str, p['loc'])) or '<root>'}: {p['msg']}" for p in problems)[:300]
    return str(exc)[:300]


def _skip(topic: TopicName, reason: str, **details: object) -> Outcome:
    EVENTS_MALFORMED.labels(topic.value, reason).inc()
    log.warning("stats_event_skipped", topic=topic.value, reason=reason, **details)
    return Outcome.REJECTED if reason == "rejected" else Outcome.MALFORMED


@dataclass(slots=True)
class _Projected:
    event: CloudEvent
    update: DocumentUpdate | None


def _read(topic: TopicName, raw: bytes | None) -> _Projected | Outcome:
    if not raw:
        return _skip(topic, "empty")
    try:
        event = CloudEvent.from_json_bytes(raw)
    except ValueError as exc:
        return _skip(topic, "invalid_envelope", size=len(raw), error=_describe(exc))
    try:
        return _Projected(event, PROJECTIONS[topic](event))
    except ValueError as exc:
        return _skip(topic, "invalid_data", event_id=event.id, type=event.type, error=_describe(exc))


async def project(
    topic: TopicName,
    raw: bytes | None,
    writer: StatsWriter,
    *,
    max_backoff_seconds: float,
    now: Callable[[], datetime] = _now,
) -> Outcome:
    (outcome,) = await project_batch(topic, [raw], writer, max_backoff_seconds=max_backoff_seconds, now=now)
    return outcome


async def project_batch(
    topic: TopicName,
    raws: Sequence[bytes | None],
    writer: StatsWriter,
    *,
    max_backoff_seconds: float,
    now: Callable[[], datetime] = _now,
) -> list[Outcome]:
    """The outcome of each message, in order. Returns only once every writable update is written."""
    read = [_read(topic, raw) for raw in raws]
    projected = [item for item in read if isinstance(item, _Projected)]
    await _add_missing_organisations(topic, projected, writer, max_backoff_seconds)
    updates = [item.update for item in projected if item.update is not None]

    refused: dict[int, Rejection] = {}
    if updates:
        for rejection in await _write_until_accepted(topic, writer, updates, max_backoff_seconds):
            refused[id(rejection.update)] = rejection
        LAST_BATCH_WRITTEN.set_to_current_time()

    outcomes = []
    moment = now()
    processed = EVENTS_PROCESSED.labels(topic.value)
    freshness = EVENT_FRESHNESS.labels(topic.value)
    for item in read:
        if not isinstance(item, _Projected):
            outcomes.append(item)
            continue
        rejection = refused.get(id(item.update)) if item.update is not None else None
        if rejection is not None:
            outcomes.append(
                _skip(topic, "rejected", event_id=item.event.id, status=rejection.status, error=rejection.reason)
            )
            continue
        processed.inc()
        event_time = item.event.time if item.event.time.tzinfo else item.event.time.replace(tzinfo=UTC)
        freshness.observe(max(0.0, (moment - event_time).total_seconds()))
        outcomes.append(Outcome.APPLIED if item.update is not None else Outcome.IGNORED)
    return outcomes


async def _add_missing_organisations(
    topic: TopicName, projected: list[_Projected], writer: StatsWriter, max_backoff_seconds: float
) -> None:
    lacking = [
        item
        for item in projected
        if item.update is not None
        and item.update.read_model in NEEDS_ORGANISATION
        and not item.update.fields.get("department_id")
    ]
    if not lacking:
        return
    point_ids = {item.update.fields["service_point_id"] for item in lacking if item.update is not None}
    found = await _retrying(topic, max_backoff_seconds, lambda: writer.organisations(point_ids))
    for item in lacking:
        assert item.update is not None
        organisation = found.get(item.update.fields["service_point_id"])
        if organisation:
            item.update = replace(item.update, fields={**item.update.fields, **organisation})


async def _write_until_accepted(
    topic: TopicName, writer: StatsWriter, updates: list[DocumentUpdate], max_backoff_seconds: float
) -> list[Rejection]:
    try:
        return await _retrying(topic, max_backoff_seconds, lambda: writer.apply_many(updates))
    except ApiError as exc:
        if len(updates) == 1:
            return [Rejection(updates[0], exc.meta.status, str(exc)[:300])]
    # The whole request was refused: write one by one so that only the bad document is skipped.
    rejections = []
    for update in updates:
        rejections += await _write_until_accepted(topic, writer, [update], max_backoff_seconds)
    return rejections


async def _retrying(topic: TopicName, max_backoff_seconds: float, call: Callable[[], Awaitable[T]]) -> T:
    def before_sleep(state: RetryCallState) -> None:
        WRITE_RETRIES.labels(topic.value).inc()
        log.error(
            "stats_write_retrying",
            topic=topic.value,
            attempt=state.attempt_number,
            error=repr(state.outcome.exception()) if state.outcome else None,
        )

    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_worth_retrying),
        wait=wait_exponential(multiplier=0.1, max=max_backoff_seconds),
        before_sleep=before_sleep,
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity reraises the last error")
