"""The infrastructure images built here, for machines where no image registry is reachable.

Each stands in for an official image of docker-compose.yml (deploy/compose/local-images.yml swaps them
in) and is built from the same artifacts `make up` already keeps in the cache, so building needs no
download beyond Debian packages. images.py builds each one:

    image.stage(paths, context)
    docker build -f <context>/Dockerfile --build-arg BASE_IMAGE=... -t <image.tag> <context>
"""

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from citizeninfo_devstack.paths import ELASTICSEARCH_VERSION, FERRETDB_VERSION, KAFKA_VERSION, StackPaths

REGISTRY = "localhost/citizeninfo"

# What a build context holds besides deploy/images/<name>/: context name → file or directory in the
# cache or the repository (a directory is staged with its files, one level).
Artifacts = Callable[[StackPaths], Mapping[str, Path]]


def _no_artifacts(paths: StackPaths) -> Mapping[str, Path]:
    return {}


@dataclass(frozen=True)
class InfraImage:
    name: str
    tag: str
    artifacts: Artifacts = _no_artifacts

    def sources(self, paths: StackPaths) -> Path:
        """deploy/images/<name>/: the Dockerfile and its entrypoint scripts."""
        return paths.repo / "deploy" / "images" / self.name

    def dockerfile(self, paths: StackPaths) -> Path:
        return self.sources(paths) / "Dockerfile"

    def missing(self, paths: StackPaths) -> list[Path]:
        return [source for source in self.artifacts(paths).values() if not source.exists()]

    def stage(self, paths: StackPaths, context: Path) -> None:
        """Fills an empty build context: the files of deploy/images/<name>/, then the artifacts."""
        missing = self.missing(paths)
        if missing:
            raise FileNotFoundError(
                f"{self.name} image needs {', '.join(map(str, missing))} (install.install_artifacts fetches it)"
            )
        context.mkdir(parents=True, exist_ok=True)
        for source in self.sources(paths).iterdir():
            if source.is_file():
                shutil.copy2(source, context / source.name)
        for name, source in self.artifacts(paths).items():
            if source.is_dir():
                (context / name).mkdir()
                for member in source.iterdir():
                    _link_or_copy(member, context / name / member.name)
            else:
                _link_or_copy(source, context / name)


def _link_or_copy(source: Path, target: Path) -> None:
    # A hard link costs nothing for the 100 MB of jars and zip; across filesystems it must be a copy.
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _kafka(paths: StackPaths) -> Mapping[str, Path]:
    # The same log4j2 configuration as the native broker: one place to change it.
    return {"libs": paths.kafka_libs, "log4j2.yaml": paths.templates / "kafka-log4j2.yaml"}


def _elasticsearch(paths: StackPaths) -> Mapping[str, Path]:
    # The zip, unpacked inside the build: one file to send instead of thousands.
    return {"elasticsearch.zip": paths.elasticsearch_zip}


def _postgres(paths: StackPaths) -> Mapping[str, Path]:
    return {"postgres-ferretdb.sql": paths.templates / "postgres-ferretdb.sql"}


def _ferretdb(paths: StackPaths) -> Mapping[str, Path]:
    return {"ferretdb": paths.ferretdb_binary}


KAFKA = InfraImage("kafka", f"{REGISTRY}/kafka:{KAFKA_VERSION}", _kafka)
ELASTICSEARCH = InfraImage("elasticsearch", f"{REGISTRY}/elasticsearch:{ELASTICSEARCH_VERSION}", _elasticsearch)
POSTGRES = InfraImage("postgres", f"{REGISTRY}/postgres:15", _postgres)
FERRETDB = InfraImage("ferretdb", f"{REGISTRY}/ferretdb:{FERRETDB_VERSION}", _ferretdb)
PROMETHEUS = InfraImage("prometheus", f"{REGISTRY}/prometheus:bookworm")

INFRA_IMAGES: tuple[InfraImage, ...] = (KAFKA, ELASTICSEARCH, POSTGRES, FERRETDB, PROMETHEUS)
