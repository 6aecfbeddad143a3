"""`make up` / `make down` / `make clean`: the whole system, natively, supervised, in order; the same
for the replicated topology of `make cluster-up` / `make cluster-down` (programs.CLUSTER)."""

import base64
import json
import os
import secrets as random_secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from citizeninfo_shared.kafka import ensure_topics
from citizeninfo_shared.settings import KafkaSettings
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rich.console import Console
from rich.table import Table
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from citizeninfo_devstack import checks, compose, supervisor, virtual_reader
from citizeninfo_devstack.install import install_all
from citizeninfo_devstack.paths import StackPaths, java17_home, postgres_bin
from citizeninfo_devstack.programs import (
    CLUSTER,
    FERRETDB_DEBUG_PORT,
    GATEWAY_PORT,
    POSTGRES_DATABASE,
    POSTGRES_PORT,
    POSTGRES_USER,
    PROMETHEUS_PORT,
    SERVICES,
    SINGLE,
    Program,
    Topology,
    edge_programs,
    infrastructure_programs,
    service_programs,
)
from citizeninfo_devstack.web import ensure_web_build

SHARED_GATEWAY_FILES = ("http.conf", "routes.conf")


def install_shared_gateway_files(repo: Path, conf: Path) -> None:
    """Copies deploy/gateway/*.conf to <conf>/gateway/, where nginx.conf includes them: nginx resolves
    relative includes against the directory of its main config, as in compose and Kubernetes."""
    (conf / "gateway").mkdir(parents=True, exist_ok=True)
    for name in SHARED_GATEWAY_FILES:
        shutil.copyfile(repo / "deploy" / "gateway" / name, conf / "gateway" / name)


class Stack:
    def __init__(
        self, paths: StackPaths | None = None, console: Console | None = None, topology: Topology = SINGLE
    ) -> None:
        self.topology = topology
        self.paths = paths or StackPaths.discover().topology(topology.run_subdirectory)
        self.console = console or Console()

    @property
    def name(self) -> str:
        return "the replicated cluster" if self.topology is CLUSTER else "CITIZENinfo"

    def other(self) -> "Stack":
        """The other topology: both use the gateway's and Kafka's ports, so only one may run."""
        return Stack(console=self.console, topology=SINGLE if self.topology is CLUSTER else CLUSTER)

    # ----------------------------------------------------------------------------------- secrets
    def secrets(self) -> dict[str, str]:
        """Development secrets, made once per checkout; the admin password may come from the env."""
        store = self.paths.secrets_file
        saved = json.loads(store.read_text()) if store.exists() else {}
        values = {
            "jwt_secret": saved.get("jwt_secret") or random_secrets.token_urlsafe(48),
            "visit_token_secret": saved.get("visit_token_secret") or random_secrets.token_urlsafe(48),
            "identity_hmac_key": saved.get("identity_hmac_key") or random_secrets.token_urlsafe(48),
            "admin_user": os.environ.get("CITIZENINFO_ADMIN_USER") or saved.get("admin_user") or "admin",
            "admin_password": os.environ.get("CITIZENINFO_ADMIN_PASSWORD")
            or saved.get("admin_password")
            or random_secrets.token_urlsafe(12),
        }
        if values != saved:
            store.parent.mkdir(parents=True, exist_ok=True)
            store.touch(mode=0o600)
            store.write_text(json.dumps(values, indent=2))
        return values

    # ------------------------------------------------------------------------------ configuration
    def _render(self, template: str, target: Path, mode: int = 0o644, **context: object) -> None:
        environment = Environment(
            loader=FileSystemLoader(self.paths.templates),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,  # noqa: S701 - config files, not HTML
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(mode=mode)
        target.chmod(mode)  # before the text goes in: an existing file keeps its old mode otherwise
        target.write_text(environment.get_template(template).render(**context))

    def configure(self, unprivileged_user: str | None, secrets: dict[str, str]) -> list[Program]:
        p, topology = self.paths, self.topology
        for directory in (
            p.conf,
            p.logs,
            p.data / "ferretdb-state",
            p.postgres_socket_dir,
            p.data / "prometheus",
            p.run / "nginx",
            *(p.data / name for name in topology.kafka_names()),
            *(p.data / name for name in topology.elasticsearch_names()),
            *(p.logs / name for name in topology.elasticsearch_names()),
        ):
            directory.mkdir(parents=True, exist_ok=True)
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (p.run / "nginx" / temp).mkdir(exist_ok=True)

        voters = ",".join(f"{n + 1}@127.0.0.1:{port}" for n, port in enumerate(topology.kafka_controller_ports()))
        for n, name in enumerate(topology.kafka_names()):
            self._render(
                "kafka.properties.j2",
                p.conf / f"{name}.properties",
                node_id=n + 1,
                voters=voters,
                port=topology.kafka_ports()[n],
                controller_port=topology.kafka_controller_ports()[n],
                data=p.data / name,
                replication_factor=topology.topic_replication_factor,
                min_insync_replicas=topology.min_insync_replicas,
            )
        shutil.copyfile(p.templates / "kafka-log4j2.yaml", p.conf / "kafka-log4j2.yaml")

        es_names = topology.elasticsearch_names()
        transport_ports = topology.elasticsearch_transport_ports()
        several = len(es_names) > 1
        for n, name in enumerate(es_names):
            es_conf = p.conf / name
            if not (es_conf / "jvm.options").exists():
                shutil.copytree(p.elasticsearch_home / "config", es_conf, dirs_exist_ok=True)
            self._render(
                "elasticsearch.yml.j2",
                es_conf / "elasticsearch.yml",
                cluster_name=self.elasticsearch_cluster_name,
                node_name=f"citizeninfo-{topology.name}-{n + 1}" if several else "citizeninfo-dev-1",
                port=topology.elasticsearch_ports()[n],
                transport_port=transport_ports[n],
                data=p.data / name,
                logs=p.logs / name,
                seed_hosts=[f"127.0.0.1:{port}" for port in transport_ports] if several else [],
                initial_master_nodes=[f"citizeninfo-{topology.name}-{m + 1}" for m in range(len(es_names))],
            )

        # The gateway: this machine's part rendered, the routes shared with compose and Kubernetes beside it.
        install_shared_gateway_files(p.repo, p.conf)
        upstreams = [{"name": s.name.replace("-", "_"), "ports": topology.replica_ports(s)} for s in SERVICES]
        self._render(
            "nginx.conf.j2",
            p.conf / "nginx.conf",
            run=p.run,
            logs=p.logs,
            port=GATEWAY_PORT,
            upstreams=upstreams,
            user=unprivileged_user,
            web_root=p.repo / "web" / "dist",
        )

        scrape_jobs = [
            {"name": name, "path": "/metrics", "target": f"127.0.0.1:{port}"}
            for s in SERVICES
            for name, port in zip(topology.replica_names(s), topology.replica_ports(s), strict=True)
        ]
        scrape_jobs += [
            {"name": name, "path": "/metrics", "target": f"127.0.0.1:{port}"}
            for name, port in zip(topology.worker_names(), topology.worker_web_ports(), strict=True)
        ]
        scrape_jobs += [
            {"name": "ferretdb", "path": "/debug/metrics", "target": f"127.0.0.1:{FERRETDB_DEBUG_PORT}"},
            {"name": "prometheus", "path": "/metrics", "target": f"127.0.0.1:{PROMETHEUS_PORT}"},
        ]
        self._render(
            "prometheus.yml.j2",
            p.conf / "prometheus.yml",
            scrape_jobs=scrape_jobs,
            rules=p.repo / "deploy" / "prometheus" / "rules",
        )

        programs = [
            *infrastructure_programs(p, unprivileged_user, topology),
            *service_programs(p, secrets, topology),
            *edge_programs(p),
        ]
        for program in programs:  # e.g. each stream worker's own working directory
            program.directory.mkdir(parents=True, exist_ok=True)
        self._render(
            "supervisord.conf.j2",
            p.supervisor_conf,
            mode=0o600,  # it holds every service's secrets
            run=p.run,
            logs=p.logs,
            programs=[
                {
                    "name": g.name,
                    "command": g.command,
                    "directory": g.directory,
                    "user": g.user,
                    "startsecs": g.startsecs,
                    "stopwaitsecs": g.stopwaitsecs,
                    "environment": g.supervisor_environment(),
                }
                for g in programs
            ],
        )
        if unprivileged_user:
            for owned in (
                *(p.conf / name for name in es_names),
                *(p.data / name for name in es_names),
                *(p.logs / name for name in es_names),
                p.run / "nginx",
                p.postgres_socket_dir,
            ):
                subprocess.run(["chown", "-R", f"{unprivileged_user}:{unprivileged_user}", str(owned)], check=True)
        return programs

    def _as_user(self, user: str | None, command: list[str]) -> list[str]:
        return ["runuser", "-u", user, "--", *command] if user else command

    def init_postgres_storage(self, user: str | None) -> None:
        data = self.paths.postgres_data
        if (data / "PG_VERSION").exists():
            return
        data.mkdir(parents=True, exist_ok=True)
        if user:
            subprocess.run(["chown", f"{user}:{user}", str(data)], check=True)
        # Trust on loopback only: it listens on 127.0.0.1 and a socket only its user may open.
        initdb = [f"{postgres_bin()}/initdb", "-D", str(data), "-U", POSTGRES_USER, "--auth=trust", "-E", "UTF8"]
        subprocess.run(self._as_user(user, [*initdb, "--locale=C.UTF-8"]), check=True, capture_output=True)

    def prepare_ferretdb_database(self) -> None:
        """Creates FerretDB's database and installs the GIN-twin trigger (idempotent)."""
        psql = [f"{postgres_bin()}/psql", "-h", "127.0.0.1", "-p", str(POSTGRES_PORT), "-U", POSTGRES_USER]
        exists = subprocess.run(
            [*psql, "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{POSTGRES_DATABASE}'"],  # noqa: S608 - a constant
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(
                [*psql, "-d", "postgres", "-c", f"CREATE DATABASE {POSTGRES_DATABASE}"], check=True, capture_output=True
            )
        subprocess.run(
            [
                *psql,
                "-d",
                POSTGRES_DATABASE,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-f",
                str(self.paths.templates / "postgres-ferretdb.sql"),
            ],
            check=True,
            capture_output=True,
        )

    @property
    def elasticsearch_cluster_name(self) -> str:
        return "citizeninfo-dev" if self.topology is SINGLE else f"citizeninfo-{self.topology.name}"

    def format_kafka_storage(self) -> None:
        """Formats each Kafka node's storage once, every node with the same cluster id."""
        names = self.topology.kafka_names()
        if all((self.paths.data / name / "meta.properties").exists() for name in names):
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        for name in names:
            shutil.rmtree(self.paths.data / name, ignore_errors=True)  # a half-formatted cluster starts over
            subprocess.run(
                [
                    f"{java17_home()}/bin/java",
                    "-cp",
                    f"{self.paths.kafka_libs}/*",
                    "kafka.tools.StorageTool",
                    "format",
                    # One `=` word: an id may start with "-" (base64url), which a separate word would make an option.
                    f"--cluster-id={cluster_id}",
                    "-c",
                    str(self.paths.conf / f"{name}.properties"),
                ],
                check=True,
                capture_output=True,
            )

    # ---------------------------------------------------------------------------------- lifecycle
    def _wait(self, what: str, check: Callable[[], object], seconds: float, log_name: str) -> None:
        with self.console.status(f"waiting for {what} …"):
            started = time.monotonic()
            try:
                for attempt in Retrying(
                    stop=stop_after_delay(seconds),
                    wait=wait_fixed(0.5),
                    retry=retry_if_exception_type(Exception),
                    reraise=True,
                ):
                    with attempt:
                        check()
            except Exception as error:
                log = self.paths.logs / f"{log_name}.log"
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:]) if log.exists() else ""
                raise RuntimeError(f"{what} not ready after {seconds:.0f}s: {error!r}\n{log}:\n{tail}") from error
        self.console.print(f"  [green]✓[/] {what} ready ({time.monotonic() - started:.1f}s)")

    def is_up(self) -> bool:
        if not supervisor.supervisord_running(self.paths):
            return False
        if any(state != "RUNNING" for state in supervisor.process_states(self.paths).values()):
            return False
        try:
            checks.gateway_ready()
        except Exception:
            return False
        return True

    def up(self) -> None:
        started = time.monotonic()
        topology = self.topology
        secrets = self.secrets()
        if self.is_up():
            self._guard_virtual_reader()
            ensure_web_build(self.paths, self.console)  # nginx serves web/dist: a rebuild needs no restart
            self.console.print(f"[green]{self.name} is already up.[/]")
            self.summary(secrets)
            return
        if compose.is_up():
            raise RuntimeError("the compose stack is running: run `make compose-down` first (both use the same ports)")
        if supervisor.supervisord_running(self.other().paths):
            other = "make cluster-down" if topology is SINGLE else "make down"
            raise RuntimeError(f"{self.other().name} is running: run `{other}` first (both use the same ports)")
        user = install_all(self.paths, self.console)
        ensure_web_build(self.paths, self.console)
        self.configure(user, secrets)
        self.format_kafka_storage()
        self.init_postgres_storage(user)
        supervisor.start_supervisord(self.paths)
        supervisor.start(self.paths, "postgres")
        self._wait("PostgreSQL", checks.postgres_ready, 60, "postgres")
        self.prepare_ferretdb_database()
        names = [g.name for g in infrastructure_programs(self.paths, user, topology) if g.name != "postgres"]
        self._guard_virtual_reader()
        supervisor.start(self.paths, *names)
        brokers = topology.kafka_nodes
        self._wait(
            f"Kafka ({brokers} node{'s' if brokers > 1 else ''})",
            lambda: checks.kafka_ready(topology.kafka_bootstrap, brokers=brokers),
            120 * brokers,
            topology.kafka_names()[0],
        )
        self._wait("MongoDB-wire server (FerretDB)", checks.mongodb_ready, 60, "ferretdb")
        es_nodes = topology.elasticsearch_nodes
        self._wait(
            f"Elasticsearch ({es_nodes} node{'s' if es_nodes > 1 else ''})",
            lambda: checks.elasticsearch_ready(nodes=es_nodes),
            240 * es_nodes,
            f"{topology.elasticsearch_names()[0]}/{self.elasticsearch_cluster_name}",
        )
        replication = KafkaSettings(
            kafka_bootstrap_servers=topology.kafka_bootstrap,
            kafka_topic_replication_factor=topology.topic_replication_factor,
            kafka_min_insync_replicas=topology.min_insync_replicas,
        )
        created = ensure_topics(topology.kafka_bootstrap, security=replication)
        self.console.print(f"  [green]✓[/] topics ready ({len(created)} created)")
        services = [name for spec in SERVICES for name in topology.replica_names(spec)]
        supervisor.start(self.paths, *services, *topology.worker_names())
        for spec in SERVICES:
            for name, port in zip(topology.replica_names(spec), topology.replica_ports(spec), strict=True):
                self._wait(name, lambda port=port: checks.service_ready(port), 90, name)
        for name, port in zip(topology.worker_names(), topology.worker_web_ports(), strict=True):
            self._wait(name.replace("-", " "), lambda port=port: checks.stats_worker_ready(port), 120, name)
        supervisor.start(self.paths, "nginx", "prometheus")
        self._wait("API gateway", checks.gateway_ready, 60, "nginx-error")
        self._wait("Prometheus", checks.prometheus_ready, 60, "prometheus")
        self.console.print(f"[bold green]{self.name} is up[/] in {time.monotonic() - started:.0f}s.")
        self.summary(secrets)

    def summary(self, secrets: dict[str, str]) -> None:
        title = "CITIZENinfo — native stack" if self.topology is SINGLE else "CITIZENinfo — replicated cluster"
        table = Table(title=title, show_header=False)
        table.add_row("API gateway", f"http://127.0.0.1:{GATEWAY_PORT}")
        if self.topology is not SINGLE:
            table.add_row("Kafka", self.topology.kafka_bootstrap)
            table.add_row("Elasticsearch", self.topology.elasticsearch_url)
        table.add_row("admin user", secrets["admin_user"])
        table.add_row("admin password", secrets["admin_password"])
        table.add_row("Prometheus", f"http://127.0.0.1:{PROMETHEUS_PORT}")
        table.add_row("logs", str(self.paths.logs))
        self.console.print(table)

    def _guard_virtual_reader(self) -> None:
        if os.geteuid() == 0 and self.topology is SINGLE:  # pcscd (and its virtual reader) runs only as root
            virtual_reader.guard()

    def down(self) -> None:
        if os.geteuid() == 0 and self.topology is SINGLE:
            virtual_reader.unguard()
        where = self.paths.data.relative_to(self.paths.repo)
        if supervisor.shutdown(self.paths):
            self.console.print(f"{self.name} stopped; data kept in {where}.")
        else:
            self.console.print(f"{self.name} was not running.")

    def clean(self) -> None:
        self.down()
        if self.topology is not SINGLE:
            shutil.rmtree(self.paths.run, ignore_errors=True)
            self.console.print(f"Removed {self.paths.run.relative_to(self.paths.repo)}.")
            return
        for name in ("data", "logs", "conf", "nginx", "secrets.json", CLUSTER.run_subdirectory):
            target = self.paths.run / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        self.console.print("Removed runtime data under .run/ (downloads stay cached).")

    def status(self) -> dict[str, str]:
        if not supervisor.supervisord_running(self.paths):
            return {}
        return supervisor.process_states(self.paths)
