"""Kafka clients with safe defaults (kafka-python; aiokafka for the services' own producer), and topic
creation from the registry.

Every client connects as `kafka_client_options` says, from the shared settings (KafkaSettings, read from
the environment unless given): PLAINTEXT for the native stack, SASL/SCRAM as this process's own Kafka
user in compose and Kubernetes (the brokers' ACLs decide what it may read and write).
"""

import ssl
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import TopicAlreadyExistsError

from citizeninfo_shared.settings import KafkaSettings
from citizeninfo_shared.topics import TOPICS, Topic, TopicReplication


def kafka_client_options(settings: KafkaSettings | None = None) -> dict[str, object]:
    """How to connect and authenticate: keyword arguments that kafka-python's and aiokafka's producers,
    consumers and admin clients all accept under the same names (the one place that builds them)."""
    settings = settings if settings is not None else KafkaSettings()
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {"security_protocol": "PLAINTEXT"}
    assert settings.kafka_password is not None  # KafkaSettings refuses SASL without credentials
    options: dict[str, object] = {
        "security_protocol": settings.kafka_security_protocol,
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_username,
        "sasl_plain_password": settings.kafka_password.get_secret_value(),
    }
    if settings.kafka_security_protocol == "SASL_SSL":
        # Verifies the brokers' certificates and host names (against the given CA, or the system's).
        cafile = str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        options["ssl_context"] = ssl.create_default_context(cafile=cafile)
    return options


# Every producer: acks from every in-sync replica, no duplicates on retry, ordered per key.
_PRODUCER_GUARANTEES: dict[str, object] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "compression_type": "gzip",
}


def create_producer(
    bootstrap_servers: str, *, client_id: str, security: KafkaSettings | None = None, **overrides: object
) -> KafkaProducer:
    """An idempotent producer: acks from every in-sync replica, no duplicates on retry, ordered per key."""
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
        **kafka_client_options(security),
        "client_id": client_id,
        **_PRODUCER_GUARANTEES,
        "max_in_flight_requests_per_connection": 5,
        # Fail fast while Kafka is down: the outbox keeps the event and the relay retries.
        "max_block_ms": 5_000,
        "request_timeout_ms": 10_000,
        "delivery_timeout_ms": 30_000,
        "reconnect_backoff_max_ms": 5_000,
    }
    settings.update(overrides)
    return KafkaProducer(**settings)


def create_async_producer(
    bootstrap_servers: str, *, client_id: str, security: KafkaSettings | None = None, **overrides: object
) -> AIOKafkaProducer:
    """The same guarantees as create_producer, for code on an event loop (call `start()` before use)."""
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
        **kafka_client_options(security),
        "client_id": client_id,
        **_PRODUCER_GUARANTEES,
        # Fail fast while Kafka is down: the outbox keeps the event and the relay retries.
        "request_timeout_ms": 10_000,
        "retry_backoff_ms": 200,
    }
    settings.update(overrides)
    return AIOKafkaProducer(**settings)


def _consumer_settings(
    bootstrap_servers: str, group_id: str | None, client_id: str, security: KafkaSettings | None
) -> dict[str, object]:
    return {
        "bootstrap_servers": bootstrap_servers,
        **kafka_client_options(security),
        "group_id": group_id,
        "client_id": client_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
    }


def create_consumer(
    bootstrap_servers: str,
    *topics: str,
    group_id: str | None,
    client_id: str,
    security: KafkaSettings | None = None,
    **overrides: object,
) -> KafkaConsumer:
    """A consumer that commits only what the caller has processed (at-least-once)."""
    settings = _consumer_settings(bootstrap_servers, group_id, client_id, security)
    settings.update(overrides)
    return KafkaConsumer(*topics, **settings)


def create_async_consumer(
    bootstrap_servers: str,
    *topics: str,
    group_id: str | None,
    client_id: str,
    security: KafkaSettings | None = None,
    **overrides: object,
) -> AIOKafkaConsumer:
    """create_consumer for code on an event loop (call `start()` before use)."""
    settings = _consumer_settings(bootstrap_servers, group_id, client_id, security)
    settings.update(overrides)
    return AIOKafkaConsumer(*topics, **settings)


def create_admin(
    bootstrap_servers: str, *, client_id: str, security: KafkaSettings | None = None, **overrides: object
) -> KafkaAdminClient:
    """An admin client (kafka-python), authenticated like every other client."""
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
        **kafka_client_options(security),
        "client_id": client_id,
    }
    settings.update(overrides)
    return KafkaAdminClient(**settings)


def ensure_topics(
    bootstrap_servers: str, topics: Iterable[Topic] = TOPICS.values(), *, security: KafkaSettings | None = None
) -> list[str]:
    """Create every missing topic with its registry settings and the replication the Kafka settings give
    (CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR, CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS), and bring the
    settings of every existing topic to the same (a retention shortened in the registry applies to the
    running cluster too); returns the names it created.

    Refuses an existing topic with fewer replicas than the setting: its factor cannot be raised by a
    config change (kafka-reassign-partitions does it), and its min.insync.replicas could refuse writes."""
    settings = security if security is not None else KafkaSettings()
    replication = settings.topic_replication
    admin = create_admin(bootstrap_servers, client_id="citizeninfo-topics", security=settings)
    try:
        wanted = list(topics)
        existing = set(admin.list_topics())
        created = []
        for t in wanted:
            if t.name in existing:
                continue
            try:
                admin.create_topics(
                    [NewTopic(t.name, t.partitions, replication.factor, topic_configs=t.config(replication))]
                )
                created.append(t.name)
            except TopicAlreadyExistsError:
                existing.add(t.name)
        present = [t for t in wanted if t.name in existing]
        if present:
            _refuse_under_replicated(admin, [t.name for t in present], replication)
            described = admin.describe_configs(
                [
                    ConfigResource(ConfigResourceType.TOPIC, t.name, configs=dict.fromkeys(t.config(replication)))
                    for t in present
                ]
            ).get("topic", {})
            # Only what differs, set (incrementally): a topic already as the registry says is not touched.
            changes = {
                t.name: differing
                for t in present
                if (
                    differing := {
                        key: value
                        for key, value in t.config(replication).items()
                        if (described.get(t.name, {}).get(key) or {}).get("value") != value
                    }
                )
            }
            if changes:
                admin.alter_configs(
                    [ConfigResource(ConfigResourceType.TOPIC, name, configs=c) for name, c in changes.items()]
                )
        return created
    finally:
        admin.close()


def _refuse_under_replicated(admin: KafkaAdminClient, names: list[str], replication: TopicReplication) -> None:
    fewer = {
        description["name"]: replicas
        for description in admin.describe_topics(names)
        if (replicas := min((len(p["replica_nodes"]) for p in description["partitions"]), default=0))
        < replication.factor
    }
    if fewer:
        raise RuntimeError(
            f"topics with fewer replicas than CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR={replication.factor}:"
            f" {fewer}; reassign their partitions (kafka-reassign-partitions.sh) before running this again"
        )
