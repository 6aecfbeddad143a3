"""Throw-away servers for the integration tests that gain from servers of their own.

Each fixture starts real containers from the infrastructure images built here (`make images`,
citizeninfo_devstack.infra_images; no registry is reachable, so nothing is ever pulled) through
testcontainers' generic DockerContainer, on the engine citizeninfo_devstack.engine.running_engine()
finds (DOCKER_HOST, else the machine's dockerd). Ports are published on 127.0.0.1 only; readiness is
testcontainers' wait strategies (a log line, which fails at once if the container exits, then a probe
run inside the container). No engine, or an image missing, fails the test naming `make images`: these
tests never skip.

- throwaway_kafka: one KRaft broker, plaintext, the registry's topics created (shared by the session).
- throwaway_kafka_scram: a broker with docker-compose.yml's `kafka` security settings as they are
  (SASL/SCRAM-SHA-512 and ACLs), plus a test-only plaintext listener for provisioning (per module).
- throwaway_mongodb: PostgreSQL + FerretDB on a docker network of their own (shared by the session);
  restart_database() kills and restarts PostgreSQL.
- throwaway_elasticsearch: a single node (per module).

A test module imports the fixtures it uses (`from tests.integration.throwaway import throwaway_kafka
# noqa: F401`). A session-scoped fixture imported into several modules is a fixture of each module to
pytest, so the session-wide servers are kept here, started by the first module that asks. The number
of containers started is printed in the terminal summary ("testcontainers" section).
"""

import base64
import contextlib
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import pytest
import yaml
from citizeninfo_devstack.engine import running_engine
from citizeninfo_shared.kafka import ensure_topics
from citizeninfo_shared.settings import KafkaSettings
from testcontainers.core.config import ConnectionMode, testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import CompositeWaitStrategy, ExecWaitStrategy, LogMessageWaitStrategy

REPO = Path(__file__).resolve().parents[2]
REGISTRY = "localhost/citizeninfo"
KAFKA_IMAGE = f"{REGISTRY}/kafka:4.3.1"
ELASTICSEARCH_IMAGE = f"{REGISTRY}/elasticsearch:8.19.21"
POSTGRES_IMAGE = f"{REGISTRY}/postgres:15"
FERRETDB_IMAGE = f"{REGISTRY}/ferretdb:1.24.0"
# Kafka and Elasticsearch are JVMs: 10-30 s on a 2-core machine, more while other tests run.
STARTUP_TIMEOUT_SECONDS = 180
# Settings only SASL/SCRAM and the ACLs need; the plaintext broker drops them.
KAFKA_SECURITY_VARIABLES = (
    "KAFKA_SASL_ENABLED_MECHANISMS",
    "KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG",
    "KAFKA_LISTENER_NAME_EXTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG",
    "KAFKA_AUTHORIZER_CLASS_NAME",
    "KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND",
    "KAFKA_SUPER_USERS",
)


# --- what was started, for the terminal summary -------------------------------------------------


@dataclass
class _Started:
    containers: list[str] = field(default_factory=list)  # "kind image (seconds to ready)"

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        terminalreporter.write_sep("-", "testcontainers")
        terminalreporter.write_line(f"{len(self.containers)} containers started by testcontainers (throwaway.py)")
        for line in self.containers:
            terminalreporter.write_line(f"  {line}")


STARTED = _Started()
_PLUGIN_NAME = "citizeninfo-throwaway-summary"


def _count(config: pytest.Config, line: str) -> None:
    if not config.pluginmanager.has_plugin(_PLUGIN_NAME):
        config.pluginmanager.register(STARTED, _PLUGIN_NAME)
    STARTED.containers.append(line)


# --- the engine and the images ------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    host: str  # DOCKER_HOST

    @property
    def client_kw(self) -> dict:
        # Passed to each container rather than exported: a DOCKER_HOST in this process's environment
        # would reach every other `docker` the tests run.
        return {"environment": {"DOCKER_HOST": self.host}}


def engine() -> Engine:
    host = running_engine()
    if host is None:
        pytest.fail(
            "no container engine answers (DOCKER_HOST or unix:///run/citizeninfo-engine/docker.sock): "
            "`make images` starts the machine's dockerd and builds the images these tests run"
        )
    # Ryuk's image is on a registry (unreachable): the fixtures remove what they start themselves.
    testcontainers_config.ryuk_disabled = True
    # Ports are published on this machine's loopback; inside a container (/.dockerenv) testcontainers
    # would otherwise look for them at a gateway address.
    testcontainers_config.connection_mode_override = ConnectionMode.docker_host
    testcontainers_config.tc_host_override = "127.0.0.1"
    return Engine(host)


def require_images(found: Engine, *images: str) -> None:
    client = docker.from_env(**found.client_kw)
    try:
        missing = []
        for image in images:
            try:
                client.images.get(image)
            except docker.errors.ImageNotFound:
                missing.append(image)
    finally:
        client.close()
    if missing:
        # Never pulled: no registry is reachable, and an official image would not be this one.
        pytest.fail(f"image(s) {', '.join(missing)} not built on {found.host}: run `make images`")


def loopback_port() -> int:
    """A free port on 127.0.0.1, chosen before the container starts: a Kafka broker must advertise it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def container(found: Engine, image: str, name: str, environment: dict[str, str]) -> DockerContainer:
    created = DockerContainer(image, docker_client_kw=found.client_kw, env=dict(environment))
    return created.with_name(f"citizeninfo-throwaway-{name}-{uuid.uuid4().hex[:8]}")


def publish(created: DockerContainer, container_port: int, host_port: int) -> DockerContainer:
    """Publishes container_port on 127.0.0.1:host_port only (docker-py's (address, port) binding)."""
    created.ports[f"{container_port}/tcp"] = ("127.0.0.1", host_port)  # type: ignore[assignment]
    return created


def on_default_bridge(created: DockerContainer) -> DockerContainer:
    # An explicit network: testcontainers would otherwise guess one when DOCKER_HOST is not exported.
    return created.with_kwargs(network="bridge")


def remove(created: DockerContainer) -> None:
    """Removes the container (and its anonymous volumes) if it still exists; safe to call twice."""
    with contextlib.suppress(docker.errors.NotFound):
        created.stop()
    created._container = None


def started(config: pytest.Config, kind: str, created: DockerContainer) -> DockerContainer:
    begun = time.monotonic()
    try:
        created.start()
    except BaseException:
        if created._container is not None:  # created, then failed to become ready: still started
            _count(config, f"{kind}: {created.image} (failed after {time.monotonic() - begun:.1f} s)")
        remove(created)
        raise
    _count(config, f"{kind}: {created.image} ({time.monotonic() - begun:.1f} s to ready)")
    return created


def ready(log_line: str, *probe: str) -> CompositeWaitStrategy:
    """The log line (fails as soon as the container exits), then the probe succeeding inside it."""
    return CompositeWaitStrategy(
        LogMessageWaitStrategy(log_line).with_startup_timeout(STARTUP_TIMEOUT_SECONDS),
        ExecWaitStrategy(list(probe)).with_startup_timeout(STARTUP_TIMEOUT_SECONDS).with_poll_interval(0.5),
    ).with_startup_timeout(STARTUP_TIMEOUT_SECONDS)


# --- Kafka ----------------------------------------------------------------------------------------


def compose_kafka_environment() -> dict[str, str]:
    """docker-compose.yml's `kafka` environment, as the image receives it."""
    environment = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["kafka"]["environment"]
    return {key: str(value) for key, value in environment.items()}


@dataclass
class ThrowawayKafka:
    bootstrap: str  # what clients use (plaintext, or SASL/SCRAM-SHA-512 in the SCRAM variant)
    container: DockerContainer
    # The SCRAM variant's plaintext listener (User:ANONYMOUS, the super user): topics, users, ACLs.
    superuser: str | None = None

    def server_properties(self) -> dict[str, str]:
        """server.properties as the image's entrypoint wrote it from the KAFKA_* environment."""
        result = self.container.exec(["cat", "/opt/kafka/config/server.properties"])
        assert result.exit_code == 0, result.output
        lines = result.output.decode().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)


def _kafka(found: Engine, config: pytest.Config, *, scram: bool) -> ThrowawayKafka:
    environment = compose_kafka_environment()
    client_port = loopback_port()
    # A fresh cluster id: nothing is reused from any other broker.
    environment["CLUSTER_ID"] = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    environment["KAFKA_HEAP_OPTS"] = "-Xms128m -Xmx512m"
    setup_port = None
    if scram:
        # Compose's listeners with the EXTERNAL one (SCRAM, the host's) on this test's port, and one
        # more, SETUP, plaintext, for the test to do what compose's `topics` job does on the loopback.
        setup_port = loopback_port()
        environment["KAFKA_LISTENERS"] = environment["KAFKA_LISTENERS"] + ",SETUP://:9095"
        environment["KAFKA_ADVERTISED_LISTENERS"] = (
            environment["KAFKA_ADVERTISED_LISTENERS"].replace(
                "EXTERNAL://127.0.0.1:9092", f"EXTERNAL://127.0.0.1:{client_port}"
            )
            + f",SETUP://127.0.0.1:{setup_port}"
        )
        environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] += ",SETUP:PLAINTEXT"
        assert f"EXTERNAL://127.0.0.1:{client_port}" in environment["KAFKA_ADVERTISED_LISTENERS"]
    else:
        for variable in KAFKA_SECURITY_VARIABLES:
            environment.pop(variable)
        environment |= {
            "KAFKA_LISTENERS": "BROKER://127.0.0.1:9091,CONTROLLER://127.0.0.1:9093,EXTERNAL://:9094",
            "KAFKA_ADVERTISED_LISTENERS": f"BROKER://127.0.0.1:9091,EXTERNAL://127.0.0.1:{client_port}",
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT",
        }
    created = on_default_bridge(container(found, KAFKA_IMAGE, "kafka-scram" if scram else "kafka", environment))
    publish(created, 9094, client_port)
    if setup_port is not None:
        publish(created, 9095, setup_port)
    # "Kafka Server started", then an ApiVersions round trip on the loopback listener (the image's check).
    created.waiting_for(ready(r"Kafka Server started", "/usr/local/bin/kafka-ready", "127.0.0.1:9091"))
    started(config, "kafka (SASL/SCRAM, ACLs)" if scram else "kafka", created)
    return ThrowawayKafka(
        f"127.0.0.1:{client_port}", created, f"127.0.0.1:{setup_port}" if setup_port is not None else None
    )


@contextlib.contextmanager
def kafka_broker(config: pytest.Config, *, scram: bool) -> Iterator[ThrowawayKafka]:
    found = engine()
    require_images(found, KAFKA_IMAGE)
    broker = _kafka(found, config, scram=scram)
    try:
        if not scram:
            # As compose's `topics` job and `make up`: the registry's topics (auto-creation is off).
            ensure_topics(broker.bootstrap, security=KafkaSettings(kafka_bootstrap_servers=broker.bootstrap))
        yield broker
    finally:
        remove(broker.container)


# --- MongoDB wire: FerretDB in front of PostgreSQL -------------------------------------------------


@dataclass
class ThrowawayMongoDB:
    url: str
    postgres: DockerContainer
    ferretdb: DockerContainer
    postgres_ready: Callable[[], CompositeWaitStrategy | ExecWaitStrategy]
    ferretdb_ready: Callable[[], ExecWaitStrategy]

    def restart_database(self) -> None:
        """Kills PostgreSQL (no clean shutdown), starts it again on the same data, and waits until
        FerretDB serves through it again. FerretDB itself keeps running, at the same address."""
        wrapped = self.postgres.get_wrapped_container()
        wrapped.kill()
        wrapped.wait(timeout=60)
        wrapped.start()
        self.postgres_ready().wait_until_ready(self.postgres)
        self.ferretdb_ready().wait_until_ready(self.ferretdb)

    def postgres_log(self) -> str:
        stdout, stderr = self.postgres.get_logs()
        return stdout.decode(errors="replace") + stderr.decode(errors="replace")


@contextlib.contextmanager
def mongodb_server(config: pytest.Config) -> Iterator[ThrowawayMongoDB]:
    found = engine()
    require_images(found, POSTGRES_IMAGE, FERRETDB_IMAGE)
    user, password = "citizeninfo", secrets.token_hex(16)
    port = loopback_port()
    with contextlib.ExitStack() as stack:
        network = Network(docker_client_kw=found.client_kw).create()
        stack.callback(network.remove)

        def postgres_ready() -> ExecWaitStrategy:
            # TCP on 127.0.0.1 opens only once the entrypoint's preparation (socket only) is over.
            return (
                ExecWaitStrategy(["pg_isready", "-q", "-h", "127.0.0.1", "-U", user, "-d", "ferretdb"])
                .with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
                .with_poll_interval(0.5)
            )

        def ferretdb_ready() -> ExecWaitStrategy:
            # The image's health check: logs in as the setup user and pings, through PostgreSQL.
            return (
                ExecWaitStrategy(["/usr/local/bin/ferretdb-entrypoint", "ping"])
                .with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
                .with_poll_interval(0.5)
            )

        postgres = container(
            found,
            POSTGRES_IMAGE,
            "postgres",
            {"POSTGRES_USER": user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": "ferretdb"},
        )
        # As deploy/compose/local-images.yml: room for parallel query workers' shared memory.
        postgres.with_network(network).with_network_aliases("postgres").with_kwargs(shm_size="256m")
        postgres.waiting_for(
            CompositeWaitStrategy(
                LogMessageWaitStrategy("database system is ready to accept connections", times=2),
                postgres_ready(),
            ).with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
        )
        stack.callback(remove, postgres)
        started(config, "postgres (behind ferretdb)", postgres)

        ferretdb = container(
            found,
            FERRETDB_IMAGE,
            "ferretdb",
            {
                # As deploy/compose/local-images.yml.
                "FERRETDB_POSTGRESQL_URL": f"postgres://{user}:{password}@postgres:5432/ferretdb?pool_max_conns=250",
                "MONGO_INITDB_ROOT_USERNAME": user,
                "MONGO_INITDB_ROOT_PASSWORD": password,
            },
        )
        ferretdb.with_network(network).with_network_aliases("mongodb")
        publish(ferretdb, 27017, port)
        ferretdb.waiting_for(ferretdb_ready())
        stack.callback(remove, ferretdb)
        started(config, "ferretdb", ferretdb)
        yield ThrowawayMongoDB(
            f"mongodb://{user}:{password}@127.0.0.1:{port}/?authSource=admin",
            postgres,
            ferretdb,
            postgres_ready,
            ferretdb_ready,
        )


# --- Elasticsearch --------------------------------------------------------------------------------


@dataclass
class ThrowawayElasticsearch:
    url: str  # with the `elastic` user's password, as the services' CITIZENINFO_ELASTICSEARCH_URL
    anonymous_url: str  # the same node without credentials
    container: DockerContainer


def compose_elasticsearch_environment() -> dict[str, str]:
    """docker-compose.yml's `elasticsearch` environment (the ${ELASTIC_PASSWORD} reference left out)."""
    environment = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["elasticsearch"]["environment"]
    return {key: str(value) for key, value in environment.items() if key != "ELASTIC_PASSWORD"}


@contextlib.contextmanager
def elasticsearch_node(config: pytest.Config) -> Iterator[ThrowawayElasticsearch]:
    found = engine()
    require_images(found, ELASTICSEARCH_IMAGE)
    port, password = loopback_port(), secrets.token_hex(16)
    # Compose's settings as they are (security on, the `elastic` user's password), a smaller heap.
    environment = compose_elasticsearch_environment() | {
        "ELASTIC_PASSWORD": password,
        "ES_JAVA_OPTS": "-Xms512m -Xmx512m",
    }
    created = on_default_bridge(container(found, ELASTICSEARCH_IMAGE, "elasticsearch", environment))
    publish(created, 9200, port)
    health = "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=1s"
    probe = ("curl", "-fsS", "-o", "/dev/null", "-u", f"elastic:{password}", health)
    created.waiting_for(ready(r"\] started", *probe))
    started(config, "elasticsearch", created)
    try:
        yield ThrowawayElasticsearch(f"http://elastic:{password}@127.0.0.1:{port}", f"http://127.0.0.1:{port}", created)
    finally:
        remove(created)


# --- the fixtures -----------------------------------------------------------------------------------

# Session-wide servers, by kind: the first module that asks starts one, the last session teardown stops it.
_SHARED: dict[str, object] = {}


def _shared(kind: str, request: pytest.FixtureRequest, start: Callable[[], contextlib.AbstractContextManager]):
    if kind in _SHARED:
        yield _SHARED[kind]
        return
    with start() as server:
        _SHARED[kind] = server
        try:
            yield server
        finally:
            del _SHARED[kind]


@pytest.fixture(scope="session")
def throwaway_kafka(request: pytest.FixtureRequest) -> Iterator[ThrowawayKafka]:
    """A plaintext KRaft broker of the tests' own, with the registry's topics."""
    yield from _shared("kafka", request, lambda: kafka_broker(request.config, scram=False))


@pytest.fixture(scope="module")
def throwaway_kafka_scram(request: pytest.FixtureRequest) -> Iterator[ThrowawayKafka]:
    """A broker with docker-compose.yml's SASL/SCRAM-SHA-512 and ACL settings; no users, topics or ACLs yet."""
    with kafka_broker(request.config, scram=True) as broker:
        yield broker


@pytest.fixture(scope="session")
def throwaway_mongodb(request: pytest.FixtureRequest) -> Iterator[ThrowawayMongoDB]:
    """FerretDB + PostgreSQL of the tests' own (the MongoDB-wire server of `make up` and compose here)."""
    yield from _shared("mongodb", request, lambda: mongodb_server(request.config))


@pytest.fixture(scope="module")
def throwaway_elasticsearch(request: pytest.FixtureRequest) -> Iterator[ThrowawayElasticsearch]:
    """A fresh single-node cluster: no index, template or setting of any other test."""
    with elasticsearch_node(request.config) as node:
        yield node


__all__ = [
    "ThrowawayElasticsearch",
    "ThrowawayKafka",
    "ThrowawayMongoDB",
    "throwaway_elasticsearch",
    "throwaway_kafka",
    "throwaway_kafka_scram",
    "throwaway_mongodb",
]
