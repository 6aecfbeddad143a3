"""The event topics the worker reads, by their registry names.

They already exist, created from `citizeninfo_shared.topics` with the registry's partitions and
retention: `internal=False` keeps Faust from declaring them with settings of its own. Values stay
raw bytes; the projector parses them as CloudEvents so that a bad message is counted, not fatal.
"""

from citizeninfo_shared.topics import TopicName

from stats_service.worker.app import app


def _event_topic(name: TopicName):
    return app.topic(name.value, key_serializer="raw", value_serializer="raw", internal=False)


catalogue_topic = _event_topic(TopicName.CATALOGUE)
pins_topic = _event_topic(TopicName.PINS)
readiness_topic = _event_topic(TopicName.READINESS)
ratings_topic = _event_topic(TopicName.RATINGS)
