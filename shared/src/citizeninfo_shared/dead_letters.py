"""Events a consumer cannot process are parked on citizeninfo.dead-letters.v1, and the consumer goes on.

Without this, one bad record (a time with no time zone, an illegal status change) failed its batch on
every retry and the consumer never moved past it. Now the follower (follower.py) parks a record whose
handling fails for a reason in the record itself — `EventRejected` (a handler's verdict), a value,
type or lookup error, an unreadable envelope — and commits past it. Errors of the surroundings
(database or Kafka unreachable, timeouts) are not the record's fault: they still fail the batch,
which is retried from the last commit, so no event is ever parked because a dependency was down.

A parked record keeps its original key and bytes (it can be replayed onto its topic as is); headers
say where it came from and why. Parking is counted in `citizeninfo_events_dead_lettered_total`
(labels: consumer group and a short reason code, never an id or a person) and raises the alert
CitizeninfoEventsDeadLettered.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog
from aiokafka import AIOKafkaProducer
from bson.errors import BSONError
from prometheus_client import Counter
from pydantic import ValidationError

from citizeninfo_shared.kafka import create_async_producer
from citizeninfo_shared.topics import TopicName

log = structlog.get_logger(__name__)

EVENTS_DEAD_LETTERED = Counter(
    "citizeninfo_events_dead_lettered_total",
    "Records a consumer could not process, parked on the dead-letter topic",
    ["consumer", "reason"],
)
MAX_DETAIL_CHARS = 500


class EventRejected(Exception):
    """Raised by a handler for an event that can never be applied as it is (invalid, illegal, unknown).

    `reason` is a short fixed code (a metric label: never an id or free text)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Failures that come from the record itself: retrying cannot help, so the record is parked.
# Anything else (pymongo's ConnectionFailure and OperationFailure, Kafka errors, OSError, timeouts)
# fails the batch, which is retried.
UNPROCESSABLE: tuple[type[BaseException], ...] = (EventRejected, ValueError, TypeError, LookupError, BSONError)


def is_unprocessable(error: BaseException) -> bool:
    return isinstance(error, UNPROCESSABLE)


def reason_of(error: BaseException) -> str:
    if isinstance(error, EventRejected):
        return error.reason
    if isinstance(error, ValidationError):
        return "invalid"
    return type(error).__name__


def describe(error: BaseException) -> str:
    """What went wrong, without the offending values (a validation error would quote the input)."""
    if isinstance(error, ValidationError):
        text = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False, include_url=False)
        )
    elif isinstance(error, EventRejected):
        text = str(error)
    else:
        text = type(error).__name__
    return text[:MAX_DETAIL_CHARS]


@dataclass(frozen=True, slots=True)
class ParkedRecord:
    """Where a record came from, and why it could not be processed."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    consumer: str
    reason: str
    detail: str

    def headers(self, parked_at: datetime) -> list[tuple[str, bytes]]:
        return [
            ("dlq.topic", self.topic.encode()),
            ("dlq.partition", str(self.partition).encode()),
            ("dlq.offset", str(self.offset).encode()),
            ("dlq.consumer", self.consumer.encode()),
            ("dlq.reason", self.reason.encode()),
            ("dlq.detail", self.detail.encode()),
            ("dlq.parked_at", parked_at.isoformat().encode()),
        ]


class DeadLetters(Protocol):
    async def park(self, records: Sequence[ParkedRecord]) -> None: ...

    async def close(self) -> None: ...


class KafkaDeadLetters:
    """Parks records on the dead-letter topic; returns only once Kafka has them (acks=all)."""

    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def park(self, records: Sequence[ParkedRecord]) -> None:
        if not records:
            return
        if self._producer is None:
            producer = create_async_producer(self._bootstrap_servers, client_id=f"{self._client_id}-dead-letters")
            await producer.start()
            self._producer = producer
        now = datetime.now(UTC)
        sent = [
            await self._producer.send(
                TopicName.DEAD_LETTERS, value=record.value, key=record.key, headers=record.headers(now)
            )
            for record in records
        ]
        for delivery in sent:
            await delivery

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None


def counted(record: ParkedRecord) -> None:
    """Counts and logs a parked record (never its content)."""
    EVENTS_DEAD_LETTERED.labels(record.consumer, record.reason).inc()
    log.warning(
        "event_dead_lettered",
        consumer=record.consumer,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        reason=record.reason,
        detail=record.detail,
    )
