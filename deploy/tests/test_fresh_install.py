"""`make install` (system packages + `uv sync`) from a clean copy of the repository inside a clean Debian 12
container: a machine provisioned by hand cannot hide a package missing from deploy/system-packages.txt.

The container starts from debootstrap's minbase with only Python 3.11 and make. Downloads are cached
(apt's archives, uv's cache), but pyscard is always compiled again, so its headers and compiler must come
from the list. `make test-fresh-install` runs this; `make test` includes it.
"""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from citizeninfo_devstack import images
from citizeninfo_devstack.engine import docker, ensure_engine
from citizeninfo_devstack.paths import StackPaths
from rich.console import Console

INSTALL_TIMEOUT_SECONDS = 1_200
pytestmark = [pytest.mark.container, pytest.mark.timeout(INSTALL_TIMEOUT_SECONDS)]

PACKAGE_LIST = Path("deploy/system-packages.txt")


def clean_copy(repo: Path, target: Path) -> None:
    """What a clone of this tree holds: tracked and new unignored files, none of .venv, .run or caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (entry.decode() for entry in listed)):
        source = repo / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def stack_paths() -> StackPaths:
    return StackPaths.discover()


@pytest.fixture(scope="module")
def engine(stack_paths: StackPaths) -> str:
    return ensure_engine(stack_paths)


@pytest.fixture(scope="module")
def base_image(stack_paths: StackPaths, engine: str) -> str:
    return images.ensure_debian_image(engine, stack_paths, images.DEBIAN_FRESH, Console().print)


@pytest.fixture
def checkout(stack_paths: StackPaths, tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "citizeninfo"
    clean_copy(stack_paths.repo, target)
    yield target
    # The container wrote as root into it; pytest's tmp_path clean-up copes, but free the space now.
    shutil.rmtree(target, ignore_errors=True)


def make_install_in_container(
    stack_paths: StackPaths, engine: str, image: str, checkout: Path
) -> subprocess.CompletedProcess[str]:
    cache = stack_paths.cache / "fresh-install"
    uv_cache = cache / "uv-cache"
    apt_archives = cache / "apt-archives"
    for directory in (uv_cache, apt_archives / "partial"):
        directory.mkdir(parents=True, exist_ok=True)
    # Downloads may be reused; a wheel built from pyscard's sdist may not (it would hide missing headers).
    subprocess.run(["uv", "cache", "clean", "pyscard", "--cache-dir", str(uv_cache)], check=True, capture_output=True)
    script = (
        "set -e; make -C /src install; "
        "/src/.venv/bin/python -c 'import smartcard.System, card_agent.agent; print(\"pyscard imports\")'"
    )
    return docker(
        engine,
        "run",
        "--rm",
        "--network=host",
        "--volume",
        f"{checkout}:/src",
        "--volume",
        f"{uv_cache}:/root/.cache/citizeninfo/uv-cache",
        "--volume",
        f"{apt_archives}:/var/cache/apt/archives",
        *images.host_trust_mounts(),
        image,
        "bash",
        "-c",
        script,
        check=False,
    )


def test_make_install_succeeds_on_a_clean_debian_12(
    stack_paths: StackPaths, engine: str, base_image: str, checkout: Path
) -> None:
    result = make_install_in_container(stack_paths, engine, base_image, checkout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "pyscard imports" in result.stdout
    # The system packages went in before uv compiled anything.
    assert output.index("apt-get install") < output.index("uv sync"), output[-4000:]


def test_make_install_fails_when_a_header_package_is_left_out(
    stack_paths: StackPaths, engine: str, base_image: str, checkout: Path
) -> None:
    """The check can fail: without libpcsclite-dev in the list, pyscard cannot find winscard.h."""
    package_list = checkout / PACKAGE_LIST
    lines = package_list.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("libpcsclite-dev ")]
    assert len(kept) == len(lines) - 1, "the list no longer names libpcsclite-dev"
    package_list.write_text("".join(kept))

    result = make_install_in_container(stack_paths, engine, base_image, checkout)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    assert "winscard.h" in output, output[-4000:]
