"""Keeps a process's `AccountStates` current from the compacted account-state topic.

Every process needs every account, so there is no consumer group: each one assigns itself all
partitions, reads them from the beginning at start-up (the topic is compacted: one record per account)
and then follows them. Nothing is committed. `AccountStates.loaded` is set once the end offsets seen at
start-up are reached; until then bearer tokens are answered 503 (see auth.py), never accepted blindly.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from pydantic import ValidationError

from citizeninfo_shared.account_state import AccountStates
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.kafka import kafka_client_options
from citizeninfo_shared.runtime import supervised
from citizeninfo_shared.settings import ServiceSettings
from citizeninfo_shared.topics import TopicName

log = structlog.get_logger(__name__)


class AccountStateFollower:
    def __init__(self, states: AccountStates, bootstrap_servers: str, *, client_id: str) -> None:
        self._states = states
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            **kafka_client_options(),  # this service's Kafka user (SASL) where the broker wants one
            group_id=None,  # no group: this process is assigned every partition of the topic
            client_id=self._client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",  # nothing is committed, so every start reads from the beginning
            isolation_level="read_committed",
            fetch_max_wait_ms=200,
        )
        consumer.subscribe([TopicName.ACCOUNT_STATE])
        await consumer.start()
        try:
            end_offsets: dict[TopicPartition, int] | None = None
            while True:
                batches = await consumer.getmany(timeout_ms=1_000)
                for records in batches.values():
                    self._states.apply(self._readable(records))
                if self._states.loaded.is_set() or not (assigned := consumer.assignment()):
                    continue
                if end_offsets is None:
                    end_offsets = await consumer.end_offsets(list(assigned))
                if all([await consumer.position(tp) >= end for tp, end in end_offsets.items()]):
                    log.info("account_states_loaded", accounts=len(self._states))
                    self._states.loaded.set()
        finally:
            await consumer.stop()

    @staticmethod
    def _readable(records) -> list[CloudEvent]:
        events = []
        for record in records:
            try:
                events.append(CloudEvent.from_json_bytes(record.value))
            except (ValidationError, ValueError) as error:
                log.warning("unreadable_record_skipped", topic=record.topic, offset=record.offset, error=str(error))
        return events


@contextlib.asynccontextmanager
async def follow_account_state(app: FastAPI, settings: ServiceSettings) -> AsyncIterator[AccountStates]:
    """Puts `app.state.account_states` in place and keeps it current for the app's lifetime."""
    states = AccountStates()
    app.state.account_states = states
    follower = AccountStateFollower(
        states, settings.kafka_bootstrap_servers, client_id=f"{settings.service_name}-account-state"
    )
    task = asyncio.create_task(supervised(follower.run), name="account-state")
    try:
        yield states
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
