"""ensure_topics brings an existing topic to the registry's retention on the running Kafka."""

import uuid

import pytest
from citizeninfo_shared.kafka import create_admin, ensure_topics
from citizeninfo_shared.topics import DAY_MS, Topic
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

# native_only: creates, alters and deletes a topic, which no Kafka user reachable from the host may do in compose.
pytestmark = [pytest.mark.integration, pytest.mark.native_only]


def test_ensure_topics_alters_the_retention_of_an_existing_topic(infrastructure):
    name = f"citizeninfo.test-retention-{uuid.uuid4().hex[:8]}"
    admin = create_admin(infrastructure.kafka_bootstrap, client_id="retention-test")
    try:
        # As the development Kafka had its personal-data topics: kept forever.
        admin.create_topics([NewTopic(name, 1, replication_factor=1, topic_configs={"retention.ms": "-1"})])
        bounded = Topic(name, 1, "delete", "test", retention_ms=7 * DAY_MS, extra_config={"segment.ms": str(DAY_MS)})
        assert ensure_topics(infrastructure.kafka_bootstrap, [bounded]) == []
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])["topic"][name]
        assert described["retention.ms"]["value"] == str(7 * DAY_MS)
        assert described["segment.ms"]["value"] == str(DAY_MS)
    finally:
        admin.delete_topics([name])
        admin.close()
