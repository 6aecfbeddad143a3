"""A token does not outlive its account: once an account is disabled or its password reset, every
service that accepts bearer tokens refuses the tokens issued before, within a couple of seconds
(pin-service publishes the account's state on citizeninfo.account-state.v1; each service follows it)."""

import time
import uuid

import httpx
import pytest

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration
REVOKED_WITHIN_SECONDS = 3.0


def _routes(department_id: str) -> dict[str, str]:
    """A route of each service that reads the bearer token (any answer but 401 means it was accepted)."""
    return {
        "pin-service": "/api/pin/v1/pins/flagged",
        "nocopy-service": f"/api/nocopy/v1/departments/{department_id}/readiness",
        "feedback-service": "/open311/v2/requests.json",
        "card-gateway": f"/api/card/v1/readers?service_point_id=P{department_id}",
    }


def _sign_in(gateway: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _refused_everywhere(gateway: httpx.Client, headers: dict, department_id: str) -> dict[str, int]:
    return {name: gateway.get(path, headers=headers).status_code for name, path in _routes(department_id).items()}


def _assert_refused_within(gateway: httpx.Client, headers: dict, department_id: str) -> None:
    started = time.monotonic()
    wait_until(
        lambda: set(_refused_everywhere(gateway, headers, department_id).values()) == {401},
        timeout=REVOKED_WITHIN_SECONDS,
        interval=0.1,
    )
    assert time.monotonic() - started <= REVOKED_WITHIN_SECONDS


def test_disabling_an_account_or_resetting_its_password_refuses_its_older_tokens_in_every_service(
    gateway, admin_headers
):
    run = uuid.uuid4().hex[:6].upper()
    username, department_id = f"revoked-{run.lower()}", f"DREV{run}"
    body = {"username": username, "password": "first-password-1", "role": "agency_staff"}
    body["department_id"] = department_id
    assert gateway.post("/api/pin/v1/users", json=body, headers=admin_headers).status_code == 201
    before = _sign_in(gateway, username, "first-password-1")
    accepted = _refused_everywhere(gateway, before, department_id)
    assert 401 not in accepted.values(), accepted

    disabled = gateway.patch(f"/api/pin/v1/users/{username}", json={"disabled": True}, headers=admin_headers)
    assert disabled.status_code == 200
    _assert_refused_within(gateway, before, department_id)

    # Enabled again: the tokens from before the disable stay refused; a new sign-in works everywhere.
    enabled = gateway.patch(f"/api/pin/v1/users/{username}", json={"disabled": False}, headers=admin_headers)
    assert enabled.status_code == 200
    after = _sign_in(gateway, username, "first-password-1")
    wait_until(lambda: 401 not in _refused_everywhere(gateway, after, department_id).values(), timeout=5)
    assert set(_refused_everywhere(gateway, before, department_id).values()) == {401}

    # An administrator resets the password: the tokens issued under the old one are refused.
    new_password = {"password": "second-password-2"}
    reset = gateway.patch(f"/api/pin/v1/users/{username}", json=new_password, headers=admin_headers)
    assert reset.status_code == 200
    _assert_refused_within(gateway, after, department_id)
    latest = _sign_in(gateway, username, "second-password-2")
    assert 401 not in _refused_everywhere(gateway, latest, department_id).values()
