"""Kafka clients with safe defaults (kafka-python; aiokafka for the services' own producer), and topic
creation from the registry."""

from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from citizeninfo_shared.topics import TOPICS, Topic

# Every producer: acks from every in-sync replica, no duplicates on retry, ordered per key.
_PRODUCER_GUARANTEES: dict[str, object] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "compression_type": "gzip",
}


def create_producer(bootstrap_servers: str, *, client_id: str, **overrides: object) -> KafkaProducer:
    """An idempotent producer: acks from every in-sync replica, no duplicates on retry, ordered per key."""
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
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


def create_async_producer(bootstrap_servers: str, *, client_id: str, **overrides: object) -> AIOKafkaProducer:
    """The same guarantees as create_producer, for code on an event loop (call `start()` before use)."""
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
        "client_id": client_id,
        **_PRODUCER_GUARANTEES,
        # Fail fast while Kafka is down: the outbox keeps the event and the relay retries.
        "request_timeout_ms": 10_000,
        "retry_backoff_ms": 200,
    }
    settings.update(overrides)
    return AIOKafkaProducer(**settings)


def create_consumer(
    bootstrap_servers: str, *topics: str, group_id: str | None, client_id: str, **overrides: object
) -> KafkaConsumer:
    """A consumer that commits only what the caller has processed (at-least-once)."""
    settings: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers,
        "group_id": group_id,
        "client_id": client_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
    }
    settings.update(overrides)
    return KafkaConsumer(*topics, **settings)


def ensure_topics(bootstrap_servers: str, topics: Iterable[Topic] = TOPICS.values()) -> list[str]:
    """Create every missing topic with its registry settings; returns the names it created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="citizeninfo-topics")
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        created = []
        for t in missing:
            try:
                admin.create_topics([NewTopic(t.name, t.partitions, replication_factor=1, topic_configs=t.config())])
                created.append(t.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()
