"""ensure_topics brings an existing topic to the registry's retention, on a broker of the test's own.

Why a container of its own: the test creates a topic and alters its configuration. On the shared broker
(`make up`'s, which the services use) that leaves a stray topic behind should the test die before its
clean-up, and a broker-wide mistake in ensure_topics would hit the running system; the throw-away
broker (the Kafka image, the registry's topics already made) is gone when the session ends.
"""

import uuid

import pytest
from citizeninfo_shared.kafka import create_admin, ensure_topics
from citizeninfo_shared.topics import DAY_MS, Topic
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from tests.integration import throwaway
from tests.integration.support import wait_until
from tests.integration.throwaway import ThrowawayKafka

pytestmark = pytest.mark.integration
# The throw-away fixture, found by pytest under this name.
throwaway_kafka = throwaway.throwaway_kafka


def describe(admin, name: str) -> dict:
    return admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])["topic"][name]


def test_ensure_topics_alters_the_retention_of_an_existing_topic(throwaway_kafka: ThrowawayKafka):
    name = f"citizeninfo.test-retention-{uuid.uuid4().hex[:8]}"
    admin = create_admin(throwaway_kafka.bootstrap, client_id="retention-test")
    try:
        # As the development Kafka had its personal-data topics: kept forever.
        admin.create_topics([NewTopic(name, 1, replication_factor=1, topic_configs={"retention.ms": "-1"})])
        # An existing topic: until the broker has applied the new one, describing it answers no configs
        # at all (seen on a fresh broker), and alter_configs then refuses them as unknown.
        wait_until(lambda: describe(admin, name).get("retention.ms", {}).get("value") == "-1", timeout=15)
        bounded = Topic(name, 1, "delete", "test", retention_ms=7 * DAY_MS, extra_config={"segment.ms": str(DAY_MS)})
        assert ensure_topics(throwaway_kafka.bootstrap, [bounded]) == []
        described = describe(admin, name)
        assert described["retention.ms"]["value"] == str(7 * DAY_MS)
        assert described["segment.ms"]["value"] == str(DAY_MS)
    finally:
        admin.delete_topics([name])
        admin.close()
