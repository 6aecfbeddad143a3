"""Talks to supervisord over its XML-RPC socket (the documented API, not screen scraping)."""

import subprocess
import sys
import time
from xmlrpc.client import Fault, ServerProxy

from supervisor.xmlrpc import SupervisorTransport

from citizeninfo_devstack.paths import StackPaths


def supervisor_proxy(paths: StackPaths) -> ServerProxy:
    transport = SupervisorTransport(None, None, f"unix://{paths.run}/supervisor.sock")
    return ServerProxy("http://127.0.0.1", transport=transport)


def supervisord_running(paths: StackPaths) -> bool:
    try:
        return supervisor_proxy(paths).supervisor.getState()["statename"] == "RUNNING"
    except (OSError, Fault):
        return False


def start_supervisord(paths: StackPaths) -> None:
    if supervisord_running(paths):
        return
    subprocess.run([sys.executable, "-m", "supervisor.supervisord", "-c", str(paths.supervisor_conf)], check=True)
    deadline = time.monotonic() + 15
    while not supervisord_running(paths):
        if time.monotonic() > deadline:
            raise RuntimeError(f"supervisord did not start; see {paths.logs}/supervisord.log")
        time.sleep(0.2)


def process_states(paths: StackPaths) -> dict[str, str]:
    return {p["name"]: p["statename"] for p in supervisor_proxy(paths).supervisor.getAllProcessInfo()}


def process_pid(paths: StackPaths, name: str) -> int:
    return supervisor_proxy(paths).supervisor.getProcessInfo(name)["pid"]


def start(paths: StackPaths, *names: str) -> None:
    proxy = supervisor_proxy(paths)
    states = process_states(paths)
    for name in names:
        if states.get(name) not in {"RUNNING", "STARTING"}:
            try:
                proxy.supervisor.startProcess(name, False)
            except Fault as fault:  # it came up (autorestart) between the states and the call
                if "ALREADY_STARTED" not in fault.faultString:
                    raise


def stop(paths: StackPaths, *names: str) -> None:
    proxy = supervisor_proxy(paths)
    for name in names:
        try:
            proxy.supervisor.stopProcess(name, True)
        except Fault as fault:
            if "NOT_RUNNING" not in fault.faultString:
                raise


def shutdown(paths: StackPaths) -> bool:
    if not supervisord_running(paths):
        return False
    proxy = supervisor_proxy(paths)
    proxy.supervisor.stopAllProcesses(True)
    proxy.supervisor.shutdown()
    deadline = time.monotonic() + 30
    while supervisord_running(paths) and time.monotonic() < deadline:
        time.sleep(0.2)
    return True
