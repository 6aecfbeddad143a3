"""SASL/SCRAM and ACLs for real, on a throw-away broker (never the native stack's on 9092).

The broker runs from the jars `make up` installed, configured with the security settings of
docker-compose.yml's `kafka` service (its KAFKA_* environment turned back into properties, as the
apache/kafka image does), on free loopback ports. The topics job's own code creates the topics, the
SCRAM users and their ACLs (citizeninfo_devstack.topics, as in compose), then the shared factories
connect with the shared settings: the right password publishes, a wrong one is refused, and a topic
the principal's ACLs do not grant is refused.
"""

import asyncio
import base64
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from citizeninfo_devstack.paths import StackPaths, java17_home
from citizeninfo_devstack.topics import ACCESS, provision_access
from citizeninfo_shared.kafka import create_admin, create_async_producer, create_consumer, create_producer
from citizeninfo_shared.settings import KafkaSettings
from citizeninfo_shared.topics import TopicName
from kafka.errors import KafkaError, TopicAuthorizationFailedError

# native_only: launches a throw-away broker from the native stack's Kafka jars (make install).
pytestmark = [pytest.mark.integration, pytest.mark.native_only]

REPO = Path(__file__).resolve().parents[2]
PASSWORDS = {principal: f"pw-{principal}-{uuid.uuid4().hex[:8]}" for principal in ACCESS}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def compose_kafka_properties() -> dict[str, str]:
    """docker-compose.yml's KAFKA_* settings as the apache/kafka image writes them to server.properties
    (`___` is `-`, `__` is `_`, `_` is `.`)."""
    environment = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["kafka"]["environment"]
    properties = {}
    for key, value in environment.items():
        if not key.startswith("KAFKA_"):
            continue
        name = key.removeprefix("KAFKA_").lower().replace("___", "-").replace("__", "\0").replace("_", ".")
        properties[name.replace("\0", "_")] = str(value)
    return properties


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the throw-away broker exited:\n{log.read_text()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail(f"the throw-away broker did not listen on {port}:\n{log.read_text()[-3000:]}")


class Broker:
    def __init__(self, superuser: str, clients: str) -> None:
        self.superuser = superuser  # the loopback PLAINTEXT listener (ANONYMOUS is the super user)
        self.clients = clients  # the SASL_PLAINTEXT SCRAM-SHA-512 listener, as `kafka:9092` in compose

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
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    libs = StackPaths.discover().kafka_libs
    if not any(libs.glob("kafka_2.13-*.jar")):
        pytest.fail(f"no Kafka broker jars in {libs} (`make up` installs them)")
    directory = tmp_path_factory.mktemp("scram-broker")
    broker_port, controller_port, client_port = free_port(), free_port(), free_port()
    properties = compose_kafka_properties()
    # Compose's security settings as they are; only addresses, ports and paths are this test's.
    properties |= {
        "listeners": (
            f"BROKER://127.0.0.1:{broker_port},CONTROLLER://127.0.0.1:{controller_port},"
            f"INTERNAL://127.0.0.1:{client_port}"
        ),
        "advertised.listeners": f"BROKER://127.0.0.1:{broker_port},INTERNAL://127.0.0.1:{client_port}",
        "listener.security.protocol.map": "BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:SASL_PLAINTEXT",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "log.dirs": str(directory / "data"),
    }
    properties.pop("listener.name.external.scram-sha-512.sasl.jaas.config")
    assert properties["allow.everyone.if.no.acl.found"] == "false"
    assert properties["authorizer.class.name"].endswith("StandardAuthorizer")
    assert properties["listener.name.internal.scram-sha-512.sasl.jaas.config"]
    config = directory / "server.properties"
    config.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))
    java = f"{java17_home()}/bin/java"
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    subprocess.run(
        # `--cluster-id=…` as one word: a base64url id may start with "-".
        [
            java,
            "-cp",
            f"{libs}/*",
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",
            "-c",
            f"{config}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = directory / "broker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [java, "-Xms128m", "-Xmx512m", "-cp", f"{libs}/*", "kafka.Kafka", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(client_port, process, log)
        result = Broker(f"127.0.0.1:{broker_port}", f"127.0.0.1:{client_port}")
        # What the compose `topics` job does: topics from the registry, then users and ACLs.
        from citizeninfo_shared.kafka import ensure_topics

        plain = KafkaSettings(kafka_bootstrap_servers=result.superuser)
        for attempt in range(30):
            try:
                ensure_topics(result.superuser, security=plain)
                break
            except KafkaError:
                if attempt == 29:
                    raise
                time.sleep(1)
        admin = create_admin(result.superuser, client_id="test-provision", security=plain)
        try:
            users = {p: a for p, a in ACCESS.items() if not a.creates_topics}
            provision_access(admin, PASSWORDS, users)
            provision_access(admin, PASSWORDS, users)  # again: nothing changes, nothing fails
        finally:
            admin.close()
        yield result
    finally:
        process.terminate()  # only the broker this fixture started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


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
