"""What a machine needs before CITIZENinfo can install itself: the prerequisites it cannot install, and the
Debian packages of `deploy/system-packages.txt` it can.

Runs with the machine's own python3 before `.venv` exists (`make install`, `make up`, `make test` call it
as a script), so it uses the standard library only and its syntax must load on an older Python too, to
say that the Python is too old instead of crashing. The native stack imports the same functions.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PACKAGE_LIST = Path(__file__).resolve().parents[3] / "system-packages.txt"
# Each step needs the packages of the steps before it.
STEPS = ("install", "up", "test", "check", "containers")
MINIMUM_PYTHON = (3, 11)
MINIMUM_GO = (1, 22)  # FerretDB 1.24's go.mod
MINIMUM_NODE = (20, 19)  # Vite 8
JAVA = 17
DEBIAN_HINT = "this needs Debian 12 (bookworm) with apt"


@dataclass(frozen=True)
class SystemPackage:
    name: str
    step: str
    why: str


def read_package_list(path: Path = PACKAGE_LIST) -> list[SystemPackage]:
    packages = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split(None, 2)
        if len(fields) < 3 or fields[1] not in STEPS:
            raise ValueError(f"{path}:{number}: expected 'package step why', step one of {', '.join(STEPS)}")
        packages.append(SystemPackage(name=fields[0], step=fields[1], why=fields[2]))
    return packages


def packages_for(step: str, packages: Iterable[SystemPackage]) -> list[SystemPackage]:
    """The packages a step needs: its own and those of every step before it."""
    wanted = STEPS[: STEPS.index(step) + 1]
    return [package for package in packages if package.step in wanted]


def installed(names: Sequence[str]) -> set[str]:
    """The names dpkg reports as installed."""
    if not names:
        return set()
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\n", *names],
        capture_output=True,
        text=True,
        check=False,
    )
    return {line.split()[0] for line in result.stdout.splitlines() if line.split()[1:2] == ["ii"]}


def missing_packages(step: str, packages: list[SystemPackage] | None = None) -> list[SystemPackage]:
    wanted = packages_for(step, packages if packages is not None else read_package_list())
    present = installed([package.name for package in wanted])
    return [package for package in wanted if package.name not in present]


def _version(command: Sequence[str], pattern: str) -> tuple[int, ...] | None:
    if not shutil.which(command[0]):
        return None
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(pattern, completed.stdout + completed.stderr)
    return tuple(int(part) for part in found.groups()) if found else None


def apt_runner() -> list[str] | None:
    """How to run apt-get here: directly as root, through sudo otherwise, or not at all."""
    if not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        return ["sudo"]
    return None


def prerequisite_problems(step: str, python_version: tuple[int, ...] | None = None) -> list[str]:
    """One line per missing prerequisite, saying how to get it. Empty when the step can go ahead."""
    problems = []
    python = python_version or _version(["python3.11", "--version"], r"Python (\d+)\.(\d+)")
    if python is None or python[:2] != MINIMUM_PYTHON:
        problems.append(
            "Python 3.11 (python3.11 on PATH) is required: Debian 12's python3 is 3.11, or install it with pyenv"
        )
    if not shutil.which("make"):
        problems.append("make is required: apt-get install make")
    runner = apt_runner()
    if runner is None:
        problems.append(f"{DEBIAN_HINT}, run as root or with sudo, to install the system packages")
    if STEPS.index(step) >= STEPS.index("up"):
        java_packaged = runner is not None  # openjdk-17-jre-headless comes from the package list
        if not java_packaged and _version(["java", "-version"], r'version "(\d+)') != (JAVA,):
            problems.append(f"Java {JAVA} is required: apt-get install openjdk-{JAVA}-jre-headless")
        go = _version(["go", "version"], r"go(\d+)\.(\d+)")
        if go is None or go < MINIMUM_GO:
            wanted = ".".join(map(str, MINIMUM_GO))
            found = "not found" if go is None else "go" + ".".join(map(str, go))
            problems.append(
                f"Go ≥ {wanted} is required to build FerretDB ({found}): https://go.dev/doc/install "
                "(Debian 12's golang is 1.19, too old)"
            )
        node = _version(["node", "--version"], r"v(\d+)\.(\d+)")
        if node is None or node < MINIMUM_NODE or not shutil.which("npm"):
            wanted = ".".join(map(str, MINIMUM_NODE))
            found = "not found" if node is None else "v" + ".".join(map(str, node))
            problems.append(
                f"Node.js ≥ {wanted} with npm is required to build the web client ({found}): "
                "https://nodejs.org/en/download (Debian 12's nodejs is 18, too old)"
            )
    return problems


def ensure_packages(step: str, say: Callable[[str], None] = print) -> None:
    """Installs the step's missing packages with apt-get; raises with the command to run when it cannot."""
    missing = [package.name for package in missing_packages(step)]
    if not missing:
        return
    runner = apt_runner()
    if runner is None:
        raise RuntimeError(f"missing system packages; run as root: apt-get install -y {' '.join(missing)}")
    say(f"apt-get install {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*runner, "apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(
        [*runner, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env, check=True
    )
    still_missing = [package.name for package in missing_packages(step)]
    if still_missing:
        raise RuntimeError(f"apt-get did not install: {' '.join(still_missing)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("check", "ensure", "list"))
    parser.add_argument("--for", dest="step", choices=STEPS, default="install", help="the step to prepare")
    arguments = parser.parse_args(argv)
    if arguments.action == "list":
        for package in packages_for(arguments.step, read_package_list()):
            print(package.name)
        return 0
    problems = prerequisite_problems(arguments.step)
    if problems:
        print(f"make {arguments.step} cannot start; missing:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if arguments.action == "ensure":
        try:
            ensure_packages(arguments.step)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print(f"make {arguments.step}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
