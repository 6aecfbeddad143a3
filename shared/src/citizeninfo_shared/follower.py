"""A consumer loop for read models kept inside a service: batches of CloudEvents, applied, then committed."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from pydantic import ValidationError

from citizeninfo_shared.events.envelope import CloudEvent

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


class TopicFollower:
    """At-least-once: offsets are committed only after `apply` returns, so `apply` must be idempotent."""

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
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = tuple(topics)
        self._group_id = group_id
        self._client_id = client_id
        self._apply = apply
        self._max_records = max_records
        self._replay_when_empty = replay_when_empty
        self.caught_up = asyncio.Event()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
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
                events = []
                for records in batches.values():
                    for record in records:
                        try:
                            events.append(CloudEvent.from_json_bytes(record.value))
                        except (ValidationError, ValueError) as error:
                            log.warning(
                                "unreadable_record_skipped", topic=record.topic, offset=record.offset, error=str(error)
                            )
                await self._apply(events)
                await consumer.commit()
        finally:
            await consumer.stop()
