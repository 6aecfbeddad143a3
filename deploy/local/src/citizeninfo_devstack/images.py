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
BASE_PACKAGES = "python3,ca-certificates"
DEBIAN_IMAGE = f"localhost/citizeninfo/debian:{DEBIAN_SUITE}"
UV_VERSION = "0.13.8"
UV_IMAGE = f"localhost/citizeninfo/uv:{UV_VERSION}"
NGINX_IMAGE = f"localhost/citizeninfo/nginx:{DEBIAN_SUITE}"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_TAG = "dev"


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
    ProjectImage(
        f"citizeninfo/web:{IMAGE_TAG}",
        "web/Dockerfile",
        (("NGINX_IMAGE", NGINX_IMAGE), ("UPSTREAMS_RESOLVE", "no")),
    ),
)


def _image_exists(host: str, tag: str) -> bool:
    return docker(host, "image", "inspect", tag, check=False).returncode == 0


def ensure_debian_image(host: str, paths: StackPaths, say: Callable[[str], object]) -> None:
    """Debian 12 minbase with Python 3.11, trusting what this machine trusts (outbound HTTPS passes a
    proxy with its own CA, so uv inside a build needs the host's bundle). Built once, kept by the engine."""
    if _image_exists(host, DEBIAN_IMAGE):
        return
    say(f"Building {DEBIAN_IMAGE} with debootstrap (about 2 minutes, once) …")
    with tempfile.TemporaryDirectory(prefix="debootstrap-", dir=paths.cache) as root:
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", DEBIAN_SUITE, root, DEBIAN_MIRROR],
            check=True,
            capture_output=True,
        )
        (Path(root) / "etc/apt/sources.list").write_text(
            f"deb {DEBIAN_MIRROR} {DEBIAN_SUITE} main\n"
            f"deb {DEBIAN_MIRROR} {DEBIAN_SUITE}-updates main\n"
            f"deb http://deb.debian.org/debian-security {DEBIAN_SUITE}-security main\n"
        )
        for cached in (Path(root) / "var/cache/apt/archives").glob("*.deb"):
            cached.unlink()
        if HOST_CA_BUNDLE.exists():
            shutil.copyfile(HOST_CA_BUNDLE, Path(root) / HOST_CA_BUNDLE.relative_to("/"))
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            [
                DOCKER,
                "import",
                "--change",
                f"ENV SSL_CERT_FILE={HOST_CA_BUNDLE}",
                "--change",
                'CMD ["/bin/bash"]',
                "-",
                DEBIAN_IMAGE,
            ],
            stdin=tar.stdout,
            env=engine_environment(host),
            check=True,
            capture_output=True,
        )
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap tree failed")


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

    with timed(DEBIAN_IMAGE):
        ensure_debian_image(host, paths, console.print)
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
    return seconds
