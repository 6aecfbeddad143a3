"""The worker's Prometheus metrics (served by the Faust web server at /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PROCESSED = Counter(
    "citizeninfo_stats_events_processed_total",
    "Events consumed and reflected in the read model (or ignored as not counted there)",
    ["topic"],
)
EVENTS_MALFORMED = Counter(
    "citizeninfo_stats_events_malformed_total",
    "Events skipped because they could not be read or Elasticsearch refused them",
    ["topic", "reason"],
)
WRITE_RETRIES = Counter(
    "citizeninfo_stats_write_retries_total",
    "Elasticsearch writes retried because it was unreachable or overloaded",
    ["topic"],
)
# The contract's promise is "visible in stats within 5 s"; the buckets are dense around it.
EVENT_FRESHNESS = Histogram(
    "citizeninfo_stats_event_freshness_seconds",
    "Time from an event's time to its write into the read model",
    ["topic"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
)
CONSUMER_LAG = Gauge(
    "citizeninfo_stats_consumer_lag_messages",
    "Messages on the topic not yet reflected in the read model (sum over assigned partitions)",
    ["topic"],
)
PARTITIONS_ASSIGNED = Gauge("citizeninfo_stats_partitions_assigned", "Topic partitions this worker consumes")
LAST_BATCH_WRITTEN = Gauge(
    "citizeninfo_stats_last_write_timestamp_seconds", "Unix time of the latest batch written to the read model"
)
