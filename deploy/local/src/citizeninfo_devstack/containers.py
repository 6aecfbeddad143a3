"""podman on these machines: the project's settings for it, and a Debian 12 base image built here (no image
registry is reachable, so nothing is pulled). Facts behind the settings: ../shared/CONTAINERS.md."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from rich.console import Console

from citizeninfo_devstack.paths import StackPaths

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
# What a freshly made machine has before the project installs anything: Python 3.11 and make (the
# README's two commands). Everything else must come from deploy/system-packages.txt.
BASE_PACKAGES = ("python3", "make")
BASE_IMAGE = "localhost/citizeninfo/debian12-fresh:" + "-".join(BASE_PACKAGES)
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def engine_environment(paths: StackPaths) -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(paths.repo / "deploy" / "containers" / "containers.conf")}


def podman(paths: StackPaths, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *arguments], env=engine_environment(paths), check=check, capture_output=True, text=True
    )


def ensure_debian_base(paths: StackPaths, console: Console) -> str:
    """A minimal Debian 12 image (debootstrap minbase + BASE_PACKAGES), built once and kept by podman."""
    if podman(paths, "image", "exists", BASE_IMAGE, check=False).returncode == 0:
        return BASE_IMAGE
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is missing: run `make prerequisites-check`")
    console.print(f"Building {BASE_IMAGE} with debootstrap (about 2 minutes, once) …")
    with tempfile.TemporaryDirectory(prefix="debootstrap-", dir=paths.cache) as root:
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
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
        for cache in (Path(root) / "var/cache/apt/archives").glob("*.deb"):
            cache.unlink()
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["podman", "import", "-", BASE_IMAGE],
            stdin=tar.stdout,
            env=engine_environment(paths),
            check=True,
            capture_output=True,
        )
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap tree failed")
    return BASE_IMAGE


def host_trust_mounts() -> list[str]:
    """Outbound HTTPS from these machines passes a proxy with its own CA: lend the container the host's
    bundle (read-only, at a path of its own) so pip and uv inside trust it. apt uses plain HTTP."""
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
