"""The topics Faust creates itself are replicated as the Kafka settings say, like every other topic."""

import faust
from citizeninfo_shared.settings import KafkaSettings
from stats_service.worker.app import app, internal_topic_options, settings
from stats_service.worker.topics import ratings_topic

THREE_BROKERS = KafkaSettings(kafka_topic_replication_factor=3, kafka_min_insync_replicas=2)


def test_faust_replicates_its_own_topics_by_the_setting() -> None:
    worker = faust.App("replication-test", broker="kafka://unused:9092", **internal_topic_options(THREE_BROKERS))
    assert worker.conf.topic_replication_factor == 3


def test_the_worker_takes_replication_from_its_settings() -> None:
    assert app.conf.topic_replication_factor == settings.kafka_topic_replication_factor
    assert ratings_topic.config == {"min.insync.replicas": str(settings.kafka_min_insync_replicas)}


def test_a_repartition_topic_inherits_min_insync_replicas() -> None:
    worker = faust.App("replication-test", broker="kafka://unused:9092", **internal_topic_options(THREE_BROKERS))
    source = worker.topic("events", internal=False, config=THREE_BROKERS.topic_replication.config())
    repartition = source.derive_topic(topics=["events-by-unit-repartition"], internal=True)
    assert repartition.config == {"min.insync.replicas": "2"}
    assert repartition.internal
