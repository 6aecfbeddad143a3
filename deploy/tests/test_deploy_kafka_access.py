"""Who may do what on Kafka (citizeninfo_devstack.topics.ACCESS): checked against the topic registry and
each service's README, before compose and Kubernetes are checked against it."""

from citizeninfo_devstack.topics import ACCESS, acl_entries
from citizeninfo_shared.topics import TOPICS, TopicName
from deploy_support import COMPLAINT_SYSTEM_USER, KAFKA_USERS, SERVICE_PORTS, STATS_WORKER, readme_event_topics


def test_every_workload_and_the_complaint_system_has_a_kafka_user() -> None:
    assert set(ACCESS) == {*KAFKA_USERS.values(), COMPLAINT_SYSTEM_USER}


def test_access_names_only_registry_topics_and_every_topic_has_a_writer() -> None:
    named = {t for access in ACCESS.values() for t in access.reads | access.writes}
    assert named <= set(TOPICS)
    written = {t for access in ACCESS.values() for t in access.writes}
    assert written == set(TOPICS), f"no one may write {sorted(set(TOPICS) - written)}"
    for topic in TOPICS:
        writers = [p for p, a in ACCESS.items() if topic in a.writes]
        if topic != TopicName.DEAD_LETTERS:  # every consumer parks what it cannot process there
            assert len(writers) == 1, f"{topic} has writers {writers}: one owner per topic"


def test_each_service_may_use_what_its_readme_says_and_write_nothing_else(service: str) -> None:
    access = ACCESS[service]
    documented = readme_event_topics(service)
    used = {str(t) for t in access.reads | access.writes}
    if service == "stats-service":  # its README's events are the worker's, a principal of its own
        used |= {str(t) for t in ACCESS[STATS_WORKER].reads}
    assert documented <= used, f"{service}: README names {sorted(documented - used)}, its ACLs do not"
    # Every service follows account-state and parks bad records; anything else it writes is documented.
    undocumented = {str(t) for t in access.writes} - documented - {TopicName.DEAD_LETTERS}
    assert not undocumented, f"{service} may write {sorted(undocumented)}, which its README does not say"
    assert TopicName.ACCOUNT_STATE in access.reads, f"{service} follows account-state (token revocation)"


def test_the_stats_worker_reads_its_four_topics_and_the_catalogue_and_owns_its_group() -> None:
    worker = ACCESS[STATS_WORKER]
    assert {str(t) for t in worker.reads} == readme_event_topics("stats-service") - {TopicName.ACCOUNT_STATE}
    assert not worker.writes
    assert worker.group_prefixes == ("citizeninfo-stats",) and worker.own_topic_prefixes == ("citizeninfo-stats-",)


def test_the_complaint_system_reads_complaints_and_writes_status_only() -> None:
    system = ACCESS[COMPLAINT_SYSTEM_USER]
    assert system.reads == {TopicName.COMPLAINTS} and system.writes == {TopicName.COMPLAINT_STATUS}
    entries = acl_entries(system)
    assert {e for e in entries if e[0] == "topic"} == {
        ("topic", "literal", TopicName.COMPLAINTS, "Read"),
        ("topic", "literal", TopicName.COMPLAINTS, "Describe"),
        ("topic", "literal", TopicName.COMPLAINT_STATUS, "Write"),
        ("topic", "literal", TopicName.COMPLAINT_STATUS, "Describe"),
    }


def test_groups_are_granted_by_each_principals_own_prefix() -> None:
    for principal, access in ACCESS.items():
        for prefix in access.group_prefixes:
            assert prefix.startswith(principal) or principal == STATS_WORKER, (principal, prefix)
        assert all(prefix not in ("", "*") for prefix in access.group_prefixes)
    for service in SERVICE_PORTS:
        for entry in acl_entries(ACCESS[service]):
            assert entry[1] == "literal" or entry[0] == "group", f"{service}: topics are granted by name"
