"""One consumed message from start to end: read it, project it, write it, count it.

A message that cannot be read is logged, counted and skipped: one bad producer must not stop the
statistics. Elasticsearch being unreachable is the opposite case: the write is retried until it
succeeds, so the offset never moves past an event that is not in the read model (at-least-once;
the deterministic document ids make the repeats harmless).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import structlog
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.topics import TopicName
from elasticsearch import ApiError
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from stats_service.domain.projections import PROJECTIONS, DocumentUpdate
from stats_service.worker.metrics import EVENT_FRESHNESS, EVENTS_MALFORMED, EVENTS_PROCESSED, WRITE_RETRIES

log = structlog.get_logger(__name__)


class StatsWriter(Protocol):
    async def apply(self, update: DocumentUpdate) -> None: ...


class Outcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"  # well formed, but nothing the read model counts (a ministry, a department)
    MALFORMED = "malformed"
    REJECTED = "rejected"  # Elasticsearch refused the document itself; retrying cannot help


def _now() -> datetime:
    return datetime.now(UTC)


def _is_refusal(exc: BaseException) -> bool:
    """A 4xx answer about the document (bad field value, ...), as opposed to overload or timeout."""
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


async def project(
    topic: TopicName,
    raw: bytes | None,
    writer: StatsWriter,
    *,
    max_backoff_seconds: float,
    now: Callable[[], datetime] = _now,
) -> Outcome:
    if not raw:
        return _skip(topic, "empty")
    try:
        event = CloudEvent.from_json_bytes(raw)
    except ValueError as exc:
        return _skip(topic, "invalid_envelope", size=len(raw), error=_describe(exc))
    try:
        update = PROJECTIONS[topic](event)
    except ValueError as exc:
        return _skip(topic, "invalid_data", event_id=event.id, type=event.type, error=_describe(exc))

    if update is not None:
        try:
            await _write_until_accepted(topic, writer, update, max_backoff_seconds)
        except ApiError as exc:
            return _skip(topic, "rejected", event_id=event.id, status=exc.meta.status, error=str(exc)[:300])

    EVENTS_PROCESSED.labels(topic.value).inc()
    event_time = event.time if event.time.tzinfo else event.time.replace(tzinfo=UTC)
    EVENT_FRESHNESS.labels(topic.value).observe(max(0.0, (now() - event_time).total_seconds()))
    return Outcome.APPLIED if update is not None else Outcome.IGNORED


async def _write_until_accepted(
    topic: TopicName, writer: StatsWriter, update: DocumentUpdate, max_backoff_seconds: float
) -> None:
    def before_sleep(state: RetryCallState) -> None:
        WRITE_RETRIES.labels(topic.value).inc()
        log.error(
            "stats_write_retrying",
            topic=topic.value,
            document_id=update.document_id,
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
            await writer.apply(update)
