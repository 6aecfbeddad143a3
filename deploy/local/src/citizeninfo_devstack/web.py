"""The web client for `make up`: installs its npm packages and builds web/dist when its sources changed;
Debian's chromium for the end-to-end tests. npm downloads are cached outside the repository."""

import hashlib
import json
import os
import subprocess
from pathlib import Path

from rich.console import Console

from citizeninfo_devstack import system_packages
from citizeninfo_devstack.paths import StackPaths

BROWSER = Path("/usr/bin/chromium")
BUILD_STAMP = ".build-stamp"
# What the build reads; a change to any of them means a new build.
BUILD_INPUTS = ("package.json", "package-lock.json", "index.html", "tsconfig.json", "vite.config.ts", "src", "public")


def _web(paths: StackPaths) -> Path:
    return paths.repo / "web"


def _npm_cache(paths: StackPaths) -> Path:
    return paths.cache / "npm"


def _digest(root: Path, names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        top = root / name
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top] if top.exists() else []
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _npm(paths: StackPaths, *arguments: str) -> None:
    env = {**os.environ, "npm_config_cache": str(_npm_cache(paths)), "npm_config_update_notifier": "false"}
    subprocess.run(["npm", *arguments], cwd=_web(paths), env=env, check=True)


def write_runtime_config(paths: StackPaths) -> None:
    """CITIZENINFO_TILE_URL (and _ATTRIBUTION) point the map at another tile server without a rebuild."""
    tile_url = os.environ.get("CITIZENINFO_TILE_URL")
    if tile_url is None:
        return
    target = _web(paths) / "dist" / "config.json"
    settings = json.loads(target.read_text()) if target.exists() else {}
    settings["tileUrl"] = tile_url
    settings["tileAttribution"] = os.environ.get("CITIZENINFO_TILE_ATTRIBUTION", settings.get("tileAttribution", ""))
    target.write_text(json.dumps(settings, ensure_ascii=False, indent=2))


def ensure_web_build(paths: StackPaths, console: Console) -> None:
    """`npm ci` when the lock file changed, `npm run build` when any source changed; otherwise nothing."""
    web = _web(paths)
    dist = web / "dist"
    wanted = _digest(web, BUILD_INPUTS)
    stamp = dist / BUILD_STAMP
    if stamp.exists() and stamp.read_text().strip() == wanted and (dist / "index.html").exists():
        write_runtime_config(paths)
        return
    lock_digest = _digest(web, ("package-lock.json",))
    installed_stamp = web / "node_modules" / BUILD_STAMP
    if not installed_stamp.exists() or installed_stamp.read_text().strip() != lock_digest:
        console.print("Installing the web client's npm packages (npm ci) …")
        _npm(paths, "ci", "--prefer-offline", "--no-audit", "--no-fund")
        installed_stamp.write_text(lock_digest)
    console.print("Building the web client (web/dist) …")
    _npm(paths, "run", "build")
    stamp.write_text(wanted)
    write_runtime_config(paths)
    console.print("  [green]✓[/] web client built")


def ensure_browser(console: Console) -> Path:
    """Debian's chromium for the Playwright end-to-end tests (Playwright never downloads a browser here)."""
    system_packages.ensure_packages("test", say=lambda line: console.print(f"[bold]{line}[/]"))
    return BROWSER
