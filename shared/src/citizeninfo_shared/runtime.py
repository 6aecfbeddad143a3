"""The resources a service holds for its lifetime: database, token codec, outbox relay, probes."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import structlog
from fastapi import FastAPI
from tenacity import AsyncRetrying, retry_if_exception_type, wait_fixed

from citizeninfo_shared.auth import TokenCodec
from citizeninfo_shared.catalogue_projection import CatalogueProjection, catalogue_follower
from citizeninfo_shared.health import ReadinessCheck
from citizeninfo_shared.mongo import create_mongo_client
from citizeninfo_shared.outbox import KafkaEventPublisher, OutboxRelay
from citizeninfo_shared.probes import KafkaProbe, elasticsearch_probe, mongo_probe
from citizeninfo_shared.settings import ServiceSettings

log = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def service_runtime(
    app: FastAPI,
    settings: ServiceSettings,
    *,
    outbox_collections: Sequence[str] = (),
    use_elasticsearch: bool = False,
    needed_to_answer: frozenset[str] | None = None,
    follow_catalogue: bool = False,
) -> AsyncIterator[None]:
    """Connects lazily (no I/O at import); a dependency that is down makes /readyz say so.

    `needed_to_answer` names the dependencies whose loss makes the service unready; the others are
    reported only. By default: MongoDB, Elasticsearch when used, and Kafka unless writes go to an
    outbox (then a Kafka outage delays events but does not stop the service). `follow_catalogue`
    keeps a local projection of the catalogue topic (`app.state.catalogue`).
    """
    mongo = create_mongo_client(
        settings.mongodb_url, app_name=settings.service_name, max_pool_size=settings.mongodb_max_pool_size
    )
    app.state.mongo = mongo
    app.state.db = mongo[settings.mongodb_database]
    app.state.token_codec = TokenCodec(
        settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    kafka_probe = KafkaProbe(settings.kafka_bootstrap_servers, f"{settings.service_name}-probe")
    # Its own one-connection client: a busy pool (a big import) must not make the service look down.
    probe_client = create_mongo_client(settings.mongodb_url, app_name=f"{settings.service_name}-probe", max_pool_size=1)
    probes = {"mongodb": mongo_probe(probe_client), "kafka": kafka_probe}
    elasticsearch = None
    if use_elasticsearch:
        from elasticsearch import AsyncElasticsearch  # only here: it costs about a second at every start

        elasticsearch = AsyncElasticsearch(settings.elasticsearch_hosts, request_timeout=5)
        app.state.elasticsearch = elasticsearch
        probes["elasticsearch"] = elasticsearch_probe(elasticsearch)
    if needed_to_answer is None:
        needed_to_answer = frozenset(probes) - ({"kafka"} if outbox_collections else set())
    app.state.readiness_checks = [
        ReadinessCheck(name, probe, critical=name in needed_to_answer) for name, probe in probes.items()
    ]

    background: list[asyncio.Task] = []
    if follow_catalogue:
        app.state.catalogue = CatalogueProjection(app.state.db)
        app.state.catalogue_follower = catalogue_follower(
            app.state.catalogue, settings.kafka_bootstrap_servers, service_name=settings.service_name
        )

        async def follow_catalogue_topic() -> None:
            await app.state.catalogue.ensure_indexes()
            await app.state.catalogue_follower.run()

        background.append(asyncio.create_task(supervised(follow_catalogue_topic), name="catalogue"))
    publisher = None
    if outbox_collections:
        publisher = KafkaEventPublisher(settings.kafka_bootstrap_servers, client_id=settings.service_name)
        relay = OutboxRelay(
            app.state.db,
            outbox_collections,
            publisher,
            service=settings.service_name,
            sweep_interval_seconds=settings.relay_sweep_interval_seconds,
            max_backoff_seconds=settings.relay_max_backoff_seconds,
            abandoned_batch_seconds=settings.relay_abandoned_batch_seconds,
        )
        app.state.outbox_relay = relay
        background.append(asyncio.create_task(supervised(relay.run), name="outbox-relay"))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if publisher is not None:
            await publisher.close()
        kafka_probe.close()
        if elasticsearch is not None:
            await elasticsearch.close()
        await probe_client.close()
        await mongo.close()


async def supervised(run) -> None:
    """Keeps a background loop alive: an unexpected error is logged and the loop starts again."""
    async for attempt in AsyncRetrying(
        wait=wait_fixed(1),
        retry=retry_if_exception_type(Exception),
        before_sleep=lambda state: log.error("background_task_crashed", error=repr(state.outcome.exception())),
    ):
        with attempt:
            await run()
