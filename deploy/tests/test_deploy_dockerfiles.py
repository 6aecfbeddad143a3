"""The service images (services/*/Dockerfile) and the topics job image, read as BuildKit reads them."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from deploy_support import (
    APP_UID,
    DOCKERFILES,
    KNOWN_INSTRUCTIONS,
    PYTHON_BASE_IMAGE,
    REPO,
    SERVICE_PORTS,
    STATS_WORKER_PORT,
    TOPICS_COMMAND,
    Stage,
    copy_sources,
    find_uv,
    image_reference,
    parse_dockerfile,
    project_name,
    wheel_packages,
    workspace_member_dirs,
)

# Which workspace project each image installs (`uv sync --package ...`).
IMAGE_PROJECTS = {**{name: REPO / "services" / name for name in SERVICE_PORTS}, "topics": REPO / "deploy" / "local"}


def uv_sync_commands(stages: list[Stage]) -> list[list[str]]:
    commands = []
    for stage in stages:
        for run in stage.all("RUN"):
            text = re.sub(r"^(--mount=\S+\s+)+", "", run.arguments)
            for part in re.split(r"&&|;", text):
                words = shlex.split(part)
                if words[:2] == ["uv", "sync"]:
                    commands.append(words)
    return commands


def test_every_instruction_is_a_dockerfile_instruction(dockerfile_name: str) -> None:
    instructions = parse_dockerfile(DOCKERFILES[dockerfile_name].read_text())
    unknown = [(i.line, i.keyword) for i in instructions if i.keyword not in KNOWN_INSTRUCTIONS]
    assert not unknown, f"unknown instructions (line, keyword): {unknown}"


def test_build_is_multi_stage_on_python_slim_bookworm(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    stages = dockerfile_stages_by_name[dockerfile_name]
    python_stages = [s for s in stages if s.image == PYTHON_BASE_IMAGE]
    assert len(python_stages) >= 2, "a build stage and a runtime stage, both on the slim Python image"
    # The virtual environment is built in one stage and copied to the last one: both must have the
    # same interpreter at the same path, so both use the same base image.
    assert stages[-1].image == PYTHON_BASE_IMAGE
    copies_venv = [c for c in stages[-1].all("COPY") if "--from=" in c.arguments and "/app/.venv" in c.arguments]
    assert copies_venv, "the runtime stage copies the virtual environment from the build stage"


def test_base_images_are_pinned_never_latest(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    stages = dockerfile_stages_by_name[dockerfile_name]
    stage_names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.image in stage_names:
            continue
        _, tag = image_reference(stage.image)
        assert tag and tag != "latest", f"FROM {stage.image}: pin a version"
    for stage in stages:
        for copy in stage.all("COPY"):
            source = re.search(r"--from=(\S+)", copy.arguments)
            if source and source.group(1) not in stage_names:
                _, tag = image_reference(source.group(1))
                assert tag and tag != "latest", f"COPY --from={source.group(1)}: pin a version"


def test_uv_image_matches_the_uv_the_project_uses(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    makefile = REPO / "Makefile"
    pinned = re.search(r"^UV_VERSION\s*:?=\s*(\S+)", makefile.read_text(), re.M) if makefile.exists() else None
    if pinned is None:
        pytest.fail("the Makefile pins no UV_VERSION")
    uv_images = [s.image for s in dockerfile_stages_by_name[dockerfile_name] if "astral-sh/uv" in s.image]
    assert uv_images == [f"ghcr.io/astral-sh/uv:{pinned.group(1)}"]


def test_uv_installs_this_project_from_the_lockfile_without_dev_dependencies(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    package = project_name(IMAGE_PROJECTS[dockerfile_name])
    commands = uv_sync_commands(dockerfile_stages_by_name[dockerfile_name])
    assert commands, "the image is installed with `uv sync`"
    for command in commands:
        assert "--frozen" in command, f"{shlex.join(command)}: install exactly what uv.lock says"
        assert "--no-dev" in command, f"{shlex.join(command)}: no test tools in the image"
        assert command[command.index("--package") + 1] == package
    # The last sync installs the code as wheels, so the runtime stage needs nothing but the venv.
    assert "--no-editable" in commands[-1]


def test_build_context_has_the_lockfile_and_every_workspace_manifest(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    copied = {
        source
        for stage in dockerfile_stages_by_name[dockerfile_name]
        for copy in stage.all("COPY")
        for source in copy_sources(copy)
    }
    assert {"pyproject.toml", "uv.lock"} <= copied
    # uv reads the whole workspace; a member whose manifest is missing breaks `uv sync`.
    manifests = {str((member / "pyproject.toml").relative_to(REPO)) for member in workspace_member_dirs()}
    assert manifests - copied == set(), "copy every workspace member's pyproject.toml"


def test_build_copies_the_code_of_the_packages_it_installs(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    copied = {
        source
        for stage in dockerfile_stages_by_name[dockerfile_name]
        for copy in stage.all("COPY")
        for source in copy_sources(copy)
    }
    for project in (REPO / "shared", IMAGE_PROJECTS[dockerfile_name]):
        for package in wheel_packages(project):
            package_dir = project / package
            assert package_dir.is_dir(), f"{package_dir} does not exist"
            relative = package_dir.relative_to(REPO)
            assert any(relative == Path(c) or Path(c) in relative.parents for c in copied), (
                f"{relative} is not copied into the build"
            )
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"


def test_runtime_runs_as_the_unprivileged_user(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    runtime = dockerfile_stages_by_name[dockerfile_name][-1]
    user = runtime.last("USER")
    assert user is not None, "the runtime stage sets USER"
    assert user.arguments.split(":")[0] == str(APP_UID), f"USER {user.arguments}: run as uid {APP_UID}"
    creates_user = " ".join(r.arguments for r in runtime.all("RUN"))
    assert f"--uid {APP_UID}" in creates_user, f"the image has a user with uid {APP_UID}"
    assert runtime.instructions.index(user) > max(runtime.instructions.index(r) for r in runtime.all("RUN")), (
        "nothing runs as root after USER"
    )


def test_runtime_has_a_healthcheck(dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]]) -> None:
    assert dockerfile_stages_by_name[dockerfile_name][-1].last("HEALTHCHECK") is not None


def test_service_healthcheck_asks_healthz_with_python(
    service: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    healthcheck = dockerfile_stages_by_name[service][-1].last("HEALTHCHECK")
    assert healthcheck is not None
    command = healthcheck.exec_form()
    assert command is not None, "HEALTHCHECK CMD in exec form (JSON array)"
    assert command[0] == "python", "slim images have no curl or wget; Python's urllib is there"
    assert f"http://127.0.0.1:{SERVICE_PORTS[service]}/healthz" in " ".join(command)


def test_service_exposes_its_port(service: str, dockerfile_stages_by_name: dict[str, list[Stage]]) -> None:
    exposed = {
        port.split("/")[0] for e in dockerfile_stages_by_name[service][-1].all("EXPOSE") for port in e.arguments.split()
    }
    expected = {str(SERVICE_PORTS[service])}
    if service == "stats-service":
        expected.add(str(STATS_WORKER_PORT))  # the Faust worker runs from this image too
    assert exposed == expected


def test_service_command_is_uvicorn_with_the_app_factory(
    service: str, dockerfile_stages_by_name: dict[str, list[Stage]]
) -> None:
    cmd = dockerfile_stages_by_name[service][-1].last("CMD")
    assert cmd is not None
    (package_path,) = wheel_packages(REPO / "services" / service)
    package = Path(package_path).name
    port = str(SERVICE_PORTS[service])
    assert cmd.exec_form() == [
        "uvicorn", "--factory", f"{package}.main:create_app", "--host", "0.0.0.0", "--port", port,
        "--no-access-log",  # the gateway logs every request
    ]  # fmt: skip
    main = REPO / "services" / service / package_path / "main.py"
    if main.exists():
        assert re.search(r"^def create_app\(", main.read_text(), re.M), f"{main} defines create_app()"


def test_topics_image_runs_the_topics_job(dockerfile_stages_by_name: dict[str, list[Stage]]) -> None:
    cmd = dockerfile_stages_by_name["topics"][-1].last("CMD")
    assert cmd is not None and cmd.exec_form() == TOPICS_COMMAND
    assert (REPO / "deploy/local/src/citizeninfo_devstack/topics.py").is_file()


def test_stats_image_has_a_writable_faust_data_dir(dockerfile_stages_by_name: dict[str, list[Stage]]) -> None:
    runtime = dockerfile_stages_by_name["stats-service"][-1]
    env = " ".join(e.arguments for e in runtime.all("ENV"))
    datadir = re.search(r"F_DATADIR=(\S+)", env)
    assert datadir, "F_DATADIR tells Faust where its local state goes"
    runs = " ".join(r.arguments for r in runtime.all("RUN"))
    assert f"-o {APP_UID} -g {APP_UID} {datadir.group(1)}" in runs, "the app user owns the Faust data dir"


def test_build_context_ignores_local_state(dockerfile_name: str) -> None:
    # BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile when the context is elsewhere.
    ignore_file = DOCKERFILES[dockerfile_name].with_name(DOCKERFILES[dockerfile_name].name + ".dockerignore")
    assert ignore_file.is_file(), f"{ignore_file.relative_to(REPO)} is missing"
    patterns = {line.strip() for line in ignore_file.read_text().splitlines() if line.strip() and line[0] != "#"}
    assert {"**/.venv", "**/.git", "**/.run", "**/__pycache__", ".env"} <= patterns


def test_uv_finds_the_package_in_the_lockfile_with_only_the_copied_files(
    dockerfile_name: str, dockerfile_stages_by_name: dict[str, list[Stage]], tmp_path: Path
) -> None:
    """Replays the build's COPYs into an empty folder and asks uv (offline) what it would install."""
    uv = find_uv()
    if uv is None:
        pytest.fail("uv is not installed")
    stages = dockerfile_stages_by_name[dockerfile_name]
    for copy in (c for stage in stages for c in stage.all("COPY")):
        *_, destination = shlex.split(copy.arguments)
        for source in copy_sources(copy):
            target = tmp_path / (
                destination.rstrip("/") + "/" + Path(source).name if destination.endswith("/") else destination
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            if (REPO / source).is_dir():
                subprocess.run(["cp", "-r", str(REPO / source), str(target)], check=True)
            else:
                target.write_bytes((REPO / source).read_bytes())
    for command in uv_sync_commands(stages):
        result = subprocess.run(
            [uv, *command[1:], "--dry-run", "--offline"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))},
                "UV_CACHE_DIR": str(tmp_path / "uv-cache"),  # empty: proves nothing is downloaded
                "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"),
                "UV_PYTHON_DOWNLOADS": "never",
            },
        )
        assert result.returncode == 0, f"{shlex.join(command)} fails:\n{result.stderr}"
