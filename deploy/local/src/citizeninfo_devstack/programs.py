"""The processes of the native stack, as supervisor programs, and the ports they listen on.

Two topologies: `make up` runs one of each (SINGLE); `make cluster-up` runs the replicated topology
(CLUSTER): three Kafka nodes, three Elasticsearch nodes, two replicas of every service and two stream
workers, on the same first ports (gateway 8080, Kafka 9092), the others 100 (Kafka, services) or 1
(Elasticsearch, workers) above.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from citizeninfo_devstack.paths import StackPaths, java17_home, postgres_bin

GATEWAY_PORT = int(os.environ.get("CITIZENINFO_GATEWAY_PORT", "8080"))
KAFKA_PORT = 9092
KAFKA_CONTROLLER_PORT = 9093
ELASTICSEARCH_PORT = 9200
ELASTICSEARCH_TRANSPORT_PORT = 9300
MONGODB_PORT = 27017
POSTGRES_PORT = 5432
POSTGRES_USER = "citizeninfo"
POSTGRES_DATABASE = "ferretdb"
PROMETHEUS_PORT = 9090
FERRETDB_DEBUG_PORT = 8089
STATS_WORKER_WEB_PORT = 6066


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    port: int
    prefix: str


SERVICES = (
    ServiceSpec("pin-service", "pin_service", 8001, "/api/pin/v1/"),
    ServiceSpec("nocopy-service", "nocopy_service", 8002, "/api/nocopy/v1/"),
    ServiceSpec("feedback-service", "feedback_service", 8003, "/api/feedback/v1/"),
    ServiceSpec("stats-service", "stats_service", 8004, "/api/stats/v1/"),
    ServiceSpec("card-gateway", "card_gateway", 8005, "/api/card/v1/"),
)


@dataclass(frozen=True)
class Topology:
    name: str
    run_subdirectory: str  # under .run/ (paths.StackPaths)
    kafka_nodes: int
    elasticsearch_nodes: int
    service_replicas: int
    stream_workers: int

    @staticmethod
    def program_name(base: str, index: int, count: int) -> str:
        """`kafka` alone, `kafka-1` … `kafka-3` when there are several."""
        return base if count == 1 else f"{base}-{index + 1}"

    def kafka_names(self) -> list[str]:
        return [self.program_name("kafka", n, self.kafka_nodes) for n in range(self.kafka_nodes)]

    def elasticsearch_names(self) -> list[str]:
        count = self.elasticsearch_nodes
        return [self.program_name("elasticsearch", n, count) for n in range(count)]

    def replica_names(self, spec: ServiceSpec) -> list[str]:
        return [self.program_name(spec.name, r, self.service_replicas) for r in range(self.service_replicas)]

    def worker_names(self) -> list[str]:
        return [self.program_name("stats-worker", w, self.stream_workers) for w in range(self.stream_workers)]

    def kafka_ports(self) -> list[int]:
        return [KAFKA_PORT + 100 * n for n in range(self.kafka_nodes)]

    def kafka_controller_ports(self) -> list[int]:
        return [KAFKA_CONTROLLER_PORT + 100 * n for n in range(self.kafka_nodes)]

    def elasticsearch_ports(self) -> list[int]:
        return [ELASTICSEARCH_PORT + n for n in range(self.elasticsearch_nodes)]

    def elasticsearch_transport_ports(self) -> list[int]:
        return [ELASTICSEARCH_TRANSPORT_PORT + n for n in range(self.elasticsearch_nodes)]

    def replica_ports(self, spec: ServiceSpec) -> list[int]:
        return [spec.port + 100 * r for r in range(self.service_replicas)]

    def worker_web_ports(self) -> list[int]:
        return [STATS_WORKER_WEB_PORT + w for w in range(self.stream_workers)]

    @property
    def kafka_bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{port}" for port in self.kafka_ports())

    @property
    def elasticsearch_url(self) -> str:
        return ",".join(f"http://127.0.0.1:{port}" for port in self.elasticsearch_ports())

    @property
    def topic_replication_factor(self) -> int:
        return min(3, self.kafka_nodes)

    @property
    def min_insync_replicas(self) -> int:
        # One node may die and every write still succeeds (acks=all); as production's 3/2.
        return max(1, self.topic_replication_factor - 1)

    @property
    def elasticsearch_index_replicas(self) -> int:
        return min(1, self.elasticsearch_nodes - 1)


SINGLE = Topology("single", "", kafka_nodes=1, elasticsearch_nodes=1, service_replicas=1, stream_workers=1)
CLUSTER = Topology("cluster", "cluster", kafka_nodes=3, elasticsearch_nodes=3, service_replicas=2, stream_workers=2)


@dataclass(frozen=True)
class Program:
    name: str
    command: str
    directory: Path
    environment: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    startsecs: int = 1
    stopwaitsecs: int = 20

    def supervisor_environment(self) -> str:
        # supervisor expands %(...)s in values, so a literal % must be doubled.
        return ",".join(f'{k}="{v.replace("%", "%%")}"' for k, v in sorted(self.environment.items()))


def common_service_environment(secrets: dict[str, str], topology: Topology = SINGLE) -> dict[str, str]:
    environment = {
        "CITIZENINFO_ENVIRONMENT": "development",
        "CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS": topology.kafka_bootstrap,
        "CITIZENINFO_MONGODB_URL": f"mongodb://127.0.0.1:{MONGODB_PORT}/",
        "CITIZENINFO_ELASTICSEARCH_URL": topology.elasticsearch_url,
        "CITIZENINFO_JWT_SECRET": secrets["jwt_secret"],
        "CITIZENINFO_VISIT_TOKEN_SECRET": secrets["visit_token_secret"],
        "CITIZENINFO_IDENTITY_HMAC_KEY": secrets["identity_hmac_key"],
        "CITIZENINFO_RELAY_SWEEP_INTERVAL_SECONDS": "15",
        "PYTHONUNBUFFERED": "1",
    }
    if topology.kafka_nodes > 1:
        environment["CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR"] = str(topology.topic_replication_factor)
        environment["CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS"] = str(topology.min_insync_replicas)
    if topology.elasticsearch_nodes > 1:
        environment["CITIZENINFO_ELASTICSEARCH_NUMBER_OF_REPLICAS"] = str(topology.elasticsearch_index_replicas)
    return environment


def infrastructure_programs(
    paths: StackPaths, unprivileged_user: str | None, topology: Topology = SINGLE
) -> list[Program]:
    # Elasticsearch and PostgreSQL refuse to run as root: as root they run as the service user.
    es_user = db_user = unprivileged_user
    java = java17_home()
    programs = [
        Program(
            name,
            f"{java}/bin/java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true "
            f"-Dlog4j2.configurationFile={paths.conf}/kafka-log4j2.yaml "
            f"-cp {paths.kafka_libs}/* kafka.Kafka {paths.conf}/{name}.properties",
            paths.run,
            stopwaitsecs=30,
        )
        for name in topology.kafka_names()
    ]
    programs += [
        Program(
            name,
            f"{paths.elasticsearch_home}/bin/elasticsearch",
            paths.elasticsearch_home,
            environment={
                "ES_JAVA_HOME": str(java),
                "ES_PATH_CONF": str(paths.conf / name),
                "ES_JAVA_OPTS": "-Xms512m -Xmx512m",
            },
            user=es_user,
            stopwaitsecs=30,
        )
        for name in topology.elasticsearch_names()
    ]
    programs += [
        Program(
            "postgres",
            # Loopback only. force_custom_plan lets FerretDB's `_jsonb -> $1 @> $2` filters use the GIN
            # indexes of templates/postgres-ferretdb.sql (a generic plan cannot see the field name).
            f"{postgres_bin()}/postgres -D {paths.postgres_data} -p {POSTGRES_PORT} "
            f"-k {paths.postgres_socket_dir} -c listen_addresses=127.0.0.1 "
            "-c plan_cache_mode=force_custom_plan -c shared_buffers=256MB -c max_connections=400 "
            "-c synchronous_commit=on -c log_min_messages=warning",
            paths.run,
            user=db_user,
            stopwaitsecs=30,
        ),
        Program(
            "ferretdb",
            f"{paths.ferretdb_binary} --handler=postgresql "
            # pgx pools 4 connections by default; a request may need two, so many clients at once deadlock
            # it. Services cap their own pools (CITIZENINFO_MONGODB_MAX_POOL_SIZE) well below this.
            f"--postgresql-url=postgres://{POSTGRES_USER}@127.0.0.1:{POSTGRES_PORT}/{POSTGRES_DATABASE}"
            "?pool_max_conns=250 "
            f"--state-dir={paths.data}/ferretdb-state --listen-addr=127.0.0.1:{MONGODB_PORT} "
            f"--debug-addr=127.0.0.1:{FERRETDB_DEBUG_PORT} --telemetry=disable --log-level=WARN",
            paths.run,
        ),
    ]
    if os.geteuid() == 0 and topology is SINGLE:
        # The virtual reader for development (vsmartcard vpcd); pcscd needs root for its socket.
        # Never `-a`: it would log APDUs, which carry card data.
        programs.append(Program("pcscd", "/usr/sbin/pcscd --foreground --error", paths.run))
    return programs


def service_programs(paths: StackPaths, secrets: dict[str, str], topology: Topology = SINGLE) -> list[Program]:
    environment = common_service_environment(secrets, topology)
    programs = []
    for spec in SERVICES:
        for name, port in zip(topology.replica_names(spec), topology.replica_ports(spec), strict=True):
            service_environment = dict(environment)
            if spec.name == "pin-service":
                service_environment["CITIZENINFO_ADMIN_USER"] = secrets["admin_user"]
                service_environment["CITIZENINFO_ADMIN_PASSWORD"] = secrets["admin_password"]
            if spec.name == "card-gateway" and topology.service_replicas > 1:
                # Where the other replicas reach this one: sessions live beside their agent's link.
                service_environment["CITIZENINFO_CARD_REPLICA_URL"] = f"http://127.0.0.1:{port}"
            # No uvicorn access log: the gateway logs every request as JSON with its request id, and a
            # plain-text line per request cost a service about 5% of its CPU under load.
            programs.append(
                Program(
                    name,
                    f"{paths.venv_bin}/uvicorn --factory {spec.package}.main:create_app "
                    f"--host 127.0.0.1 --port {port} --proxy-headers --no-server-header --no-access-log",
                    paths.run,
                    environment=service_environment,
                    stopwaitsecs=10,
                )
            )
    # The workers share one consumer group: the topics' partitions are divided between them, and a
    # worker that dies hands its partitions to the others (a rebalance).
    for name, web_port in zip(topology.worker_names(), topology.worker_web_ports(), strict=True):
        programs.append(
            Program(
                name,
                f"{paths.venv_bin}/faust -A stats_service.worker.app:app worker -l info "
                f"--web-port {web_port} --web-host 127.0.0.1",
                paths.data / ("faust" if name == "stats-worker" else f"faust-{name}"),
                environment={**environment, "CITIZENINFO_FAUST_WEB_PORT": str(web_port)},
                stopwaitsecs=20,
            )
        )
    return programs


def edge_programs(paths: StackPaths) -> list[Program]:
    return [
        Program("nginx", f"/usr/sbin/nginx -c {paths.conf}/nginx.conf -p {paths.run}/nginx", paths.run),
        Program(
            "prometheus",
            f"/usr/bin/prometheus --config.file={paths.conf}/prometheus.yml "
            f"--storage.tsdb.path={paths.data}/prometheus "
            f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}",
            paths.run,
        ),
    ]
