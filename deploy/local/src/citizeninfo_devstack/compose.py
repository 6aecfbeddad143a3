"""`make compose-up|compose-down`: docker-compose.yml for real on this machine, with the images
`make images` built here (deploy/compose/local-images.yml swaps in the infrastructure ones).

docker-compose 1.29 (Debian) drives the engine: it waits for `service_healthy` dependencies, which
dockerd's own health checks report. Only one of the two stacks runs at a time: both publish the same
loopback ports, the gateway on 127.0.0.1:8080.
"""

import json
import subprocess
from pathlib import Path

import yaml
from rich.console import Console
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from citizeninfo_devstack.engine import docker, engine_environment, ensure_engine, running_engine
from citizeninfo_devstack.paths import StackPaths

PROJECT = "citizeninfo"
HEALTHY_TIMEOUT_SECONDS = 300
ONE_SHOT_JOBS = frozenset({"topics"})


def compose_files(paths: StackPaths) -> list[Path]:
    return [paths.repo / "docker-compose.yml", paths.repo / "deploy" / "compose" / "local-images.yml"]


def env_file(paths: StackPaths) -> Path:
    """Generated once (random secrets); kept, because the data volumes hold what was set with them."""
    return paths.repo / ".env"


def _compose(paths: StackPaths, host: str, *arguments: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    files = [argument for file in compose_files(paths) for argument in ("-f", str(file))]
    return subprocess.run(
        ["docker-compose", "--project-name", PROJECT, "--env-file", str(env_file(paths)), *files, *arguments],
        cwd=paths.repo,
        env={**engine_environment(host), "COMPOSE_DOCKER_CLI_BUILD": "0"},
        check=True,
        capture_output=capture,
        text=True,
    )


def containers(host: str, *, running_only: bool = True) -> dict[str, dict]:
    """The project's containers by compose service, as `docker inspect` has them."""
    project = f"label=com.docker.compose.project={PROJECT}"
    listed = docker(host, "ps", *(() if running_only else ("--all",)), "--quiet", "--filter", project).stdout.split()
    if not listed:
        return {}
    inspected = json.loads(docker(host, "inspect", *listed).stdout)
    return {item["Config"]["Labels"]["com.docker.compose.service"]: item for item in inspected}


def data_volumes(host: str) -> list[str]:
    listed = docker(host, "volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}")
    return sorted(listed.stdout.split())


def is_up() -> bool:
    host = running_engine()
    return bool(host and containers(host))


def enabled_services(paths: StackPaths, host: str) -> set[str]:
    """The services `up` starts: those of the merged files outside any profile."""
    merged = yaml.safe_load(_compose(paths, host, "config", capture=True).stdout)
    return {name for name, definition in merged["services"].items() if not definition.get("profiles")}


def _unhealthy(host: str, enabled: set[str]) -> list[str]:
    waiting = []
    for service, item in containers(host, running_only=False).items():
        if service not in enabled:
            continue
        state = item["State"]
        if service in ONE_SHOT_JOBS:
            if state["Status"] != "exited" or state["ExitCode"] != 0:
                waiting.append(f"{service} ({state['Status']}, exit {state['ExitCode']})")
        elif state.get("Health", {}).get("Status", "healthy") != "healthy" or state["Status"] != "running":
            waiting.append(f"{service} ({state.get('Health', {}).get('Status', state['Status'])})")
    return waiting


def up(paths: StackPaths, console: Console) -> None:
    from citizeninfo_devstack.stack import Stack  # the native stack imports this module's is_up

    if Stack(console=console).is_up():
        raise RuntimeError("the native stack (make up) is running: run `make down` first (both use the same ports)")
    host = ensure_engine(paths, say=console.print)
    if not env_file(paths).exists():
        left = data_volumes(host)
        if left:
            # Their passwords and keys are in the .env that made them, which this checkout lacks.
            raise RuntimeError(
                f"data volumes made with another .env exist ({', '.join(left)}): copy that .env here "
                "(another checkout's), or remove them with `make compose-clean`"
            )
        subprocess.run([str(paths.repo / "deploy/compose/generate-env.sh"), str(env_file(paths))], check=True)
        console.print(f"Wrote {env_file(paths)} with fresh secrets (the admin password is CITIZENINFO_ADMIN_PASSWORD).")
    console.print("Starting the compose stack (docker-compose waits for each dependency to be healthy) …")
    _compose(paths, host, "up", "--detach", "--no-build", "--remove-orphans")
    enabled = enabled_services(paths, host)
    try:
        Retrying(stop=stop_after_delay(HEALTHY_TIMEOUT_SECONDS), wait=wait_fixed(2), retry=retry_if_result(bool))(
            _unhealthy, host, enabled
        )
    except RetryError as error:
        raise RuntimeError(
            f"not healthy within {HEALTHY_TIMEOUT_SECONDS} s: {', '.join(_unhealthy(host, enabled))} "
            f"(docker logs {PROJECT}_<service>_1)"
        ) from error
    console.print("[bold green]The compose stack is healthy:[/] http://127.0.0.1:8080/")


def down(paths: StackPaths, console: Console, *, remove_data: bool = False) -> None:
    host = running_engine()
    if host is None:
        console.print("No container engine is running: nothing to stop.")
        return
    if env_file(paths).exists():
        _compose(paths, host, "down", "--remove-orphans")
    # What compose does not remove: containers of services outside the active profiles (an earlier
    # run's), and everything when this checkout has no .env (another checkout's stack).
    for item in containers(host, running_only=False).values():
        docker(host, "rm", "--force", "--volumes", item["Id"])
    if remove_data:
        for volume in data_volumes(host):
            docker(host, "volume", "rm", volume)
    left = containers(host, running_only=False)
    if left:
        raise RuntimeError(f"still there after compose down: {', '.join(sorted(left))}")
    kept = " and its data removed." if remove_data else "; its data volumes are kept."
    console.print(f"The compose stack is down{kept}")


def print_logs(paths: StackPaths, tail: int = 40) -> None:
    """The last lines of every container's log (CI prints them when the container suite fails)."""
    host = running_engine()
    if host is None or not env_file(paths).exists():
        return
    _compose(paths, host, "logs", "--no-color", f"--tail={tail}")
