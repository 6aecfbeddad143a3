"""Fixtures of the fuzzing tests: each service's OpenAPI document, read through the gateway."""

import json

import httpx
import pytest
import schemathesis
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import GATEWAY_PORT

GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
# Gateway prefix of each service (CONTRACT.md); the documents declare it as their server.
PREFIXES = {
    "pin-service": "/api/pin/v1",
    "nocopy-service": "/api/nocopy/v1",
    "feedback-service": "/api/feedback/v1",
    "stats-service": "/api/stats/v1",
    "card-gateway": "/api/card/v1",
}


# The catalogue import's body is NDJSON, a media type schemathesis has no serializer for. Its
# OpenAPI schema is a string (the file's text), so the generated string is sent as the body.
@schemathesis.serializer("application/x-ndjson")
def ndjson_text(_context, value) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode("utf-8")


# Bounded: 100 cases per operation and persona take about 2-3 minutes in all on two cores.
MAX_EXAMPLES = 100


def load_schema(service: str) -> schemathesis.BaseSchema:
    prefix = PREFIXES[service]
    config = schemathesis.Config.from_dict(
        {
            "base-url": f"{GATEWAY}{prefix}",
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "request-timeout": 30,
        }
    )
    return schemathesis.openapi.from_url(f"{GATEWAY}{prefix}/openapi.json", config=config, wait_for_schema=60)


@pytest.fixture(scope="session")
def staff_token() -> str:
    """The national administrator's bearer token: staff rights on every point."""
    saved = json.loads((StackPaths.discover().run / "secrets.json").read_text())
    response = httpx.post(
        f"{GATEWAY}/api/pin/v1/auth/token",
        data={"username": saved["admin_user"], "password": saved["admin_password"]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
