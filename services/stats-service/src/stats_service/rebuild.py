"""Rebuild the stats read model from the event topics, from scratch.

    python -m stats_service.rebuild                       # into "<prefix>-rebuild-*" indices, live ones untouched
    python -m stats_service.rebuild --index-prefix X      # into "X-*"
    python -m stats_service.rebuild --replace             # the live indices: stop the worker first

Reads every partition of every topic the worker reads, from its first kept event up to the end it
had when the rebuild started, through the same projections and writer as the worker. With
`--replace` it then sets the worker's consumer group to those ends, so the restarted worker goes
on from exactly where the rebuild stopped (events after them are not lost, only not yet read).
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence

import typer
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from citizeninfo_shared.kafka import kafka_client_options
from citizeninfo_shared.topics import TopicName
from citizeninfo_shared.topics import topic as topic_settings
from elasticsearch import AsyncElasticsearch

from stats_service.adapters.elasticsearch_writer import ElasticsearchStatsWriter
from stats_service.adapters.indices import StatsIndices, ensure_indices
from stats_service.config import StatsSettings
from stats_service.domain.projections import PROJECTIONS
from stats_service.worker.projector import project_batch

# The catalogue first: ratings and complaints without a department take it from their point.
TOPIC_ORDER: Sequence[TopicName] = (
    TopicName.CATALOGUE,
    TopicName.PINS,
    TopicName.READINESS,
    TopicName.RATINGS,
    TopicName.COMPLAINTS,
)
assert set(TOPIC_ORDER) == set(PROJECTIONS)

BATCH = 2_000


async def _replay_topic(
    consumer: AIOKafkaConsumer, topic: str, name: TopicName, writer: ElasticsearchStatsWriter, settings: StatsSettings
) -> tuple[dict[TopicPartition, int], Counter]:
    # The registry created the topic; its partition count is the topic's.
    partitions = [TopicPartition(topic, p) for p in range(topic_settings(name).partitions)]
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    # Explicit seeks: a lazy seek_to_beginning can lose to the position lookup below.
    for tp, first in (await consumer.beginning_offsets(partitions)).items():
        consumer.seek(tp, first)
    outcomes: Counter = Counter()
    remaining = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
    while remaining:
        fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=BATCH)
        for tp, messages in fetched.items():
            wanted = [m for m in messages if m.offset < ends[tp]]
            results = await project_batch(
                name,
                [m.value for m in wanted],
                writer,
                max_backoff_seconds=settings.worker_retry_max_backoff_seconds,
            )
            outcomes.update(o.value for o in results)
        remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
    return ends, outcomes


async def _commit_group_offsets(settings: StatsSettings, ends: dict[TopicPartition, int]) -> None:
    """The worker's group goes on from the ends the rebuild read (the group must have no members)."""
    committer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        **kafka_client_options(settings),
        group_id=settings.faust_app_id,
        enable_auto_commit=False,
    )
    await committer.start()
    try:
        committer.assign(list(ends))
        await committer.commit({tp: offset for tp, offset in ends.items()})
    finally:
        await committer.stop()


async def rebuild(settings: StatsSettings, index_prefix: str, *, replace: bool) -> dict:
    started = time.monotonic()
    indices = StatsIndices(index_prefix)
    client = AsyncElasticsearch(settings.elasticsearch_hosts, request_timeout=60)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        **kafka_client_options(settings),
        enable_auto_commit=False,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        await client.options(ignore_status=404).indices.delete(index=",".join(indices.all()))
        await ensure_indices(
            client,
            indices,
            replicas=settings.elasticsearch_number_of_replicas,
            refresh_interval=settings.elasticsearch_refresh_interval,
        )
        writer = ElasticsearchStatsWriter(client, indices)
        all_ends: dict[TopicPartition, int] = {}
        summary: dict[str, dict[str, int]] = {}
        for name in TOPIC_ORDER:
            topic = f"{name.value}{settings.worker_topic_suffix}"
            ends, outcomes = await _replay_topic(consumer, topic, name, writer, settings)
            all_ends.update(ends)
            summary[topic] = dict(outcomes)
        await client.indices.refresh(index=",".join(indices.all()))
        if replace:
            await _commit_group_offsets(settings, all_ends)
    finally:
        await consumer.stop()
        await client.close()
    return {
        "index_prefix": index_prefix,
        "replaced_live_read_model": replace,
        "events": summary,
        "seconds": round(time.monotonic() - started, 3),
    }


async def _group_is_empty(settings: StatsSettings) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, **kafka_client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([settings.faust_app_id])
    finally:
        await admin.close()
    for response in described:
        for group in getattr(response, "groups", []):
            members = group[-2] if isinstance(group, tuple) else getattr(group, "members", [])
            if members:
                return False
    return True


def main(
    index_prefix: str = typer.Option(None, help="Target indices' prefix (default: <live prefix>-rebuild)"),
    replace: bool = typer.Option(False, help="Rebuild the live indices in place; the worker must be stopped"),
) -> None:
    settings = StatsSettings()
    if replace:
        if index_prefix not in (None, settings.elasticsearch_index_prefix):
            raise typer.BadParameter("--replace rebuilds the live prefix; leave --index-prefix out")
        if not asyncio.run(_group_is_empty(settings)):
            typer.echo("The stats worker is running (its consumer group has members): stop it first.", err=True)
            raise typer.Exit(2)
        index_prefix = settings.elasticsearch_index_prefix
    elif index_prefix is None:
        index_prefix = f"{settings.elasticsearch_index_prefix}-rebuild"
    elif index_prefix == settings.elasticsearch_index_prefix:
        raise typer.BadParameter("that is the live prefix: use --replace (with the worker stopped)")
    typer.echo(json.dumps(asyncio.run(rebuild(settings, index_prefix, replace=replace)), ensure_ascii=False))


if __name__ == "__main__":
    typer.run(main)
