"""The CustomResourceDefinitions of the operators deploy/k8s relies on, at pinned versions, cached outside
the repository (`make crds`, run by `make test-unit`; deploy/tests validates every custom resource against them).

- Strimzi publishes no CRD YAML on Maven Central, but its model classes (io.strimzi:api) and the generator it
  builds its CRDs with (io.strimzi:crd-generator) are there: Maven fetches both, and the generator runs over
  the classes as Strimzi's own api/pom.xml runs it (Java 21 or newer: the jars are Java 21 bytecode).
- ECK, the MongoDB Community operator and KEDA: their Go module zips from the Go module proxy hold the CRDs
  (KEDA's with the patches of its config/crd kustomization applied, as its release applies them).

Every download and generated file is checked against a pinned SHA-256. Usage: python deploy/fetch_crds.py [CACHE]
(default: $CITIZENINFO_CACHE_DIR, else $XDG_CACHE_HOME/citizeninfo, else ~/.cache/citizeninfo; CRDs under crds/).
"""

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

GO_PROXY = "https://proxy.golang.org"
STRIMZI_VERSION = "1.2.0"
# Maven's default copy-dependencies (2.8 with Maven 3.8) is older than the repository layout it reads.
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# The classes and output files of Strimzi's api/pom.xml (generate-crd-co-install-v1), v1 the only version.
STRIMZI_CRDS = {
    "io.strimzi.api.kafka.model.kafka.Kafka": (
        "040-Crd-kafka.yaml",
        "b5b27fc8d52068a77cde7c40d47c068023c7b4e92fc266c45200db2d2506392a",
    ),
    "io.strimzi.api.kafka.model.user.KafkaUser": (
        "044-Crd-kafkauser.yaml",
        "c7e91b9b027a516b43dc7d369e781ee23a6ea177ae15fe0c33af6f722e26e05f",
    ),
    "io.strimzi.api.kafka.model.nodepool.KafkaNodePool": (
        "045-Crd-kafkanodepool.yaml",
        "411c1b32ef8c1a6408ac9d4fe791115a6ce2b41107204588f976a3ed19be2430",
    ),
}
STRIMZI_GENERATOR_ARGUMENTS = [
    "io.strimzi.crdgenerator.CrdGenerator",
    "--label", "app:strimzi",
    "--label", "strimzi.io/crd-install:true",
    "--target-kube", "1.16+",
    "--crd-api-version", "v1",
    "--api-versions", "v1",
    "--storage-version", "v1",
    "--yaml",
]  # fmt: skip


@dataclass(frozen=True)
class GoModuleCrds:
    """CRD files inside a Go module's zip on the module proxy."""

    name: str  # the cache directory's name
    module: str
    version: str
    zip_sha256: str
    files: tuple[str, ...]  # paths inside the module
    kustomization: str | None = None  # a directory of the module to render with kustomize instead


GO_MODULES = (
    GoModuleCrds(
        "eck",
        "github.com/elastic/cloud-on-k8s/v3",
        "v3.5.0",
        "a52a4b306f7d08f70fc93ac6cca1c1cfc8fb2faef1ceae80ec95a8a099d02809",
        # The file ECK releases as crds.yaml (its patches applied: no pod template schema).
        ("config/crds/v1/all-crds.yaml",),
    ),
    # The Community operator's last release. Its successor github.com/mongodb/mongodb-kubernetes tags its
    # releases without a "v" (1.10.0), so the proxy serves none; its mongodbcommunity.mongodb.com/v1 CRD
    # is this one plus spec.clusterDomain and spec.memberConfig, neither of which deploy/k8s uses.
    GoModuleCrds(
        "mongodb-community",
        "github.com/mongodb/mongodb-kubernetes-operator",
        "v0.9.0",
        "a6fcc02182b03503134c1289f5b60d8ba720bad9c8e25dee1685e2a536a44220",
        ("config/crd/bases/mongodbcommunity.mongodb.com_mongodbcommunity.yaml",),
    ),
    GoModuleCrds(
        "keda",
        "github.com/kedacore/keda/v2",
        "v2.21.0",
        "74b59fe16144250748b716d6dc8789dee52d26164daab732145bed60456013a4",
        ("config/crd/kustomization.yaml",),
        kustomization="config/crd",
    ),
)


def default_cache() -> Path:
    root = os.environ.get("CITIZENINFO_CACHE_DIR")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citizeninfo"


def crd_directories(cache: Path) -> list[Path]:
    """Where each pinned source's CRDs are (each holds only CRD YAML files once fetched)."""
    crds = cache / "crds"
    return [crds / f"strimzi-{STRIMZI_VERSION}"] + [crds / f"{m.name}-{m.version}" for m in GO_MODULES]


def is_complete(directory: Path) -> bool:
    return (directory / ".complete").is_file()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_java(minimum_major: int = 21) -> str:
    """A java of at least that major version: $JAVA_HOME's, the one on PATH, or one under /usr/lib/jvm."""
    candidates = [Path(os.environ["JAVA_HOME"]) / "bin" / "java"] if os.environ.get("JAVA_HOME") else []
    on_path = shutil.which("java")
    candidates += [Path(on_path)] if on_path else []
    candidates += sorted(Path("/usr/lib/jvm").glob("*/bin/java"), reverse=True)
    for java in candidates:
        if not java.is_file():
            continue
        result = subprocess.run([str(java), "-version"], capture_output=True, text=True)  # noqa: S603
        match = re.search(r'version "(\d+)', result.stderr)
        if match and int(match.group(1)) >= minimum_major:
            return str(java)
    raise SystemExit(f"Strimzi's crd-generator {STRIMZI_VERSION} needs Java {minimum_major} or newer; none found")


def find_kustomize() -> list[str]:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    raise SystemExit("KEDA's CRDs are rendered with kustomize: install kustomize or kubectl")


def generate_strimzi(target: Path) -> None:
    """Maven fetches io.strimzi:api and io.strimzi:crd-generator with their dependencies; the generator
    writes the v1 CRDs of the model classes, byte for byte the ones Strimzi ships."""
    java = find_java()
    work = target.parent / f".strimzi-{STRIMZI_VERSION}-build"
    work.mkdir(parents=True, exist_ok=True)
    dependencies = "".join(
        f"<dependency><groupId>io.strimzi</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{STRIMZI_VERSION}</version></dependency>"
        for artifact in ("api", "crd-generator")
    )
    (work / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>citizeninfo</groupId><artifactId>strimzi-crds</artifactId><version>0</version>"
        f"<dependencies>{dependencies}</dependencies></project>\n"
    )
    maven = shutil.which("mvn")
    if maven is None:
        raise SystemExit("Strimzi's CRDs are generated from its Maven artifacts: install Maven (mvn)")
    copy_dependencies = [
        maven, "-B", "-q", "-Dstyle.color=never", f"-Dmaven.repo.local={work / 'repository'}",
        "-f", str(work / "pom.xml"),
        f"{MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={work / 'lib'}",
    ]  # fmt: skip
    subprocess.run(copy_dependencies, check=True)  # noqa: S603
    staging = Path(tempfile.mkdtemp(dir=target.parent))
    outputs = [f"{cls}={staging / name}" for cls, (name, _) in STRIMZI_CRDS.items()]
    generate = [java, "-cp", str(work / "lib" / "*"), *STRIMZI_GENERATOR_ARGUMENTS, *outputs]
    subprocess.run(generate, check=True)  # noqa: S603
    for name, expected in STRIMZI_CRDS.values():
        actual = sha256((staging / name).read_bytes())
        if actual != expected:
            raise SystemExit(f"generated {name} has SHA-256 {actual}, not the pinned {expected}")
    finish(staging, target)
    shutil.rmtree(work)  # the jars are not needed once the CRDs exist


def fetch_go_module(module: GoModuleCrds, target: Path) -> None:
    url = f"{GO_PROXY}/{module.module.lower()}/@v/{module.version}.zip"
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - a fixed https URL
        data = response.read()
    if sha256(data) != module.zip_sha256:
        raise SystemExit(f"{url} has SHA-256 {sha256(data)}, not the pinned {module.zip_sha256}")
    prefix = f"{module.module}@{module.version}/"
    staging = Path(tempfile.mkdtemp(dir=target.parent))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if module.kustomization is None:
            for path in module.files:
                (staging / Path(path).name).write_bytes(archive.read(prefix + path))
        else:
            source = staging / "source"
            for entry in archive.namelist():
                relative = entry.removeprefix(prefix)
                if entry.startswith(prefix) and relative.startswith(module.kustomization + "/"):
                    (source / relative).parent.mkdir(parents=True, exist_ok=True)
                    (source / relative).write_bytes(archive.read(entry))
            rendered = subprocess.run(  # noqa: S603
                [*find_kustomize(), str(source / module.kustomization)], check=True, capture_output=True, text=True
            ).stdout
            shutil.rmtree(source)
            (staging / "crds.yaml").write_text(rendered)
    finish(staging, target)


def finish(staging: Path, target: Path) -> None:
    """Moves a finished directory into place, so that a fetch cut short leaves nothing that looks done."""
    for path in staging.glob("*.yaml"):
        kinds = {d.get("kind") for d in yaml.safe_load_all(path.read_text()) if d}
        if kinds != {"CustomResourceDefinition"}:
            raise SystemExit(f"{path.name} holds {kinds}, not only CustomResourceDefinitions")
    (staging / ".complete").write_text("")
    staging.chmod(0o755)  # mkdtemp makes it private
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def ensure_crds(cache: Path) -> list[Path]:
    """Fetches (or generates) whatever is not cached yet; returns the CRD directories."""
    strimzi, *go_targets = crd_directories(cache)
    strimzi.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    fetched = []
    if not is_complete(strimzi):
        generate_strimzi(strimzi)
        fetched.append(strimzi.name)
    for module, target in zip(GO_MODULES, go_targets, strict=True):
        if not is_complete(target):
            fetch_go_module(module, target)
            fetched.append(target.name)
    if fetched:
        print(f"CRDs fetched into {strimzi.parent}: {', '.join(fetched)} ({time.monotonic() - started:.0f} s)")
    return [strimzi, *go_targets]


if __name__ == "__main__":
    ensure_crds(Path(sys.argv[1]) if len(sys.argv) > 1 else default_cache())
