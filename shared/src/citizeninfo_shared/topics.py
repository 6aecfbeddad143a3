"""The topic registry: every Kafka topic, its partitions and cleanup policy, in one place."""

from dataclasses import dataclass, field
from enum import StrEnum

KEEP_FOREVER_MS = -1
DEAD_LETTER_RETENTION_MS = 30 * 24 * 60 * 60 * 1000  # 30 days to look at, fix and replay a parked record


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    partitions: int
    cleanup_policy: str  # "delete" keeps history for rebuilds; "compact" keeps the latest per key
    description: str
    retention_ms: int = KEEP_FOREVER_MS
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        return {
            "cleanup.policy": self.cleanup_policy,
            "retention.ms": str(self.retention_ms),
            **self.extra_config,
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


# Event topics keep every event (retention forever) so the stats read model can be rebuilt from
# scratch; the catalogue is compacted because each record carries the full latest state of its key.
TOPICS: dict[TopicName, Topic] = {
    TopicName.CATALOGUE: Topic(
        TopicName.CATALOGUE, 6, "compact", "Ministries, departments, services and service points (upserts)"
    ),
    TopicName.PINS: Topic(TopicName.PINS, 6, "delete", "Every pin placed on a service point"),
    TopicName.READINESS: Topic(TopicName.READINESS, 6, "delete", "No-Copy readiness survey answers"),
    TopicName.RATINGS: Topic(TopicName.RATINGS, 12, "delete", "Citizen ratings and comments"),
    TopicName.VISITS: Topic(TopicName.VISITS, 6, "delete", "Card reads at the counter (no personal data)"),
    TopicName.COMPLAINTS: Topic(TopicName.COMPLAINTS, 6, "delete", "Complaints for the national complaint system"),
    TopicName.COMPLAINT_STATUS: Topic(
        TopicName.COMPLAINT_STATUS, 6, "delete", "Status updates sent back by the national complaint system"
    ),
    # Records a consumer could not process (dead_letters.py); not event history, so not kept forever.
    TopicName.DEAD_LETTERS: Topic(
        TopicName.DEAD_LETTERS,
        3,
        "delete",
        "Records consumers could not process, parked with their origin and reason",
        retention_ms=DEAD_LETTER_RETENTION_MS,
    ),
    # Compacted: every service reads it whole at start-up into memory (latest state per username).
    TopicName.ACCOUNT_STATE: Topic(
        TopicName.ACCOUNT_STATE, 1, "compact", "Accounts disabled, enabled or with tokens revoked (key = username)"
    ),
}


def topic(name: TopicName | str) -> Topic:
    return TOPICS[TopicName(name)]
