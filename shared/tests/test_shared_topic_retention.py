"""Retention is stated per topic; ensure_topics also brings existing topics to the registry's settings."""

import citizeninfo_shared.kafka as kafka_module
import pytest
from citizeninfo_shared.kafka import ensure_topics
from citizeninfo_shared.topics import TOPICS, TopicName, topic

DAY_MS = 24 * 3600 * 1000
PERSONAL_DATA = (TopicName.RATINGS, TopicName.VISITS, TopicName.COMPLAINTS, TopicName.COMPLAINT_STATUS)


@pytest.mark.parametrize("name", PERSONAL_DATA)
def test_topics_with_personal_data_keep_a_bounded_window(name: TopicName) -> None:
    config = topic(name).config()
    assert 0 < int(config["retention.ms"]) <= 30 * DAY_MS
    # Segments roll daily, so a record does not outlive its retention by a week-long segment.
    assert int(config["segment.ms"]) <= DAY_MS


class FakeAdmin:
    def __init__(self, configs: dict[str, dict[str, str]]) -> None:
        self.configs = configs
        self.created: list[str] = []
        self.altered: dict[str, dict[str, str]] = {}

    def list_topics(self) -> list[str]:
        return list(self.configs)

    def create_topics(self, new_topics) -> None:
        self.created += [t.name for t in new_topics]

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
            ratings.name: {"cleanup.policy": "delete", "retention.ms": "-1"},  # as the dev Kafka has it today
            catalogue.name: dict(catalogue.config()),  # already right: left alone
        }
    )
    monkeypatch.setattr(kafka_module, "create_admin", lambda *args, **kwargs: admin)
    created = ensure_topics("unused:9092", [ratings, catalogue, topic(TopicName.VISITS)])
    assert created == [str(TopicName.VISITS)]
    assert admin.altered == {ratings.name: {"retention.ms": str(30 * DAY_MS), "segment.ms": str(DAY_MS)}}
    assert admin.configs[ratings.name] == ratings.config()


def test_every_topic_states_its_retention() -> None:
    assert all("retention.ms" in t.config() for t in TOPICS.values())
