"""The topic registry: every Kafka topic, its partitions and cleanup policy, in one place."""

from dataclasses import dataclass, field
from enum import StrEnum

KEEP_FOREVER_MS = -1
DAY_MS = 24 * 60 * 60 * 1000
DEAD_LETTER_RETENTION_MS = 30 * DAY_MS  # 30 days to look at, fix and replay a parked record
# Personal data on a topic is kept only as long as a consumer needs it to catch up or a read model to be
# replayed (PDPA s.37(3): erase what is no longer needed). A rebuild of the stats read model once older
# events are gone: restore the newest Elasticsearch snapshot (taken daily, kept beyond these figures)
# and replay the topics from the offsets it was taken at (`stats_service.rebuild` replays what is kept).
RATINGS_RETENTION_MS = 30 * DAY_MS
VISITS_RETENTION_MS = 7 * DAY_MS
COMPLAINTS_RETENTION_MS = 30 * DAY_MS
COMPLAINT_STATUS_RETENTION_MS = 30 * DAY_MS
# Kafka deletes whole segments, and a segment rolls after 7 days by default: rolled daily, a record
# outlives its retention by at most a day.
_DAILY_SEGMENTS = {"segment.ms": str(DAY_MS)}


@dataclass(frozen=True, slots=True)
class TopicReplication:
    """How many brokers keep each partition of every topic the system creates, and how many of them
    must have a write before it is acknowledged (producers ask acks=all). From KafkaSettings."""

    factor: int = 1
    min_insync_replicas: int = 1

    def __post_init__(self) -> None:
        if self.factor < 1 or self.min_insync_replicas < 1:
            raise ValueError(f"replication factor and min.insync.replicas must be at least 1, not {self}")
        if self.min_insync_replicas > self.factor:
            raise ValueError(
                f"min.insync.replicas {self.min_insync_replicas} exceeds the replication factor {self.factor}:"
                " Kafka would refuse every write made with acks=all"
            )

    def config(self) -> dict[str, str]:
        """The topic-level setting (the factor itself is given when a topic is created, not as config)."""
        return {"min.insync.replicas": str(self.min_insync_replicas)}


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    partitions: int
    cleanup_policy: str  # "delete" keeps history for rebuilds; "compact" keeps the latest per key
    description: str
    retention_ms: int = KEEP_FOREVER_MS
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self, replication: TopicReplication | None = None) -> dict[str, str]:
        """The topic's settings; with `replication`, its min.insync.replicas too (ensure_topics gives it)."""
        return {
            "cleanup.policy": self.cleanup_policy,
            "retention.ms": str(self.retention_ms),
            **self.extra_config,
            **(replication.config() if replication is not None else {}),
        }


class TopicName(StrEnum):
    CATALOGUE = "citizeninfo.catalogue.v1"
    PINS = "citizeninfo.pins.v1"
    READINESS = "citizeninfo.readiness.v1"
    RATINGS = "citizeninfo.ratings.v1"
    VISITS = "citizeninfo.visits.v1"
    COMPLAINTS = "citizeninfo.complaints.v1"
    COMPLAINT_STATUS = "citizeninfo.complaint-status.v1"
    DEAD_LETTERS = "citizeninfo.dead-letters.v1"
    ACCOUNT_STATE = "citizeninfo.account-state.v1"


# Retention is stated per topic, with its reason. Topics without personal data keep every event so the
# read model can be rebuilt from scratch; topics with personal data keep a bounded window (see above).
TOPICS: dict[TopicName, Topic] = {
    # Compacted, kept: each record is the full latest state of its key; public catalogue data only.
    TopicName.CATALOGUE: Topic(
        TopicName.CATALOGUE,
        6,
        "compact",
        "Ministries, departments, services and service points (upserts)",
        retention_ms=KEEP_FOREVER_MS,
    ),
    # Kept: a point's location and who (a staff account) pinned it: the auditable pin history, no citizen data.
    TopicName.PINS: Topic(
        TopicName.PINS, 6, "delete", "Every pin placed on a service point", retention_ms=KEEP_FOREVER_MS
    ),
    # Kept: an office's answers about itself, no personal data.
    TopicName.READINESS: Topic(
        TopicName.READINESS, 6, "delete", "No-Copy readiness survey answers", retention_ms=KEEP_FOREVER_MS
    ),
    # 30 days: comments (even redacted) are a citizen's words. The stats worker consumes them within seconds;
    # a month covers a worker outage and a projection fix replayed over the last reporting month.
    TopicName.RATINGS: Topic(
        TopicName.RATINGS,
        12,
        "delete",
        "Citizen ratings and comments",
        retention_ms=RATINGS_RETENTION_MS,
        extra_config=_DAILY_SEGMENTS,
    ),
    # 7 days: a keyed pseudonym of every card read. No read model replays it; a week covers a consumer's
    # outage over a long holiday (Songkran).
    TopicName.VISITS: Topic(
        TopicName.VISITS,
        6,
        "delete",
        "Card reads at the counter (a keyed pseudonym, never the citizen id)",
        retention_ms=VISITS_RETENTION_MS,
        extra_config=_DAILY_SEGMENTS,
    ),
    # 30 days: complaint text (redacted) and, sealed, consented contacts. The complaint system keeps its own
    # record; the topic is its delivery channel, and a month covers its longest outage. Erasing a contact
    # does not wait for this: its data key is deleted (crypto-shredding, feedback-service README).
    TopicName.COMPLAINTS: Topic(
        TopicName.COMPLAINTS,
        6,
        "delete",
        "Complaints for the national complaint system (contacts sealed; contact erasures)",
        retention_ms=COMPLAINTS_RETENTION_MS,
        extra_config=_DAILY_SEGMENTS,
    ),
    # 30 days: status notes written by the complaint system may name people; feedback-service keeps the
    # applied history in its complaints, so the topic is only needed to catch up.
    TopicName.COMPLAINT_STATUS: Topic(
        TopicName.COMPLAINT_STATUS,
        6,
        "delete",
        "Status updates sent back by the national complaint system",
        retention_ms=COMPLAINT_STATUS_RETENTION_MS,
        extra_config=_DAILY_SEGMENTS,
    ),
    # Records a consumer could not process (dead_letters.py); not event history, so not kept forever.
    TopicName.DEAD_LETTERS: Topic(
        TopicName.DEAD_LETTERS,
        3,
        "delete",
        "Records consumers could not process, parked with their origin and reason",
        retention_ms=DEAD_LETTER_RETENTION_MS,
    ),
    # Compacted, kept: every service reads it whole at start-up into memory (latest state per username);
    # staff accounts only, one record per account.
    TopicName.ACCOUNT_STATE: Topic(
        TopicName.ACCOUNT_STATE,
        1,
        "compact",
        "Accounts disabled, enabled or with tokens revoked (key = username)",
        retention_ms=KEEP_FOREVER_MS,
    ),
}


def topic(name: TopicName | str) -> Topic:
    return TOPICS[TopicName(name)]
