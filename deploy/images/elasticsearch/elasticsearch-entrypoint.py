#!/usr/bin/python3
"""Starts Elasticsearch the way the official image does.

- Variables named like settings become -E flags: `discovery.type=single-node` → `-Ediscovery.type=single-node`,
  ES_SETTING_CLUSTER_NAME (`_` → `.`, `__` → `_`) → `-Ecluster.name=…`. The integ-test-zip carries the
  x-pack-core and x-pack-security modules, so the compose file's xpack.* settings apply as they are.
- ELASTIC_PASSWORD becomes the `elastic` user's bootstrap password (keystore `bootstrap.password`).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

SETTING = re.compile(r"^[a-z0-9_]+\.[a-z0-9_.]+$")
HOME = Path("/usr/share/elasticsearch")
KEYSTORE_TOOL = str(HOME / "bin" / "elasticsearch-keystore")


def settings(environ: dict[str, str]) -> list[str]:
    flags = []
    for key, value in sorted(environ.items()):
        if SETTING.match(key) or key == "processors":
            flags.append(f"-E{key}={value}")
        elif key.startswith("ES_SETTING_"):
            name = key.removeprefix("ES_SETTING_").lower().replace("__", "\0").replace("_", ".").replace("\0", "_")
            flags.append(f"-E{name}={value}")
    return flags


def keystore(*arguments: str, secret: str | None = None) -> str:
    done = subprocess.run([KEYSTORE_TOOL, *arguments], input=secret, capture_output=True, text=True, check=True)  # noqa: S603 - the image's own tool
    return done.stdout


def set_bootstrap_password(password: str) -> None:
    # As the official image: once per keystore; after that the node keeps the password it has.
    if not (HOME / "config" / "elasticsearch.keystore").exists():
        keystore("create")
    if "bootstrap.password" not in keystore("list").split():
        keystore("add", "-x", "bootstrap.password", secret=password)


def main() -> None:
    password = os.environ.get("ELASTIC_PASSWORD")
    if password:
        set_bootstrap_password(password)
    binary = str(HOME / "bin" / "elasticsearch")
    os.execv(binary, [binary, *settings(dict(os.environ)), *sys.argv[1:]])  # noqa: S606 - replaces this process


if __name__ == "__main__":
    main()
