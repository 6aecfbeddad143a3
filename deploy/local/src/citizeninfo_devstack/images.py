"""`make images`: every image the compose stack runs, built on this machine (no registry is reachable).

The services, the topics job and the web client build from their own Dockerfiles, which name the
official bases by default; here those bases are replaced by ones built from Debian (debootstrap) and
the uv wheel. The infrastructure comes from the artifacts the native stack already downloads
(infra_images). BuildKit caches every layer in the engine's data root, outside the repository.
"""

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from citizeninfo_devstack import infra_images, install
from citizeninfo_devstack.engine import DOCKER, docker, engine_environment, ensure_engine
from citizeninfo_devstack.paths import StackPaths

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
UV_VERSION = "0.13.8"
UV_IMAGE = f"localhost/citizeninfo/uv:{UV_VERSION}"
NGINX_IMAGE = f"localhost/citizeninfo/nginx:{DEBIAN_SUITE}"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_TAG = "dev"


@dataclass(frozen=True)
class DebianImage:
    """Debian 12 minbase from debootstrap with a few packages, imported into the engine (built once)."""

    tag: str
    packages: tuple[str, ...]
    # Outbound HTTPS from these machines passes a proxy with its own CA: builds that fetch from PyPI
    # inside need the host's bundle (a runtime image on another machine would be built without it).
    trusts_host_ca: bool


# The base of every image built here: Python 3.11 for the services, apt for the rest.
DEBIAN = DebianImage(f"localhost/citizeninfo/debian:{DEBIAN_SUITE}", ("python3", "ca-certificates"), True)
# What a freshly made machine has before the project installs anything: Python 3.11 and make (the
# README's two commands); `make test-fresh-install` runs `make install` in it.
DEBIAN_FRESH = DebianImage(f"localhost/citizeninfo/debian12-fresh:{DEBIAN_SUITE}", ("python3", "make"), False)
DEBIAN_IMAGE = DEBIAN.tag


@dataclass(frozen=True)
class ProjectImage:
    """An image built from a Dockerfile of this repository, the repository root as its context."""

    tag: str
    dockerfile: str
    build_args: tuple[tuple[str, str], ...]


PYTHON_BASES = (("PYTHON_IMAGE", DEBIAN_IMAGE), ("UV_IMAGE", UV_IMAGE))
SERVICE_NAMES = ("pin-service", "nocopy-service", "feedback-service", "stats-service", "card-gateway")
PROJECT_IMAGES = (
    *(
        ProjectImage(f"citizeninfo/{name}:{IMAGE_TAG}", f"services/{name}/Dockerfile", PYTHON_BASES)
        for name in SERVICE_NAMES
    ),
    ProjectImage(f"citizeninfo/topics:{IMAGE_TAG}", "deploy/compose/topics.Dockerfile", PYTHON_BASES),
    # Debian 12's nginx (1.22) lacks `server ... resolve` (1.27.3): its upstreams resolve once, at start.
    # It listens on the host's loopback: local-images.yml runs it on the host's network (see there why).
    ProjectImage(
        f"citizeninfo/web:{IMAGE_TAG}",
        "web/Dockerfile",
        (("NGINX_IMAGE", NGINX_IMAGE), ("UPSTREAMS_RESOLVE", "no"), ("GATEWAY_LISTEN", "127.0.0.1:8080")),
    ),
)


def _image_exists(host: str, tag: str) -> bool:
    return docker(host, "image", "inspect", tag, check=False).returncode == 0


def ensure_debian_image(host: str, paths: StackPaths, image: DebianImage, say: Callable[[str], object]) -> str:
    if _image_exists(host, image.tag):
        return image.tag
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is missing: run `make prerequisites-check`")
    say(f"Building {image.tag} with debootstrap (about a minute, once) …")
    with tempfile.TemporaryDirectory(prefix="debootstrap-", dir=paths.cache) as root:
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(image.packages)}",
                DEBIAN_SUITE,
                root,
                DEBIAN_MIRROR,
            ],
            check=True,
            capture_output=True,
        )
        # The same apt sources a Debian 12 machine has (debootstrap writes only the main suite).
        (Path(root) / "etc/apt/sources.list").write_text(
            f"deb {DEBIAN_MIRROR} {DEBIAN_SUITE} main\n"
            f"deb {DEBIAN_MIRROR} {DEBIAN_SUITE}-updates main\n"
            f"deb http://deb.debian.org/debian-security {DEBIAN_SUITE}-security main\n"
        )
        for cached in (Path(root) / "var/cache/apt/archives").glob("*.deb"):
            cached.unlink()
        changes = ["--change", 'CMD ["/bin/bash"]']
        if image.trusts_host_ca and HOST_CA_BUNDLE.exists():
            shutil.copyfile(HOST_CA_BUNDLE, Path(root) / HOST_CA_BUNDLE.relative_to("/"))
            changes += ["--change", f"ENV SSL_CERT_FILE={HOST_CA_BUNDLE}"]
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            [DOCKER, "import", *changes, "-", image.tag],
            stdin=tar.stdout,
            env=engine_environment(host),
            check=True,
            capture_output=True,
        )
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap tree failed")
    return image.tag


def host_trust_mounts() -> list[str]:
    """For `docker run` of an image that does not trust the host's CA: lend it the host's bundle
    (read-only, at a path of its own) so pip and uv inside trust the proxy. apt uses plain HTTP."""
    if not HOST_CA_BUNDLE.exists():
        return []
    inside = "/run/host-ca/ca-certificates.crt"
    return [
        "--volume",
        f"{HOST_CA_BUNDLE}:{inside}:ro",
        "--env",
        f"SSL_CERT_FILE={inside}",
        "--env",
        f"PIP_CERT={inside}",
    ]


def ensure_uv_image(host: str, uv_binary: Path) -> None:
    """Stands in for ghcr.io/astral-sh/uv: the same /uv, taken from the pinned uv wheel's binary."""
    with tempfile.TemporaryDirectory(prefix="uv-image-") as context:
        shutil.copy2(uv_binary, Path(context) / "uv")
        (Path(context) / "Dockerfile").write_text("FROM scratch\nCOPY uv /uv\n")
        docker(host, "build", "--quiet", "-t", UV_IMAGE, context)


def _build(host: str, tag: str, dockerfile: Path, context: Path, build_args: Iterable[tuple[str, str]]) -> None:
    arguments = [argument for name, value in build_args for argument in ("--build-arg", f"{name}={value}")]
    result = docker(
        host, "build", "--progress=plain", "-f", str(dockerfile), "-t", tag, *arguments, str(context), check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"building {tag} failed:\n{result.stderr[-4000:]}")


def build_images(paths: StackPaths, console: Console) -> dict[str, float]:
    """Builds every image, bases first; returns the seconds each took."""
    host = ensure_engine(paths, say=console.print)
    seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(tag: str) -> Iterator[None]:
        started = time.monotonic()
        console.print(f"[bold]image[/] {tag} …")
        yield
        seconds[tag] = time.monotonic() - started

    with timed(DEBIAN.tag):
        ensure_debian_image(host, paths, DEBIAN, console.print)
    uv_binary = shutil.which("uv")
    if uv_binary is None:
        raise RuntimeError("uv is not on PATH: run `make install` first")
    with timed(UV_IMAGE):
        ensure_uv_image(host, Path(uv_binary))
    nginx_context = paths.repo / "deploy/images/nginx"
    with timed(NGINX_IMAGE):
        _build(host, NGINX_IMAGE, nginx_context / "Dockerfile", nginx_context, [("BASE_IMAGE", DEBIAN_IMAGE)])
    install.install_artifacts(paths, console)
    for image in infra_images.INFRA_IMAGES:
        with timed(image.tag), tempfile.TemporaryDirectory(prefix=f"{image.name}-", dir=paths.cache) as context:
            image.stage(paths, Path(context))
            _build(host, image.tag, Path(context) / "Dockerfile", Path(context), [("BASE_IMAGE", DEBIAN_IMAGE)])
    for project_image in PROJECT_IMAGES:
        with timed(project_image.tag):
            dockerfile = paths.repo / project_image.dockerfile
            _build(host, project_image.tag, dockerfile, paths.repo, project_image.build_args)
    # Rebuilt images leave their predecessors untagged; the layer cache stays.
    docker(host, "image", "prune", "--force")
    return seconds
