"""The Faust levers `make bench` measures reach the worker's app from its settings."""

import os
import subprocess
import sys

import pytest
from stats_service.worker import app as worker


def _conf_in_a_fresh_process(**environment: str) -> str:
    # The app is built at import from the environment: a fresh interpreter sees these settings.
    code = (
        "from stats_service.worker.app import app; "
        "print(app.conf.cython_optimizations, app.conf.stream_buffer_maxsize)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=environment | _inherited(), capture_output=True, text=True, check=True
    ).stdout.strip()


def _inherited() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CITIZENINFO_FAUST_")}


def test_faust_settings_come_from_the_environment():
    assert _conf_in_a_fresh_process() == "False 4096"
    assert (
        _conf_in_a_fresh_process(
            CITIZENINFO_FAUST_CYTHON_OPTIMIZATIONS="true", CITIZENINFO_FAUST_STREAM_BUFFER_MAXSIZE="16384"
        )
        == "True 16384"
    )


@pytest.mark.parametrize("counting", [True, False])
async def test_the_monitor_counts_events_only_when_wanted(monkeypatch, counting):
    monkeypatch.setattr(worker, "settings", worker.settings.model_copy(update={"faust_monitor_events": counting}))
    worker.app.sensors.add(worker.app.monitor)
    try:
        await worker.quiet_monitor_unless_wanted()
        assert (worker.app.monitor in set(worker.app.sensors)) is counting
    finally:
        if worker.app.monitor in set(worker.app.sensors):
            worker.app.sensors.remove(worker.app.monitor)
