"""How far behind the topics the worker is: messages not yet in the read model, per topic.

Each agent reports the offsets it has written; a timer asks Kafka for the end of every assigned
partition and publishes end − next offset to handle as a gauge.
"""

from collections.abc import Iterable, Mapping

import structlog
from faust.types import TP, Message

from stats_service.worker.metrics import CONSUMER_LAG, PARTITIONS_ASSIGNED

log = structlog.get_logger(__name__)


class Progress:
    def __init__(self) -> None:
        self._next_offset: dict[TP, int] = {}

    def handled(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if message.offset + 1 > self._next_offset.get(message.tp, -1):
                self._next_offset[message.tp] = message.offset + 1

    def never_handled(self, partitions: Iterable[TP]) -> list[TP]:
        return [tp for tp in partitions if tp not in self._next_offset]

    def lag_by_topic(self, ends: Mapping[TP, int], positions: Mapping[TP, int | None]) -> dict[str, int]:
        """A partition nothing was handled from yet counts from the consumer's position (its committed
        offset while idle)."""
        lag: dict[str, int] = {}
        for tp, end in ends.items():
            start = self._next_offset.get(tp, positions.get(tp))
            behind = max(0, end - start) if start is not None else 0
            lag[tp.topic] = lag.get(tp.topic, 0) + behind
        return lag


progress = Progress()


async def publish_lag(consumer) -> None:
    assigned = sorted(consumer.assignment())
    PARTITIONS_ASSIGNED.set(len(assigned))
    if not assigned:
        return
    ends = await consumer.highwaters(*assigned)
    positions = {tp: await consumer.position(tp) for tp in progress.never_handled(assigned)}
    for topic, behind in progress.lag_by_topic(ends, positions).items():
        CONSUMER_LAG.labels(topic).set(behind)
