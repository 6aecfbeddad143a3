"""The event topics the worker reads, by their registry names.

They already exist, created from `citizeninfo_shared.topics` with the registry's partitions and
retention: `internal=False` keeps Faust from declaring them with settings of its own. Their config
(min.insync.replicas from the Kafka settings) is what Faust gives the topics it derives from them
(group_by repartitions). Values stay raw bytes; the projector parses them as CloudEvents so that a bad
message is counted, not fatal.
"""

from citizeninfo_shared.topics import TopicName

from stats_service.worker.app import app, settings


def topic_name(name: TopicName) -> str:
    return f"{name.value}{settings.worker_topic_suffix}"


def _event_topic(name: TopicName):
    return app.topic(
        topic_name(name),
        key_serializer="raw",
        value_serializer="raw",
        internal=False,
        config=settings.topic_replication.config(),
    )


catalogue_topic = _event_topic(TopicName.CATALOGUE)
pins_topic = _event_topic(TopicName.PINS)
readiness_topic = _event_topic(TopicName.READINESS)
ratings_topic = _event_topic(TopicName.RATINGS)
complaints_topic = _event_topic(TopicName.COMPLAINTS)
