"""The one list of Debian packages, and the prerequisite check `make install|up|test` run first."""

import shutil
import subprocess
from pathlib import Path

import pytest
from citizeninfo_devstack import system_packages
from citizeninfo_devstack.system_packages import SystemPackage, packages_for, read_package_list

REPO = Path(__file__).resolve().parents[2]


def test_the_list_reads_and_each_step_includes_the_steps_before_it() -> None:
    packages = read_package_list()
    names = [package.name for package in packages]
    assert len(names) == len(set(names)), "a package is listed twice"
    install = {package.name for package in packages_for("install", packages)}
    up = {package.name for package in packages_for("up", packages)}
    assert {"libpcsclite-dev", "swig", "gcc", "python3-dev"} <= install
    assert install < up and "nginx-light" in up and "chromium" not in up
    assert up < {package.name for package in packages_for("test", packages)}


def test_a_malformed_line_names_its_place(tmp_path: Path) -> None:
    listing = tmp_path / "packages.txt"
    listing.write_text("# comment\nswig install generates bindings\nnginx later the gateway\n")
    with pytest.raises(ValueError, match=r"packages.txt:3"):
        read_package_list(listing)


def test_missing_packages_asks_dpkg(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = [SystemPackage("swig", "install", "x"), SystemPackage("nginx-light", "up", "y")]
    monkeypatch.setattr(system_packages, "installed", lambda names: {"swig"})
    assert [package.name for package in system_packages.missing_packages("up", listed)] == ["nginx-light"]
    assert system_packages.missing_packages("install", listed) == []


def test_every_missing_prerequisite_gets_one_line_saying_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda command: None)
    problems = system_packages.prerequisite_problems("up")
    joined = "\n".join(problems)
    assert len(problems) == 6, joined
    for needle in ("Python 3.11", "make", "Debian 12", "Java 17", "Go ≥ 1.22", "Node.js ≥ 20.19"):
        assert needle in joined
    assert len(system_packages.prerequisite_problems("install")) == 3


def test_an_old_toolchain_is_named_with_the_version_found(monkeypatch: pytest.MonkeyPatch) -> None:
    versions = {"go": "go version go1.19.8 linux/amd64", "node": "v18.19.0", "python3.11": "Python 3.11.2"}

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 0, stdout=versions.get(command[0], ""), stderr="")

    monkeypatch.setattr(shutil, "which", lambda command: f"/usr/bin/{command}")
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(system_packages.os, "geteuid", lambda: 0)
    problems = system_packages.prerequisite_problems("up")
    assert any("go1.19" in problem for problem in problems), problems
    assert any("v18.19" in problem for problem in problems), problems
    # Python 3.11 is there, apt runs as root, and Java 17 comes from the package list.
    assert len(problems) == 2, problems


def test_the_readme_lists_every_package() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [package.name for package in read_package_list() if package.name not in readme]
    assert not missing, f"README's prerequisites do not name: {missing}"
