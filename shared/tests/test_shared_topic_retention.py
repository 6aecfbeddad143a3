"""Retention is stated per topic; ensure_topics also brings existing topics to the registry's settings, and
creates every topic with the replication the Kafka settings give."""

import citizeninfo_shared.kafka as kafka_module
import pytest
from citizeninfo_shared.kafka import ensure_topics
from citizeninfo_shared.settings import KafkaSettings
from citizeninfo_shared.topics import TOPICS, TopicName, TopicReplication, topic
from pydantic import ValidationError

DAY_MS = 24 * 3600 * 1000
PERSONAL_DATA = (TopicName.RATINGS, TopicName.VISITS, TopicName.COMPLAINTS, TopicName.COMPLAINT_STATUS)


@pytest.mark.parametrize("name", PERSONAL_DATA)
def test_topics_with_personal_data_keep_a_bounded_window(name: TopicName) -> None:
    config = topic(name).config()
    assert 0 < int(config["retention.ms"]) <= 30 * DAY_MS
    # Segments roll daily, so a record does not outlive its retention by a week-long segment.
    assert int(config["segment.ms"]) <= DAY_MS


ONE_BROKER = KafkaSettings(kafka_topic_replication_factor=1, kafka_min_insync_replicas=1)
THREE_BROKERS = KafkaSettings(kafka_topic_replication_factor=3, kafka_min_insync_replicas=2)


class FakeAdmin:
    def __init__(self, configs: dict[str, dict[str, str]], replicas: dict[str, int] | None = None) -> None:
        self.configs = configs
        self.replicas = replicas or {}  # per existing topic; 1 unless given
        self.created: list[str] = []
        self.new_topics: dict[str, object] = {}
        self.altered: dict[str, dict[str, str]] = {}

    def list_topics(self) -> list[str]:
        return list(self.configs)

    def create_topics(self, new_topics) -> None:
        self.created += [t.name for t in new_topics]
        self.new_topics.update({t.name: t for t in new_topics})

    def describe_topics(self, names) -> list[dict]:
        # The shape kafka-python gives: per topic its partitions, each with its replicas' broker ids.
        return [
            {
                "name": name,
                "partitions": [{"partition_index": 0, "replica_nodes": list(range(self.replicas.get(name, 1)))}],
            }
            for name in names
        ]

    def describe_configs(self, resources) -> dict:
        return {
            "topic": {
                r.name: {k: {"value": v} for k, v in self.configs[r.name].items() if k in r.configs} for r in resources
            }
        }

    def alter_configs(self, resources) -> None:
        for r in resources:
            self.altered[r.name] = dict(r.configs)
            self.configs[r.name].update(r.configs)

    def close(self) -> None:
        pass


def test_ensure_topics_alters_the_retention_of_a_topic_that_already_exists(monkeypatch) -> None:
    ratings = topic(TopicName.RATINGS)
    catalogue = topic(TopicName.CATALOGUE)
    admin = FakeAdmin(
        {
            # as the dev Kafka has it today
            ratings.name: {"cleanup.policy": "delete", "retention.ms": "-1", "min.insync.replicas": "1"},
            catalogue.name: dict(catalogue.config(ONE_BROKER.topic_replication)),  # already right: left alone
        }
    )
    monkeypatch.setattr(kafka_module, "create_admin", lambda *args, **kwargs: admin)
    created = ensure_topics("unused:9092", [ratings, catalogue, topic(TopicName.VISITS)], security=ONE_BROKER)
    assert created == [str(TopicName.VISITS)]
    assert admin.altered == {ratings.name: {"retention.ms": str(30 * DAY_MS), "segment.ms": str(DAY_MS)}}
    assert admin.configs[ratings.name] == ratings.config(ONE_BROKER.topic_replication)


def test_every_topic_states_its_retention() -> None:
    assert all("retention.ms" in t.config() for t in TOPICS.values())


def test_ensure_topics_creates_topics_with_the_replication_the_settings_give(monkeypatch) -> None:
    admin = FakeAdmin({})
    monkeypatch.setattr(kafka_module, "create_admin", lambda *args, **kwargs: admin)
    created = ensure_topics("unused:9092", security=THREE_BROKERS)
    assert set(created) == {t.name for t in TOPICS.values()}
    for name, new_topic in admin.new_topics.items():
        assert new_topic.replication_factor == 3, name
        assert new_topic.num_partitions == topic(name).partitions
        assert new_topic.topic_configs["min.insync.replicas"] == "2", name
        assert new_topic.topic_configs["retention.ms"] == str(topic(name).retention_ms)


def test_ensure_topics_brings_min_insync_replicas_of_existing_topics_to_the_setting(monkeypatch) -> None:
    ratings = topic(TopicName.RATINGS)
    admin = FakeAdmin({ratings.name: {**ratings.config(), "min.insync.replicas": "1"}}, replicas={ratings.name: 3})
    monkeypatch.setattr(kafka_module, "create_admin", lambda *args, **kwargs: admin)
    assert ensure_topics("unused:9092", [ratings], security=THREE_BROKERS) == []
    assert admin.altered == {ratings.name: {"min.insync.replicas": "2"}}


def test_ensure_topics_refuses_an_existing_topic_with_fewer_replicas(monkeypatch) -> None:
    # Setting min.insync.replicas 2 on a one-replica topic would refuse every acks=all write to it.
    ratings = topic(TopicName.RATINGS)
    admin = FakeAdmin({ratings.name: dict(ratings.config())}, replicas={ratings.name: 1})
    monkeypatch.setattr(kafka_module, "create_admin", lambda *args, **kwargs: admin)
    with pytest.raises(RuntimeError, match=r"fewer replicas.*citizeninfo\.ratings\.v1.*reassign"):
        ensure_topics("unused:9092", [ratings], security=THREE_BROKERS)
    assert admin.altered == {}


def test_replication_defaults_to_one_broker_and_reads_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR", raising=False)
    monkeypatch.delenv("CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS", raising=False)
    assert KafkaSettings().topic_replication == TopicReplication(factor=1, min_insync_replicas=1)
    monkeypatch.setenv("CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS", "2")
    assert KafkaSettings().topic_replication == TopicReplication(factor=3, min_insync_replicas=2)


def test_min_insync_replicas_above_the_replication_factor_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR", "1")
    monkeypatch.setenv("CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS", "2")
    with pytest.raises(ValidationError, match="CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS=2 must not exceed"):
        KafkaSettings()
    with pytest.raises(ValueError, match="would refuse every write"):
        TopicReplication(factor=2, min_insync_replicas=3)
    with pytest.raises(ValueError, match="at least 1"):
        TopicReplication(factor=0, min_insync_replicas=0)
