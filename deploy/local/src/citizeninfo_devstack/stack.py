"""`make up` / `make down` / `make clean`: the whole system, natively, supervised, in order."""

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
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rich.console import Console
from rich.table import Table
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from citizeninfo_devstack import checks, compose, supervisor, virtual_reader
from citizeninfo_devstack.install import install_all
from citizeninfo_devstack.paths import StackPaths, java17_home, postgres_bin
from citizeninfo_devstack.programs import (
    ELASTICSEARCH_PORT,
    ELASTICSEARCH_TRANSPORT_PORT,
    FERRETDB_DEBUG_PORT,
    GATEWAY_PORT,
    KAFKA_CONTROLLER_PORT,
    KAFKA_PORT,
    POSTGRES_DATABASE,
    POSTGRES_PORT,
    POSTGRES_USER,
    PROMETHEUS_PORT,
    SERVICES,
    STATS_WORKER_WEB_PORT,
    Program,
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
    def __init__(self, paths: StackPaths | None = None, console: Console | None = None) -> None:
        self.paths = paths or StackPaths.discover()
        self.console = console or Console()

    # ----------------------------------------------------------------------------------- secrets
    def secrets(self) -> dict[str, str]:
        """Development secrets, made once per checkout; the admin password may come from the env."""
        store = self.paths.run / "secrets.json"
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
        p = self.paths
        for directory in (
            p.conf,
            p.logs,
            p.data / "kafka",
            p.data / "ferretdb-state",
            p.postgres_socket_dir,
            p.data / "prometheus",
            p.data / "faust",
            p.data / "elasticsearch",
            p.logs / "elasticsearch",
            p.run / "nginx",
        ):
            directory.mkdir(parents=True, exist_ok=True)
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (p.run / "nginx" / temp).mkdir(exist_ok=True)

        self._render(
            "kafka.properties.j2",
            p.conf / "kafka.properties",
            port=KAFKA_PORT,
            controller_port=KAFKA_CONTROLLER_PORT,
            data=p.data / "kafka",
        )
        shutil.copyfile(p.templates / "kafka-log4j2.yaml", p.conf / "kafka-log4j2.yaml")

        es_conf = p.conf / "elasticsearch"
        if not (es_conf / "jvm.options").exists():
            shutil.copytree(p.elasticsearch_home / "config", es_conf, dirs_exist_ok=True)
        self._render(
            "elasticsearch.yml.j2",
            es_conf / "elasticsearch.yml",
            port=ELASTICSEARCH_PORT,
            transport_port=ELASTICSEARCH_TRANSPORT_PORT,
            data=p.data / "elasticsearch",
            logs=p.logs / "elasticsearch",
        )

        # The gateway: this machine's part rendered, the routes shared with compose and Kubernetes beside it.
        install_shared_gateway_files(p.repo, p.conf)
        upstreams = [{"name": s.name.replace("-", "_"), "port": s.port} for s in SERVICES]
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

        scrape_jobs = [{"name": s.name, "path": "/metrics", "target": f"127.0.0.1:{s.port}"} for s in SERVICES]
        scrape_jobs += [
            {"name": "stats-worker", "path": "/metrics", "target": f"127.0.0.1:{STATS_WORKER_WEB_PORT}"},
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
            *infrastructure_programs(p, unprivileged_user),
            *service_programs(p, secrets),
            *edge_programs(p),
        ]
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
                es_conf,
                p.data / "elasticsearch",
                p.logs / "elasticsearch",
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

    def format_kafka_storage(self) -> None:
        if (self.paths.data / "kafka" / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
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
                str(self.paths.conf / "kafka.properties"),
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
        secrets = self.secrets()
        if self.is_up():
            self._guard_virtual_reader()
            ensure_web_build(self.paths, self.console)  # nginx serves web/dist: a rebuild needs no restart
            self.console.print("[green]CITIZENinfo is already up.[/]")
            self.summary(secrets)
            return
        if compose.is_up():
            raise RuntimeError("the compose stack is running: run `make compose-down` first (both use the same ports)")
        user = install_all(self.paths, self.console)
        ensure_web_build(self.paths, self.console)
        self.configure(user, secrets)
        self.format_kafka_storage()
        self.init_postgres_storage(user)
        supervisor.start_supervisord(self.paths)
        supervisor.start(self.paths, "postgres")
        self._wait("PostgreSQL", checks.postgres_ready, 60, "postgres")
        self.prepare_ferretdb_database()
        names = [g.name for g in infrastructure_programs(self.paths, user) if g.name != "postgres"]
        self._guard_virtual_reader()
        supervisor.start(self.paths, *names)
        self._wait("Kafka", checks.kafka_ready, 120, "kafka")
        self._wait("MongoDB-wire server (FerretDB)", checks.mongodb_ready, 60, "ferretdb")
        self._wait("Elasticsearch", checks.elasticsearch_ready, 240, "elasticsearch/citizeninfo-dev")
        created = ensure_topics(checks.KAFKA_BOOTSTRAP)
        self.console.print(f"  [green]✓[/] topics ready ({len(created)} created)")
        supervisor.start(self.paths, *(s.name for s in SERVICES), "stats-worker")
        for spec in SERVICES:
            self._wait(spec.name, lambda port=spec.port: checks.service_ready(port), 90, spec.name)
        self._wait("stats worker", checks.stats_worker_ready, 120, "stats-worker")
        supervisor.start(self.paths, "nginx", "prometheus")
        self._wait("API gateway", checks.gateway_ready, 60, "nginx-error")
        self._wait("Prometheus", checks.prometheus_ready, 60, "prometheus")
        self.console.print(f"[bold green]CITIZENinfo is up[/] in {time.monotonic() - started:.0f}s.")
        self.summary(secrets)

    def summary(self, secrets: dict[str, str]) -> None:
        table = Table(title="CITIZENinfo — native stack", show_header=False)
        table.add_row("API gateway", f"http://127.0.0.1:{GATEWAY_PORT}")
        table.add_row("admin user", secrets["admin_user"])
        table.add_row("admin password", secrets["admin_password"])
        table.add_row("Prometheus", f"http://127.0.0.1:{PROMETHEUS_PORT}")
        table.add_row("logs", str(self.paths.logs))
        self.console.print(table)

    def _guard_virtual_reader(self) -> None:
        if os.geteuid() == 0:  # pcscd (and its virtual reader) runs only as root
            virtual_reader.guard()

    def down(self) -> None:
        if os.geteuid() == 0:
            virtual_reader.unguard()
        if supervisor.shutdown(self.paths):
            self.console.print("CITIZENinfo stopped; data kept in .run/data.")
        else:
            self.console.print("CITIZENinfo was not running.")

    def clean(self) -> None:
        self.down()
        for name in ("data", "logs", "conf", "nginx", "secrets.json"):
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
