"""Helpers the integration tests share."""

import time
from collections.abc import Callable

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests import targets


class TopicTail:
    """Reads a topic from the offsets it had when created: what a test's actions published."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        # Without a group, so a reader of the topic needs no group ACL (compose authenticates as one).
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, **targets.kafka_options(reads=[topic])
        )
        # A topic created a moment ago (a throw-away broker's) can take a while to reach the metadata.
        numbers = wait_until(lambda: sorted(self._consumer.partitions_for_topic(topic) or []), timeout=15, interval=0.5)
        partitions = [TopicPartition(topic, p) for p in numbers]
        self._consumer.assign(partitions)
        for partition, offset in self._consumer.end_offsets(partitions).items():
            self._consumer.seek(partition, offset)

    def collect(self, wanted: Callable[[list], bool], timeout: float = 20.0) -> list:
        records: list = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not wanted(records):
            for batch in self._consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records

    def close(self) -> None:
        self._consumer.close()


def wait_until(check: Callable[[], object], timeout: float, interval: float = 0.25) -> object:
    """Polls until check() returns something truthy; returns it, or fails with the last value."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s (last value: {last!r})")
