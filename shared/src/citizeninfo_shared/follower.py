"""A consumer loop for read models kept inside a service: batches of CloudEvents, applied, then committed.

A record that cannot be processed (unreadable, or its handling fails for a reason in the record
itself) is parked on the dead-letter topic and the loop goes on; see dead_letters.py.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from pydantic import ValidationError

from citizeninfo_shared.dead_letters import (
    DeadLetters,
    KafkaDeadLetters,
    ParkedRecord,
    counted,
    describe,
    is_unprocessable,
    reason_of,
)
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.kafka import kafka_client_options

log = structlog.get_logger(__name__)

ApplyBatch = Callable[[Sequence[CloudEvent]], Awaitable[object]]
IsEmpty = Callable[[], Awaitable[bool]]


class _ReplayWhenEmpty(ConsumerRebalanceListener):
    """A read model that was wiped while its group's offsets survived would never fill again: read its
    topics from the start whenever it is empty at assignment."""

    def __init__(self, consumer: AIOKafkaConsumer, is_empty: IsEmpty) -> None:
        self._consumer = consumer
        self._is_empty = is_empty

    async def on_partitions_revoked(self, revoked: object) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        if assigned and await self._is_empty():
            log.info("read_model_empty_replaying", partitions=len(assigned))
            await self._consumer.seek_to_beginning(*assigned)


class Record(Protocol):
    """What the follower reads of a Kafka record (aiokafka's ConsumerRecord has it)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class TopicFollower:
    """At-least-once: offsets are committed only after `apply` returns, so `apply` must be idempotent.

    When `apply` fails on a batch for a reason in the records, each event is applied alone and those
    that still fail are parked on the dead-letter topic (before the commit); a failure of the
    surroundings (database, Kafka) fails the batch as before, to be retried.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topics: Sequence[str],
        *,
        group_id: str,
        client_id: str,
        apply: ApplyBatch,
        max_records: int = 1_000,
        replay_when_empty: IsEmpty | None = None,
        dead_letters: DeadLetters | None = None,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = tuple(topics)
        self._group_id = group_id
        self._client_id = client_id
        self._apply = apply
        self._max_records = max_records
        self._replay_when_empty = replay_when_empty
        self._dead_letters = dead_letters or KafkaDeadLetters(bootstrap_servers, client_id=client_id)
        self.caught_up = asyncio.Event()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            **kafka_client_options(),  # this service's Kafka user (SASL) where the broker wants one
            group_id=self._group_id,
            client_id=self._client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        listener = _ReplayWhenEmpty(consumer, self._replay_when_empty) if self._replay_when_empty else None
        consumer.subscribe(self._topics, listener=listener)
        await consumer.start()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=1_000, max_records=self._max_records)
                if not batches:
                    self.caught_up.set()
                    continue
                await self.process([record for records in batches.values() for record in records])
                await consumer.commit()
        finally:
            await consumer.stop()
            await self._dead_letters.close()

    async def process(self, records: Sequence[Record]) -> None:
        """Applies a batch; parks what cannot be processed. Raises only for errors worth a retry."""
        parked: list[ParkedRecord] = []
        readable: list[tuple[Record, CloudEvent]] = []
        for record in records:
            try:
                readable.append((record, CloudEvent.from_json_bytes(record.value or b"")))
            except (ValidationError, ValueError) as error:
                parked.append(self._parked(record, "unreadable", describe(error)))
        try:
            if readable:
                await self._apply([event for _, event in readable])
        except Exception as error:
            if not is_unprocessable(error):
                raise
            log.warning("batch_failed_applying_one_by_one", group_id=self._group_id, error=describe(error))
            for record, event in readable:
                try:
                    await self._apply([event])
                except Exception as single_error:
                    if not is_unprocessable(single_error):
                        raise
                    parked.append(self._parked(record, reason_of(single_error), describe(single_error)))
        await self._dead_letters.park(parked)
        for record in parked:
            counted(record)

    def _parked(self, record: Record, reason: str, detail: str) -> ParkedRecord:
        return ParkedRecord(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            consumer=self._group_id,
            reason=reason,
            detail=detail,
        )
