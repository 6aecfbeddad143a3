"""A consumer loop for read models kept inside a service: batches of CloudEvents, applied, then committed."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog
from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from citizeninfo_shared.events.envelope import CloudEvent

log = structlog.get_logger(__name__)

ApplyBatch = Callable[[Sequence[CloudEvent]], Awaitable[object]]


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
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topics = tuple(topics)
        self._group_id = group_id
        self._client_id = client_id
        self._apply = apply
        self._max_records = max_records
        self.caught_up = asyncio.Event()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bootstrap_servers,
            group_id=self._group_id,
            client_id=self._client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
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
