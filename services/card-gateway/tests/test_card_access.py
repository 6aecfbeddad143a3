"""Issue 17: who may configure registry endpoints, see a point's readers, and manage its agents."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from card_gateway.adapters.agent_store import Agent
from card_gateway.adapters.reader_store import Reader
from card_gateway.domain.agent_tokens import new_agent_token
from citizeninfo_shared.problems import PROBLEM_JSON
from fastapi.testclient import TestClient
from httpx import AsyncClient
from starlette.websockets import WebSocketDisconnect

GDX = {
    "base_url": "https://api.egov.go.th",
    "consumer_key": "key",
    "consumer_secret": "secret",
    "agent_id": "3100000000001",
}
AGENT = {"service_point_id": "P000001", "name": "ช่องบริการ 3"}


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


# --- finding 1: only administrators configure endpoints, and only allowed ones -----------------------


async def test_staff_may_not_configure_the_registry_endpoint(client: AsyncClient, staff_headers, verification_store):
    path = "/service-points/P000001/online-verification"
    assert _is_problem(await client.put(path, json=GDX, headers=staff_headers), 403)
    assert _is_problem(await client.delete(path, headers=staff_headers), 403)
    assert verification_store.configs == {}
    seen = await client.get(path, headers=staff_headers)  # staff still see whether it is on
    assert seen.status_code == 200 and seen.json()["mode"] == "on_card"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:22",
        "https://127.0.0.1:8099",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]:6379",
        "https://[::ffff:127.0.0.1]",
        "http://api.egov.go.th",
        "https://scanner.example",
        "https://api.egov.go.th:25",
    ],
)
async def test_an_admin_cannot_point_the_registry_check_outside_the_policy(
    client: AsyncClient, admin_headers, verification_store, base_url: str
):
    response = await client.put(
        "/service-points/P000001/online-verification", json={**GDX, "base_url": base_url}, headers=admin_headers
    )
    assert _is_problem(response, 422)
    assert verification_store.configs == {}


async def test_an_admin_configures_the_real_registry(client: AsyncClient, admin_headers, verification_store):
    response = await client.put("/service-points/P000001/online-verification", json=GDX, headers=admin_headers)
    assert response.status_code == 200
    assert "secret" not in response.text
    assert verification_store.configs["P000001"].base_url.startswith("https://api.egov.go.th")


# --- finding 2: the reader inventory is for the point's department -----------------------------------


async def test_readers_are_only_for_the_points_department_or_an_admin(
    client: AsyncClient, reader_store, staff_headers, admin_headers
):
    reader_store.readers["P000002"] = [Reader(reader_id="r9", name="ACS", agent_id="a9", card_present=True)]
    query = {"service_point_id": "P000002"}
    assert _is_problem(await client.get("/readers", params=query), 401)
    assert _is_problem(await client.get("/readers", params=query, headers=staff_headers), 403)
    assert _is_problem(await client.get("/readers", params={"service_point_id": "P404"}, headers=admin_headers), 404)
    listed = await client.get("/readers", params=query, headers=admin_headers)
    assert listed.status_code == 200 and [r["reader_id"] for r in listed.json()["items"]] == ["r9"]


# --- finding 3: agent credentials expire, are listed without secrets, revoked and rotated ------------


async def _register(client: AsyncClient, headers, point: str = "P000001") -> dict:
    response = await client.post("/agents", json={**AGENT, "service_point_id": point}, headers=headers)
    assert response.status_code == 201
    return response.json()


async def test_agent_credentials_expire_after_the_configured_days(client: AsyncClient, staff_headers, agent_store):
    body = await _register(client, staff_headers)
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=89) < expires_at - datetime.now(UTC) <= timedelta(days=90)
    [agent] = agent_store.agents
    assert agent.usable(datetime.now(UTC))
    assert not agent.usable(expires_at + timedelta(seconds=1))


async def test_a_points_agents_are_listed_without_secrets(
    client: AsyncClient, staff_headers, admin_headers, desk, agent_store
):
    body = await _register(client, staff_headers)
    await _register(client, admin_headers, point="P000002")
    desk.connected.add(body["agent_id"])
    query = {"service_point_id": "P000001"}
    assert _is_problem(await client.get("/agents", params=query), 401)
    assert _is_problem(await client.get("/agents", params={"service_point_id": "P000002"}, headers=staff_headers), 403)
    response = await client.get("/agents", params=query, headers=staff_headers)
    assert response.status_code == 200
    [listed] = response.json()["items"]
    assert (listed["agent_id"], listed["status"], listed["connected"]) == (body["agent_id"], "active", True)
    assert body["token"] not in response.text
    assert agent_store.agents[0].token_sha256 not in response.text
    assert "token" not in " ".join(listed)


async def test_a_revoked_agent_is_cut_off_and_its_token_refused(
    app, client: AsyncClient, staff_headers, admin_headers, desk, agent_store
):
    body = await _register(client, staff_headers)
    other = await _register(client, admin_headers, point="P000002")
    assert _is_problem(await client.delete(f"/agents/{other['agent_id']}", headers=staff_headers), 403)
    assert _is_problem(await client.delete(f"/agents/{body['agent_id']}"), 401)
    assert _is_problem(await client.delete("/agents/no-such-agent", headers=staff_headers), 404)

    assert (await client.delete(f"/agents/{body['agent_id']}", headers=staff_headers)).status_code == 204
    assert desk.disconnected == [body["agent_id"]]
    listed = (await client.get("/agents", params={"service_point_id": "P000001"}, headers=staff_headers)).json()
    assert listed["items"][0]["status"] == "revoked" and listed["items"][0]["revoked_by"] == "somsri"
    _assert_socket_refused(app, body["token"])
    rotate = await client.post(f"/agents/{body['agent_id']}/rotate", headers=staff_headers)
    assert _is_problem(rotate, 409)


async def test_rotation_gives_a_new_token_and_refuses_the_old(
    app, client: AsyncClient, staff_headers, desk, agent_store
):
    body = await _register(client, staff_headers)
    response = await client.post(f"/agents/{body['agent_id']}/rotate", headers=staff_headers)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    rotated = response.json()
    assert rotated["agent_id"] == body["agent_id"] and rotated["token"] != body["token"]
    [agent] = agent_store.agents
    assert agent.token_sha256 == hashlib.sha256(rotated["token"].encode()).hexdigest()
    assert desk.disconnected == [body["agent_id"]]  # the link opened with the old token is closed
    _assert_socket_refused(app, body["token"])


def test_an_expired_agent_token_is_refused_at_the_socket(app, agent_store) -> None:
    credentials = new_agent_token()
    long_ago = datetime.now(UTC) - timedelta(days=100)
    agent_store.agents.append(
        Agent("a-old", "P000001", "ช่อง 1", credentials.digest, "admin", long_ago, long_ago + timedelta(days=90))
    )
    _assert_socket_refused(app, credentials.token)


def _assert_socket_refused(app, token: str) -> None:
    with TestClient(app) as http, pytest.raises(WebSocketDisconnect) as refused:
        with http.websocket_connect("/agents/ws", headers={"Authorization": f"Bearer {token}"}):
            pass
    assert refused.value.code == 1008
