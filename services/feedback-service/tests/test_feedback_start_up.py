"""What a start costs: a service that never searches does not load the Elasticsearch client."""

import subprocess
import sys


def test_feedback_service_starts_without_loading_elasticsearch():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, feedback_service.main; print(sorted(m for m in sys.modules if m.startswith('elast')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"
