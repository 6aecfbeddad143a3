"""SASL/SCRAM and ACLs for real, on a throw-away broker (never the native stack's on 9092).

Why a container of its own: the broker is the Kafka image compose runs here (`make images`), started by
testcontainers with docker-compose.yml's `kafka` environment as it is (SASL/SCRAM-SHA-512, KRaft's
StandardAuthorizer, no ACL no access, ANONYMOUS the only super user); only the addresses of the host's
EXTERNAL listener and of a test-only plaintext SETUP listener are this test's. So the image's own
KAFKA_* → server.properties conversion and compose's security settings are what is proved, with no
hand-written process handling, and users and ACLs made here never reach the shared broker.
The topics job's own code creates the topics, the SCRAM users and their ACLs
(citizeninfo_devstack.topics, as in compose), then the shared factories connect with the shared
settings: the right password publishes, a wrong one is refused, and a topic the principal's ACLs do not
grant is refused.
"""

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from citizeninfo_devstack.topics import ACCESS, provision_access
from citizeninfo_shared.kafka import create_admin, create_async_producer, create_consumer, create_producer
from citizeninfo_shared.settings import KafkaSettings
from citizeninfo_shared.topics import TopicName
from kafka.errors import KafkaError, TopicAuthorizationFailedError

from tests.integration import throwaway
from tests.integration.throwaway import ThrowawayKafka

pytestmark = pytest.mark.integration
# The throw-away fixture, found by pytest under this name.
throwaway_kafka_scram = throwaway.throwaway_kafka_scram

PASSWORDS = {principal: f"pw-{principal}-{uuid.uuid4().hex[:8]}" for principal in ACCESS}


class Broker:
    def __init__(self, superuser: str, clients: str) -> None:
        self.superuser = superuser  # the plaintext SETUP listener (ANONYMOUS is the super user)
        self.clients = clients  # the SASL_PLAINTEXT SCRAM-SHA-512 listener, as 127.0.0.1:9092 in compose

    def settings(self, username: str, password: str) -> KafkaSettings:
        return KafkaSettings(
            environment="production",
            kafka_bootstrap_servers=self.clients,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_username=username,
            kafka_password=password,
        )


@pytest.fixture(scope="module")
def broker(throwaway_kafka_scram: ThrowawayKafka) -> Iterator[Broker]:
    # What the image made of compose's environment: the security settings as they are.
    properties = throwaway_kafka_scram.server_properties()
    assert properties["allow.everyone.if.no.acl.found"] == "false"
    assert properties["authorizer.class.name"].endswith("StandardAuthorizer")
    assert properties["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert properties["super.users"] == "User:ANONYMOUS"
    assert properties["listener.name.external.scram-sha-512.sasl.jaas.config"]
    assert properties["listener.name.internal.scram-sha-512.sasl.jaas.config"]
    assert "EXTERNAL:SASL_PLAINTEXT" in properties["listener.security.protocol.map"]
    assert throwaway_kafka_scram.superuser is not None
    result = Broker(throwaway_kafka_scram.superuser, throwaway_kafka_scram.bootstrap)
    # What the compose `topics` job does: topics from the registry, then users and ACLs.
    from citizeninfo_shared.kafka import ensure_topics

    plain = KafkaSettings(kafka_bootstrap_servers=result.superuser)
    ensure_topics(result.superuser, security=plain)
    admin = create_admin(result.superuser, client_id="test-provision", security=plain)
    try:
        users = {p: a for p, a in ACCESS.items() if not a.creates_topics}
        provision_access(admin, PASSWORDS, users)
        provision_access(admin, PASSWORDS, users)  # again: nothing changes, nothing fails
    finally:
        admin.close()
    yield result


def publish(settings: KafkaSettings, topic: str) -> None:
    producer = create_producer(settings.kafka_bootstrap_servers, client_id="test-scram", security=settings)
    try:
        producer.send(topic, key=b"P000001", value=b'{"specversion": "1.0"}').get(timeout=15)
    finally:
        producer.close(timeout=5)


def test_the_right_password_publishes_on_a_granted_topic(broker: Broker) -> None:
    publish(broker.settings("feedback-service", PASSWORDS["feedback-service"]), TopicName.COMPLAINTS)


def test_a_wrong_password_is_refused(broker: Broker) -> None:
    with pytest.raises(KafkaError):
        publish(broker.settings("feedback-service", "not-the-password"), TopicName.COMPLAINTS)


def test_a_topic_the_acls_do_not_grant_is_refused(broker: Broker) -> None:
    # feedback-service writes ratings and complaints, never pins (pin-service's).
    with pytest.raises(TopicAuthorizationFailedError):
        publish(broker.settings("feedback-service", PASSWORDS["feedback-service"]), TopicName.PINS)


async def test_the_outbox_producer_authenticates_too(broker: Broker) -> None:
    settings = broker.settings("card-gateway", PASSWORDS["card-gateway"])
    producer = create_async_producer(settings.kafka_bootstrap_servers, client_id="test-relay", security=settings)
    await producer.start()
    try:
        await asyncio.wait_for(producer.send_and_wait(TopicName.VISITS, b"{}", key=b"P000001"), 15)
        with pytest.raises(Exception, match="TopicAuthorizationFailed"):
            await asyncio.wait_for(producer.send_and_wait(TopicName.COMPLAINTS, b"{}", key=b"P000001"), 15)
    finally:
        await producer.stop()


def test_the_complaint_system_reads_complaints_and_nothing_else(broker: Broker) -> None:
    settings = broker.settings("complaint-system", PASSWORDS["complaint-system"])
    publish(broker.settings("feedback-service", PASSWORDS["feedback-service"]), TopicName.COMPLAINTS)
    consumer = create_consumer(
        settings.kafka_bootstrap_servers,
        TopicName.COMPLAINTS,
        group_id="complaint-system.test",
        client_id="test-complaint-system",
        security=settings,
        consumer_timeout_ms=10_000,
    )
    try:
        assert next(iter(consumer)).key == b"P000001"
    finally:
        consumer.close()
    publish(settings, TopicName.COMPLAINT_STATUS)
    with pytest.raises(TopicAuthorizationFailedError):
        publish(settings, TopicName.RATINGS)
