"""Fixtures of the fuzzing tests: each service's OpenAPI document, read through the gateway."""

import json
import secrets

import httpx
import pytest
import schemathesis
from citizeninfo_devstack.programs import GATEWAY_PORT

from tests import targets

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


FUZZ_MINISTRY, FUZZ_DEPARTMENT, FUZZ_POINT = "MFUZZ", "DFUZZ", "PFUZZ0001"
FUZZ_STAFF = "fuzz-staff"


def _sign_in(username: str, password: str) -> str:
    response = httpx.post(
        f"{GATEWAY}/api/pin/v1/auth/token", data={"username": username, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def admin_token() -> str:
    """The national administrator's bearer token."""
    return _sign_in(*targets.admin_credentials())


@pytest.fixture(scope="session")
def staff_token(admin_token: str) -> str:
    """An agency staff member of a department of its own, with one service point (created once)."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    lines = [
        {"kind": "ministry", "id": FUZZ_MINISTRY, "name_th": "กระทรวงทดสอบฟัซซิง"},
        {"kind": "department", "id": FUZZ_DEPARTMENT, "ministry_id": FUZZ_MINISTRY, "name_th": "กรมทดสอบฟัซซิง"},
        {"kind": "service_point", "id": FUZZ_POINT, "department_id": FUZZ_DEPARTMENT, "name_th": "จุดทดสอบฟัซซิง",
         "province_code": "10", "district_code": "1001"},
    ]  # fmt: skip
    imported = httpx.post(
        f"{GATEWAY}/api/pin/v1/catalogue:import",
        content="\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode(),
        headers={**admin, "Content-Type": "application/x-ndjson"},
        timeout=60,
    )
    assert imported.status_code == 200 and not imported.json()["errors"], imported.text
    password = secrets.token_urlsafe(18)
    account = {"username": FUZZ_STAFF, "password": password, "role": "agency_staff", "department_id": FUZZ_DEPARTMENT}
    created = httpx.post(f"{GATEWAY}/api/pin/v1/users", json=account, headers=admin, timeout=30)
    if created.status_code == 409:  # from an earlier run: a fresh password, enabled, same department
        reset = {"password": password, "disabled": False, "department_id": FUZZ_DEPARTMENT}
        created = httpx.patch(f"{GATEWAY}/api/pin/v1/users/{FUZZ_STAFF}", json=reset, headers=admin, timeout=30)
    assert created.status_code in (200, 201), created.text
    return _sign_in(FUZZ_STAFF, password)
