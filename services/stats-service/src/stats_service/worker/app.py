"""The Faust app: `faust -A stats_service.worker.app:app worker -l info --web-port 6066 --web-host 127.0.0.1`.

Consumer group = the app id. At-least-once (Faust's default): an offset is committed only after its
event was handled, and a replay is harmless because every write uses a deterministic document id.
"""

import logging
import sys

import faust
import structlog
from citizeninfo_shared.kafka import kafka_client_options
from citizeninfo_shared.logging import configure_logging
from citizeninfo_shared.settings import KafkaSettings

from stats_service.config import StatsSettings
from stats_service.worker.sink import ElasticsearchSink

settings = StatsSettings()


def kafka_broker_urls(bootstrap_servers: str) -> list[str]:
    return [f"kafka://{server.strip()}" for server in bootstrap_servers.split(",") if server.strip()]


def broker_credentials(kafka: KafkaSettings) -> faust.SASLCredentials | None:
    """The worker's Kafka user, from the same options every other client of the system gets."""
    options = kafka_client_options(kafka)
    if options["security_protocol"] == "PLAINTEXT":
        return None
    # With an SSL context Faust speaks SASL_SSL, without one SASL_PLAINTEXT, as the options say.
    return faust.SASLCredentials(
        username=str(options["sasl_plain_username"]),
        password=str(options["sasl_plain_password"]),
        mechanism=str(options["sasl_mechanism"]),
        ssl_context=options.get("ssl_context"),  # type: ignore[arg-type]
    )


def internal_topic_options(kafka: KafkaSettings) -> dict[str, object]:
    """Faust's app options for the topics it creates itself (table changelogs, group_by repartitions):
    the replication factor of every other topic (KafkaSettings). Their min.insync.replicas comes with
    the config the event topics pass on to what Faust derives from them (worker/topics.py); a Table
    added later needs `extra_topic_configs=settings.topic_replication.config()`, or its changelog gets
    the brokers' default (2 in deploy/k8s), above a factor of 1."""
    return {"topic_replication_factor": kafka.topic_replication.factor}


app = faust.App(
    settings.faust_app_id,
    broker=kafka_broker_urls(settings.kafka_bootstrap_servers),
    broker_credentials=broker_credentials(settings),
    store=settings.faust_store,
    # Registers the agents (agents.py) and the /metrics page (views.py).
    origin="stats_service.worker.app",
    autodiscover=["stats_service.worker"],
    processing_guarantee="at_least_once",
    # A new consumer group builds the read model from the first event kept on each topic.
    consumer_auto_offset_reset="earliest",
    **internal_topic_options(settings),
    # No agent runs "on the leader only", so Faust needs no leader-election topic.
    topic_disable_leader=True,
    cython_optimizations=settings.faust_cython_optimizations,
    stream_buffer_maxsize=settings.faust_stream_buffer_maxsize,
    web_bind=settings.faust_web_host,
    web_host=settings.faust_web_host,
    web_port=settings.faust_web_port,
    **({"datadir": settings.faust_data_dir} if settings.faust_data_dir else {}),
)

sink = ElasticsearchSink(settings)


@app.on_worker_init.connect
def _configure_logging(sender: faust.App, **_: object) -> None:
    configure_logging(f"{settings.service_name}-worker", settings.log_level)
    # The faust CLI redirects sys.stdout into WARNING log records; JSON lines go to the real stdout.
    structlog.configure(logger_factory=structlog.WriteLoggerFactory(sys.__stdout__))
    # One INFO line per Elasticsearch request would drown everything else at 1,000 events/s.
    logging.getLogger("elastic_transport.transport").setLevel(logging.WARNING)


@app.task
async def quiet_monitor_unless_wanted() -> None:
    """Faust's Monitor sees every event and every message; without it, the worker's own metrics remain."""
    if not settings.faust_monitor_events and app.monitor in set(app.sensors):
        app.sensors.remove(app.monitor)


@app.task
async def create_indices_on_start() -> None:
    """The indices exist from the start, so the API reads real mappings before the first event."""
    await sink.writer()


@app.timer(interval=5.0)
async def publish_consumer_lag() -> None:
    from stats_service.worker.lag import publish_lag

    try:
        await publish_lag(app.consumer)
    except Exception as exc:  # a metric must never stop the worker
        structlog.get_logger(__name__).warning("stats_lag_unavailable", error=repr(exc))


@app.on_before_shutdown.connect
async def _close_elasticsearch(sender: faust.App, **_: object) -> None:
    await sink.close()
