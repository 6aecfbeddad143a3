"""Where the native stack keeps things: downloads outside the repo, runtime data under `.run/`."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

KAFKA_VERSION = "4.3.1"
ELASTICSEARCH_VERSION = "8.19.21"
FERRETDB_VERSION = "1.24.0"


def _repo_root() -> Path:
    # deploy/local/src/citizeninfo_devstack/paths.py → the repository root is four levels up.
    return Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class StackPaths:
    repo: Path
    cache: Path
    # Where a topology keeps its configuration, logs and data: `.run/` for `make up`; the replicated
    # cluster of `make cluster-up` (cluster.py) keeps its own under `.run/cluster/`.
    run_subdirectory: str = ""

    @classmethod
    def discover(cls) -> "StackPaths":
        cache = os.environ.get("CITIZENINFO_CACHE_DIR") or (
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "citizeninfo"
        )
        return cls(repo=_repo_root(), cache=Path(cache))

    @property
    def templates(self) -> Path:
        return self.repo / "deploy" / "local" / "templates"

    @property
    def run(self) -> Path:
        return self.repo / ".run" / self.run_subdirectory if self.run_subdirectory else self.repo / ".run"

    def topology(self, run_subdirectory: str) -> "StackPaths":
        return StackPaths(self.repo, self.cache, run_subdirectory)

    @property
    def secrets_file(self) -> Path:
        """One set of development secrets for every topology of this checkout (the tests read it)."""
        return self.repo / ".run" / "secrets.json"

    @property
    def data(self) -> Path:
        return self.run / "data"

    @property
    def logs(self) -> Path:
        return self.run / "logs"

    @property
    def conf(self) -> Path:
        return self.run / "conf"

    @property
    def venv_bin(self) -> Path:
        return self.repo / ".venv" / "bin"

    @property
    def kafka_libs(self) -> Path:
        return self.cache / f"kafka-{KAFKA_VERSION}" / "libs"

    @property
    def elasticsearch_zip(self) -> Path:
        return self.cache / "downloads" / f"elasticsearch-{ELASTICSEARCH_VERSION}.zip"

    @property
    def elasticsearch_home(self) -> Path:
        # Unpacked inside .run/ so the unprivileged user that runs it can read it; every topology runs it.
        return self.repo / ".run" / f"elasticsearch-{ELASTICSEARCH_VERSION}"

    @property
    def ferretdb_binary(self) -> Path:
        return self.cache / "bin" / f"ferretdb-{FERRETDB_VERSION}"

    @property
    def postgres_data(self) -> Path:
        return self.data / "postgres"

    @property
    def postgres_socket_dir(self) -> Path:
        return self.run / "postgres"

    @property
    def supervisor_conf(self) -> Path:
        return self.conf / "supervisord.conf"


def postgres_bin() -> Path:
    """The newest PostgreSQL server Debian installed (the postgresql package)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise RuntimeError("PostgreSQL is required: install the postgresql package")
    return versions[-1].parent


def java17_home() -> Path:
    """Elasticsearch and Kafka run on the machine's Java 17 (no bundled JDK)."""
    configured = os.environ.get("CITIZENINFO_JAVA_HOME")
    if configured:
        return Path(configured)
    debian = Path("/usr/lib/jvm/java-17-openjdk-amd64")
    if debian.exists():
        return debian
    java = shutil.which("java")
    if not java:
        raise RuntimeError("Java 17 is required: install openjdk-17-jre-headless")
    return Path(java).resolve().parents[1]
