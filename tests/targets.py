"""The system the integration tests, browser journeys and drills run against (CITIZENINFO_TEST_TARGET).

- ``native`` (unset, the default): the supervisord stack of `make up`. Secrets in .run/secrets.json,
  Kafka on 127.0.0.1:9092 without authentication, a program is a supervisor process.
- ``cluster``: the replicated topology of `make cluster-up` (natively, supervised, data in .run/cluster):
  as ``native`` (the same secrets and first ports), with programs named ``kafka-2``, ``pin-service-1`` ….
- ``compose``: the docker-compose stack (project ``citizeninfo``, `make compose-test`). Secrets in .env,
  Kafka on 127.0.0.1:9092 with SASL/SCRAM as a Kafka user whose ACLs allow what the test does, and a
  program is the container ``citizeninfo_<program>_1``, controlled through the engine.

Both publish the gateway, Elasticsearch, the MongoDB wire, the services, the worker's web port and
Prometheus on the same loopback ports.
"""

import functools
import json
import os
import re
import signal
import subprocess
from collections.abc import Iterable
from pathlib import Path

import httpx
from citizeninfo_devstack import checks, supervisor
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import CLUSTER as CLUSTER_TOPOLOGY
from citizeninfo_devstack.programs import ELASTICSEARCH_PORT, GATEWAY_PORT, KAFKA_PORT, MONGODB_PORT, SINGLE
from citizeninfo_devstack.topics import ACCESS
from citizeninfo_shared.kafka import create_admin, create_producer, kafka_client_options
from citizeninfo_shared.settings import KafkaSettings
from dotenv import dotenv_values
from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata
from pydantic import SecretStr

NAME = os.environ.get("CITIZENINFO_TEST_TARGET") or "native"
if NAME not in {"native", "compose", "cluster"}:
    raise RuntimeError(f"CITIZENINFO_TEST_TARGET={NAME!r}: expected native, compose or cluster")
COMPOSE = NAME == "compose"
CLUSTER = NAME == "cluster"

REPO = Path(__file__).resolve().parents[1]
PROJECT = "citizeninfo"
# Debian's CLI and the machine's engine (another `docker` may come first on PATH).
DOCKER = "/usr/bin/docker"
DOCKER_HOST = os.environ.get("DOCKER_HOST") or "unix:///run/citizeninfo-engine/docker.sock"
COMPOSE_KAFKA_PORT = 9092  # the EXTERNAL listener (SASL_PLAINTEXT, SCRAM-SHA-512), as natively

GATEWAY_URL = f"http://127.0.0.1:{GATEWAY_PORT}"
KAFKA_BOOTSTRAP = f"127.0.0.1:{COMPOSE_KAFKA_PORT if COMPOSE else KAFKA_PORT}"
# The Kafka users tried first for a topic: the stats worker reads most topics, the complaint system the rest.
_KAFKA_USERS = ("stats-worker", "complaint-system", "pin-service", "feedback-service", "nocopy-service")


# ----------------------------------------------------------------------------------------- secrets
@functools.cache
def _dotenv() -> dict[str, str]:
    """.env as docker-compose reads it, the shell's variables first (as compose takes them)."""
    values = dotenv_values(REPO / ".env")
    return {key: os.environ.get(key, value or "") for key, value in values.items()}


def secrets() -> dict[str, str]:
    """The stack's secrets under the native names (admin_user, admin_password, jwt_secret, …)."""
    if not COMPOSE:
        return json.loads((StackPaths.discover().run / "secrets.json").read_text())
    env = _dotenv()
    return {
        "admin_user": os.environ.get("CITIZENINFO_ADMIN_USER") or env.get("CITIZENINFO_ADMIN_USER") or "admin",
        "admin_password": env["CITIZENINFO_ADMIN_PASSWORD"],
        "jwt_secret": env["CITIZENINFO_JWT_SECRET"],
        "visit_token_secret": env["CITIZENINFO_VISIT_TOKEN_SECRET"],
        "identity_hmac_key": env["CITIZENINFO_IDENTITY_HMAC_KEY"],
    }


def admin_credentials() -> tuple[str, str]:
    saved = secrets()
    return saved["admin_user"], saved["admin_password"]


# ------------------------------------------------------------------------------------- endpoints
def elasticsearch_url() -> str:
    if not COMPOSE:
        return f"http://127.0.0.1:{ELASTICSEARCH_PORT}"
    return f"http://elastic:{_dotenv()['ELASTIC_PASSWORD']}@127.0.0.1:{ELASTICSEARCH_PORT}"


def mongodb_url() -> str:
    """Natively without authentication; in compose the URL the services use, pointed at the host's port."""
    if not COMPOSE:
        return f"mongodb://127.0.0.1:{MONGODB_PORT}/"
    env = _inspect("pin-service")["Config"]["Env"]
    url = next(item.partition("=")[2] for item in env if item.startswith("CITIZENINFO_MONGODB_URL="))
    return re.sub(r"(?<=[@/])mongodb:27017", f"127.0.0.1:{MONGODB_PORT}", url, count=1)


# ----------------------------------------------------------------------------------------- Kafka
def kafka_user(*, reads: Iterable[str] = (), writes: Iterable[str] = ()) -> str:
    """A Kafka user of the compose stack whose ACLs (citizeninfo_devstack.topics.ACCESS) allow it all."""
    wanted_reads, wanted_writes = {str(t) for t in reads}, {str(t) for t in writes}
    for user in _KAFKA_USERS:
        access = ACCESS[user]
        if wanted_reads <= {str(t) for t in access.reads} and wanted_writes <= {str(t) for t in access.writes}:
            return user
    raise LookupError(f"no Kafka user may read {wanted_reads or '-'} and write {wanted_writes or '-'}")


def kafka_security(*, reads: Iterable[str] = (), writes: Iterable[str] = ()) -> KafkaSettings | None:
    """For the citizeninfo_shared.kafka factories' `security=`: None natively (as without it)."""
    if not COMPOSE:
        return None
    user = kafka_user(reads=reads, writes=writes)
    return KafkaSettings(
        kafka_bootstrap_servers=KAFKA_BOOTSTRAP,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_username=user,
        kafka_password=SecretStr(_dotenv()[f"KAFKA_{user.upper().replace('-', '_')}_PASSWORD"]),
    )


def kafka_options(*, reads: Iterable[str] = (), writes: Iterable[str] = ()) -> dict[str, object]:
    """Keyword arguments for a plain kafka-python or aiokafka client: none natively."""
    security = kafka_security(reads=reads, writes=writes)
    return kafka_client_options(security) if security is not None else {}


def stack_environment(*, reads: Iterable[str] = (), writes: Iterable[str] = ()) -> dict[str, str]:
    """CITIZENINFO_* variables that point a service's settings (or a subprocess) at the target, as a
    Kafka user allowed to read and write those topics: none natively (the defaults are the native stack)."""
    security = kafka_security(reads=reads, writes=writes)
    if security is None:
        return {}
    assert security.kafka_username is not None and security.kafka_password is not None
    return {
        "CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS": security.kafka_bootstrap_servers,
        "CITIZENINFO_KAFKA_SECURITY_PROTOCOL": security.kafka_security_protocol,
        "CITIZENINFO_KAFKA_SASL_MECHANISM": security.kafka_sasl_mechanism,
        "CITIZENINFO_KAFKA_USERNAME": security.kafka_username,
        "CITIZENINFO_KAFKA_PASSWORD": security.kafka_password.get_secret_value(),
        "CITIZENINFO_ELASTICSEARCH_URL": elasticsearch_url(),
        "CITIZENINFO_MONGODB_URL": mongodb_url(),
    }


def stack_settings(*, reads: Iterable[str] = (), writes: Iterable[str] = ()) -> dict[str, object]:
    """stack_environment as keywords of a settings class (prefix CITIZENINFO_): none natively."""
    environment = stack_environment(reads=reads, writes=writes)
    return {key.removeprefix("CITIZENINFO_").lower(): value for key, value in environment.items()}


class EventProducer:
    """Publishes to the system's topics as their producers do: natively one producer (no authentication);
    in compose one per Kafka user, each topic through a user allowed to write it."""

    def __init__(self, bootstrap: str, *, client_id: str, **overrides: object) -> None:
        self._bootstrap, self._client_id, self._overrides = bootstrap, client_id, overrides
        self._producers: dict[str | None, KafkaProducer] = {}

    def send(self, topic: str, *, key: bytes | None, value: bytes) -> FutureRecordMetadata:
        user = kafka_user(writes=[topic]) if COMPOSE else None
        if user not in self._producers:
            security = kafka_security(writes=[topic])
            self._producers[user] = create_producer(
                self._bootstrap, client_id=self._client_id, security=security, **self._overrides
            )
        return self._producers[user].send(str(topic), key=key, value=value)

    def flush(self, timeout: float | None = None) -> None:
        for producer in self._producers.values():
            producer.flush(timeout=timeout)

    def close(self, timeout: float | None = None) -> None:
        for producer in self._producers.values():
            producer.close(timeout=timeout)


def kafka_ready() -> None:
    """Kafka answers a client (checks.kafka_ready natively; in compose on 9092 too, authenticated)."""
    if not COMPOSE:
        checks.kafka_ready()
        return
    security = kafka_security()
    admin = create_admin(KAFKA_BOOTSTRAP, client_id="test-readiness", security=security, request_timeout_ms=3_000)
    try:
        admin.list_topics()
    finally:
        admin.close()


def elasticsearch_ready() -> None:
    """checks.elasticsearch_ready, as the elastic user in compose (its local image checks passwords too)."""
    if not COMPOSE:
        checks.elasticsearch_ready()
        return
    params = {"wait_for_status": "yellow", "timeout": "2s"}
    response = httpx.get(f"{elasticsearch_url()}/_cluster/health", params=params, timeout=5)
    response.raise_for_status()
    if response.json()["status"] == "red":
        raise RuntimeError("Elasticsearch cluster is red")


# ------------------------------------------------------------------------------- process control
def container(program: str) -> str:
    return f"{PROJECT}_{program}_1"


def _docker(*arguments: str) -> str:
    return subprocess.run(
        [DOCKER, *arguments],
        env={**os.environ, "DOCKER_HOST": DOCKER_HOST},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


def _inspect(program: str) -> dict:
    return json.loads(_docker("inspect", container(program)))[0]


def _paths() -> StackPaths:
    return StackPaths.discover().topology(CLUSTER_TOPOLOGY.run_subdirectory if CLUSTER else "")


def pid(program: str) -> int:
    """The program's main process id (0 while it is not running): a new one once it was restarted."""
    if not COMPOSE:
        return supervisor.process_pid(_paths(), program)
    return int(_inspect(program)["State"]["Pid"])


def running(program: str) -> bool:
    if not COMPOSE:
        return supervisor.process_states(_paths()).get(program) == "RUNNING"
    return _inspect(program)["State"]["Status"] == "running"


def healthy(program: str) -> bool:
    """Compose: running, and healthy by its health check if it has one. Natively: running."""
    if not COMPOSE:
        return running(program)
    state = _inspect(program)["State"]
    return state["Status"] == "running" and state.get("Health", {}).get("Status", "healthy") == "healthy"


def kill(program: str) -> None:
    """SIGKILL to the program's main process, as a crash would; supervisor or the engine's restart
    policy brings it back. In compose not `docker kill`: dockerd takes that for a deliberate stop and
    `restart: unless-stopped` then leaves the container down (measured with dockerd 20.10)."""
    process = pid(program)
    assert process > 0, f"{program} is not running"
    os.kill(process, signal.SIGKILL)


def stop(program: str) -> None:
    """An outage until start(): supervisor stops the process, or `docker stop` the container."""
    if COMPOSE:
        _docker("stop", container(program))
    else:
        supervisor.stop(_paths(), program)


def start(program: str) -> None:
    if COMPOSE:
        _docker("start", container(program))
    else:
        supervisor.start(_paths(), program)


def system_is_up() -> bool:
    """Natively supervisord runs the stack; in compose the gateway container runs and is healthy
    (`gateway-on-host` with deploy/compose/local-images.yml, `gateway` with the official images)."""
    if not COMPOSE:
        from citizeninfo_devstack.stack import Stack

        return Stack(topology=CLUSTER_TOPOLOGY if CLUSTER else SINGLE).is_up()
    return any(_healthy_if_there(name) for name in ("gateway-on-host", "gateway"))


def _healthy_if_there(program: str) -> bool:
    try:
        return healthy(program)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
        return False


def how_to_start() -> str:
    if CLUSTER:
        return "run `make cluster-up` first"
    return "run `make compose-up` first (make compose-test does)" if COMPOSE else "run `make up` first (make test does)"
