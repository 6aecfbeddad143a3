"""The topics job: `python -m citizeninfo_devstack.topics` (compose, Kubernetes).

Creates every Kafka topic from the registry. With CITIZENINFO_KAFKA_PROVISION_USERS=true (compose,
where it runs as the broker's loopback super user) it also gives every principal of ACCESS its SCRAM
credential (password from CITIZENINFO_KAFKA_SCRAM_<PRINCIPAL>_PASSWORD, e.g. ..._PIN_SERVICE_PASSWORD)
and exactly the ACLs ACCESS grants it. In Kubernetes the Strimzi User Operator does that from the
KafkaUser resources (deploy/k8s/base/kafka-users.yaml), which deploy/tests check against ACCESS.

ACCESS is what each service's README says it publishes and consumes (deploy/tests checks both).
Reading a topic means Read and Describe on it, writing Write and Describe; consumer groups are granted
by prefix, so each service may use only groups named after it.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from citizeninfo_shared.kafka import create_admin, ensure_topics
from citizeninfo_shared.settings import KafkaSettings
from citizeninfo_shared.topics import TopicName
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

T = TopicName


@dataclass(frozen=True)
class Access:
    """What one Kafka principal may do."""

    reads: frozenset[TopicName] = frozenset()
    writes: frozenset[TopicName] = frozenset()
    # Consumer groups it may join and commit to, by name prefix.
    group_prefixes: tuple[str, ...] = ()
    # Topics it creates and uses itself, by name prefix (Faust's changelog and repartition topics).
    own_topic_prefixes: tuple[str, ...] = ()
    # Create (and see) the registry's topics: the topics job.
    creates_topics: bool = False


# Every service parks what it cannot process on the dead-letter topic (the shared follower), and reads
# account-state whole at start-up without a group (shared account_state_follower).
ACCESS: dict[str, Access] = {
    "pin-service": Access(
        reads=frozenset({T.CATALOGUE, T.PINS, T.ACCOUNT_STATE}),
        writes=frozenset({T.CATALOGUE, T.PINS, T.ACCOUNT_STATE, T.DEAD_LETTERS}),
        group_prefixes=("pin-service.",),
    ),
    "nocopy-service": Access(
        reads=frozenset({T.CATALOGUE, T.ACCOUNT_STATE}),
        writes=frozenset({T.READINESS, T.DEAD_LETTERS}),
        group_prefixes=("nocopy-service.",),
    ),
    "feedback-service": Access(
        reads=frozenset({T.CATALOGUE, T.COMPLAINT_STATUS, T.ACCOUNT_STATE}),
        writes=frozenset({T.RATINGS, T.COMPLAINTS, T.DEAD_LETTERS}),
        group_prefixes=("feedback-service.",),
    ),
    # The API only follows account-state (no group); the worker is a principal of its own.
    "stats-service": Access(reads=frozenset({T.ACCOUNT_STATE})),
    # Faust: app id and consumer group `citizeninfo-stats`; its internal topics start with the app id.
    # `python -m stats_service.rebuild` runs as this principal too (it moves the worker's group).
    "stats-worker": Access(
        reads=frozenset({T.CATALOGUE, T.PINS, T.READINESS, T.RATINGS, T.COMPLAINTS}),
        group_prefixes=("citizeninfo-stats",),
        own_topic_prefixes=("citizeninfo-stats-",),
    ),
    "card-gateway": Access(
        reads=frozenset({T.CATALOGUE, T.ACCOUNT_STATE}),
        writes=frozenset({T.VISITS, T.DEAD_LETTERS}),
        group_prefixes=("card-gateway.",),
    ),
    # The national complaint system, outside: complaints (with consented contacts) in, status out.
    "complaint-system": Access(
        reads=frozenset({T.COMPLAINTS}),
        writes=frozenset({T.COMPLAINT_STATUS}),
        group_prefixes=("complaint-system",),
    ),
    "citizeninfo-topics": Access(creates_topics=True),
}

# (resource type, pattern type, resource name, operation), spelled as Strimzi's KafkaUser spells them.
AclEntry = tuple[str, str, str, str]
TOPIC_PREFIX = "citizeninfo."


def acl_entries(access: Access) -> set[AclEntry]:
    entries: set[AclEntry] = set()
    for name in access.reads:
        entries |= {("topic", "literal", str(name), "Read"), ("topic", "literal", str(name), "Describe")}
    for name in access.writes:
        entries |= {("topic", "literal", str(name), "Write"), ("topic", "literal", str(name), "Describe")}
    for prefix in access.group_prefixes:
        entries.add(("group", "prefix", prefix, "Read"))
    for prefix in access.own_topic_prefixes:
        entries |= {("topic", "prefix", prefix, op) for op in ("Create", "Describe", "Read", "Write")}
    if access.creates_topics:
        # ensure_topics creates missing topics and brings existing ones' settings to the registry's.
        operations = ("Create", "Describe", "DescribeConfigs", "AlterConfigs")
        entries |= {("topic", "prefix", TOPIC_PREFIX, op) for op in operations}
    return entries


_RESOURCE_TYPES = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP}
_PATTERN_TYPES = {"literal": ACLResourcePatternType.LITERAL, "prefix": ACLResourcePatternType.PREFIXED}
_OPERATIONS = {
    "Read": ACLOperation.READ,
    "Write": ACLOperation.WRITE,
    "Describe": ACLOperation.DESCRIBE,
    "Create": ACLOperation.CREATE,
    "DescribeConfigs": ACLOperation.DESCRIBE_CONFIGS,
    "AlterConfigs": ACLOperation.ALTER_CONFIGS,
}


def _to_acl(principal: str, entry: AclEntry) -> ACL:
    resource_type, pattern_type, name, operation = entry
    return ACL(
        principal=f"User:{principal}",
        host="*",
        operation=_OPERATIONS[operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(_RESOURCE_TYPES[resource_type], name, _PATTERN_TYPES[pattern_type]),
    )


def password_variable(principal: str) -> str:
    return f"CITIZENINFO_KAFKA_SCRAM_{principal.upper().replace('-', '_')}_PASSWORD"


def provision_access(
    admin: KafkaAdminClient, passwords: Mapping[str, str], access: Mapping[str, Access] = ACCESS
) -> None:
    """Sets each principal's SCRAM-SHA-512 credential and makes its ACLs exactly those of `access`
    (missing ones created, others of that principal deleted). Needs a super user's connection."""
    errors = admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(p, ScramMechanism.SCRAM_SHA_512, passwords[p]) for p in access]
    )
    if failed := {user: error for user, error in errors.items() if error}:
        raise RuntimeError(f"SCRAM credentials refused: {failed}")
    for principal, grants in access.items():
        wanted = {_to_acl(principal, entry) for entry in acl_entries(grants)}
        existing, _ = admin.describe_acls(
            ACLFilter(
                principal=f"User:{principal}",
                host=None,
                operation=ACLOperation.ANY,
                permission_type=ACLPermissionType.ANY,
                resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
            )
        )
        if missing := wanted - set(existing):
            result = admin.create_acls(list(missing))
            if result["failed"]:
                raise RuntimeError(f"ACLs of {principal} refused: {result['failed']}")
        if extra := set(existing) - wanted:
            admin.delete_acls(list(extra))


def main() -> None:
    kafka = KafkaSettings()
    created = ensure_topics(kafka.kafka_bootstrap_servers, security=kafka)
    print(f"created {len(created)} topic(s): {', '.join(created) or '-'}")
    if os.environ.get("CITIZENINFO_KAFKA_PROVISION_USERS", "").lower() == "true":
        # This job connects as the broker's super user here, so it needs no Kafka user of its own.
        users = {principal: grants for principal, grants in ACCESS.items() if not grants.creates_topics}
        missing = [password_variable(p) for p in users if not os.environ.get(password_variable(p))]
        if missing:
            raise SystemExit(f"set {', '.join(missing)}")
        passwords = {p: os.environ[password_variable(p)] for p in users}
        admin = create_admin(kafka.kafka_bootstrap_servers, client_id="citizeninfo-topics", security=kafka)
        try:
            provision_access(admin, passwords, users)
        finally:
            admin.close()
        print(f"Kafka users and ACLs set for {', '.join(users)}")


if __name__ == "__main__":
    main()
