"""Fetches what the native stack runs, once, into the cache outside the repository."""

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from rich.console import Console

from citizeninfo_devstack import system_packages
from citizeninfo_devstack.paths import ELASTICSEARCH_VERSION, FERRETDB_VERSION, StackPaths

SERVICE_USER = "citizeninfo"


def _run(command: list[str], **kwargs: object) -> None:
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def ensure_system_packages(console: Console) -> None:
    """The `up` step of deploy/system-packages.txt (a no-op after `make up` installed them first)."""
    system_packages.ensure_packages("up", say=lambda line: console.print(f"[bold]{line}[/]"))


def ensure_service_user() -> str | None:
    """Elasticsearch refuses to run as root, so as root we run it as an unprivileged system user."""
    if os.geteuid() != 0:
        return None
    if subprocess.run(["id", "-u", SERVICE_USER], capture_output=True).returncode != 0:
        _run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER])
    return SERVICE_USER


def ensure_kafka(paths: StackPaths, console: Console) -> None:
    if paths.kafka_libs.is_dir() and any(paths.kafka_libs.glob("kafka_2.13-*.jar")):
        return
    console.print("Fetching the Apache Kafka broker from Maven Central …")
    staging = paths.kafka_libs.with_name("libs.partial")
    shutil.rmtree(staging, ignore_errors=True)
    _run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(paths.repo / "deploy/local/kafka/pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
        ]
    )
    staging.rename(paths.kafka_libs)


def fetch_elasticsearch(paths: StackPaths, console: Console) -> None:
    if not paths.elasticsearch_zip.exists():
        console.print("Fetching Elasticsearch from Maven Central …")
        _run(
            [
                "mvn",
                "-q",
                "-B",
                "dependency:copy",
                f"-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ELASTICSEARCH_VERSION}:zip",
                f"-DoutputDirectory={paths.elasticsearch_zip.parent}",
            ],
            cwd=paths.cache,
        )


def ensure_elasticsearch(paths: StackPaths, console: Console, owner: str | None) -> None:
    fetch_elasticsearch(paths, console)
    if not (paths.elasticsearch_home / "bin" / "elasticsearch").exists():
        console.print("Unpacking Elasticsearch …")
        staging = paths.elasticsearch_home.with_name("elasticsearch.partial")
        shutil.rmtree(staging, ignore_errors=True)
        with zipfile.ZipFile(paths.elasticsearch_zip) as archive:
            for member in archive.infolist():
                target = Path(archive.extract(member, staging))
                mode = member.external_attr >> 16
                if mode:
                    target.chmod(mode & 0o7777)
        (staging / f"elasticsearch-{ELASTICSEARCH_VERSION}").rename(paths.elasticsearch_home)
        shutil.rmtree(staging, ignore_errors=True)
    if owner:
        _run(["chown", "-R", f"{owner}:{owner}", str(paths.elasticsearch_home)])


def ensure_ferretdb(paths: StackPaths, console: Console) -> None:
    if paths.ferretdb_binary.exists():
        return
    console.print(f"Building FerretDB v{FERRETDB_VERSION} with go (a few minutes, once) …")
    module = f"github.com/FerretDB/FerretDB@v{FERRETDB_VERSION}"
    # `go install pkg@version` asks the proxy for the module's version list, which it refuses for
    # this module; downloading the exact version and building it from the module cache works.
    downloaded = subprocess.run(["go", "mod", "download", "-json", module], check=True, capture_output=True, text=True)
    # The module cache is read-only and lacks the generated version files the binary embeds.
    source = paths.cache / f"ferretdb-{FERRETDB_VERSION}-src"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(json.loads(downloaded.stdout)["Dir"], source)
    for directory in [source, *(d for d in source.rglob("*") if d.is_dir())]:
        directory.chmod(0o755)
    version_dir = source / "build" / "version"
    (version_dir / "version.txt").write_text(f"v{FERRETDB_VERSION}\n")
    (version_dir / "package.txt").write_text("citizeninfo-devstack\n")
    paths.ferretdb_binary.parent.mkdir(parents=True, exist_ok=True)
    partial = paths.ferretdb_binary.with_suffix(".partial")
    _run(["go", "build", "-trimpath", "-o", str(partial), "./cmd/ferretdb"], cwd=source)
    partial.rename(paths.ferretdb_binary)
    shutil.rmtree(source, ignore_errors=True)


def install_artifacts(paths: StackPaths, console: Console) -> None:
    """The upstream servers the infrastructure images are built from (`make images`)."""
    paths.cache.mkdir(parents=True, exist_ok=True)
    ensure_kafka(paths, console)
    fetch_elasticsearch(paths, console)
    ensure_ferretdb(paths, console)


def install_all(paths: StackPaths, console: Console) -> str | None:
    problems = system_packages.prerequisite_problems("up")
    if problems:
        raise RuntimeError("missing prerequisites:\n  - " + "\n  - ".join(problems))
    paths.cache.mkdir(parents=True, exist_ok=True)
    paths.run.mkdir(parents=True, exist_ok=True)
    ensure_system_packages(console)
    owner = ensure_service_user()
    ensure_kafka(paths, console)
    ensure_elasticsearch(paths, console, owner)
    ensure_ferretdb(paths, console)
    return owner
