"""The container engine for `make images`, `make compose-*` and testcontainers: Debian's dockerd.

dockerd runs health checks itself, so compose's `depends_on: condition: service_healthy` works;
podman 4.3 needs systemd timers for them, which these machines lack (../shared/CONTAINERS.md). When a
Docker engine already answers (DOCKER_HOST or the default socket) it is used as it is; otherwise one
dockerd is started for the whole machine, its images and layers kept in the cache outside the repo.
"""

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from citizeninfo_devstack.paths import StackPaths

# Debian's CLI: it builds with BuildKit without the buildx plugin. Another `docker` earlier on PATH
# (a newer static client) refuses to build without buildx.
DOCKER = "/usr/bin/docker"
ENGINE_RUN_DIR = Path("/run/citizeninfo-engine")
ENGINE_SOCKET = ENGINE_RUN_DIR / "docker.sock"
START_TIMEOUT_SECONDS = 60


def engine_environment(host: str | None = None) -> dict[str, str]:
    environment = {**os.environ, "DOCKER_BUILDKIT": "1"}
    if host:
        environment["DOCKER_HOST"] = host
    return environment


def _answers(host: str | None) -> bool:
    try:
        return (
            subprocess.run(
                [DOCKER, "version", "--format", "{{.Server.Version}}"],
                env=engine_environment(host),
                capture_output=True,
                timeout=15,
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def running_engine() -> str | None:
    """DOCKER_HOST of an engine that answers now, or None."""
    configured = os.environ.get("DOCKER_HOST")
    candidates = [configured] if configured else [f"unix://{ENGINE_SOCKET}", "unix:///var/run/docker.sock"]
    return next((host for host in candidates if _answers(host)), None)


def ensure_engine(paths: StackPaths, say: Callable[[str], object] = print) -> str:
    """DOCKER_HOST of a running engine, starting the machine's dockerd when none answers."""
    host = running_engine()
    if host:
        return host
    if not Path("/usr/sbin/dockerd").exists():
        raise RuntimeError("no container engine: install docker.io (make prerequisites-check says how)")
    if os.geteuid() != 0:
        raise RuntimeError("dockerd needs root here; run as root or point DOCKER_HOST at an engine")
    ENGINE_RUN_DIR.mkdir(parents=True, exist_ok=True)
    data_root = paths.cache / "docker"
    data_root.mkdir(parents=True, exist_ok=True)
    log = (ENGINE_RUN_DIR / "dockerd.log").open("ab")
    say(f"Starting dockerd (images and layers in {data_root}) …")
    # A daemon of its own session: it outlives this command, like the system service it stands in for.
    subprocess.Popen(
        [
            "/usr/sbin/dockerd",
            f"--host=unix://{ENGINE_SOCKET}",
            f"--data-root={data_root}",
            f"--exec-root={ENGINE_RUN_DIR / 'exec'}",
            f"--pidfile={ENGINE_RUN_DIR / 'dockerd.pid'}",
            # The machine's hard open-files limit (../shared/CONTAINERS.md).
            "--default-ulimit=nofile=20000:20000",
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    host = f"unix://{ENGINE_SOCKET}"
    try:
        Retrying(
            stop=stop_after_delay(START_TIMEOUT_SECONDS),
            wait=wait_fixed(0.5),
            retry=retry_if_result(lambda answered: not answered),
        )(_answers, host)
    except RetryError as error:
        raise RuntimeError(f"dockerd did not answer within {START_TIMEOUT_SECONDS} s: see {log.name}") from error
    return host


def docker(host: str, *arguments: str, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKER, *arguments], env=engine_environment(host), check=check, capture_output=capture, text=True
    )
