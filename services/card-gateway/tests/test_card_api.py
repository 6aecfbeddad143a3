import hashlib

import pytest
from card_gateway.adapters.reader_store import Reader
from card_gateway.api.schemas import SessionRequest
from citizeninfo_shared.problems import PROBLEM_JSON
from httpx import AsyncClient
from pydantic import ValidationError

AGENT = {"service_point_id": "P000001", "name": "ช่องบริการ 3"}


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


async def test_registering_an_agent_needs_a_bearer_token(client: AsyncClient, agent_store) -> None:
    response = await client.post("/agents", json=AGENT)
    assert _is_problem(response, 401)
    assert agent_store.agents == []


async def test_agency_staff_register_agents_only_for_their_departments_points(
    client: AsyncClient, staff_headers, agent_store
) -> None:
    other = await client.post("/agents", json={**AGENT, "service_point_id": "P000002"}, headers=staff_headers)
    assert _is_problem(other, 403)
    unknown = await client.post("/agents", json={**AGENT, "service_point_id": "P404"}, headers=staff_headers)
    assert _is_problem(unknown, 404)
    assert agent_store.agents == []
    own = await client.post("/agents", json=AGENT, headers=staff_headers)
    assert own.status_code == 201
    assert [a.registered_by for a in agent_store.agents] == ["somsri"]


@pytest.mark.parametrize(
    "body",
    [{**AGENT, "agent_id": "mine"}, {**AGENT, "name": ""}, {"name": "x"}],
    ids=["unknown field", "empty name", "no point"],
)
async def test_bad_registrations_are_422_problems(client: AsyncClient, admin_headers, agent_store, body) -> None:
    response = await client.post("/agents", json=body, headers=admin_headers)
    assert _is_problem(response, 422)
    assert agent_store.agents == []


async def test_an_admin_gets_credentials_and_only_the_digest_is_kept(
    client: AsyncClient, admin_headers, agent_store
) -> None:
    response = await client.post("/agents", json=AGENT, headers=admin_headers)

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) >= {"agent_id", "token"}

    [agent] = agent_store.agents
    assert agent.agent_id == body["agent_id"]
    assert (agent.service_point_id, agent.name, agent.registered_by) == ("P000001", "ช่องบริการ 3", "admin")
    assert agent.token_sha256 == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in repr(agent)


async def test_each_agent_gets_its_own_token(client: AsyncClient, admin_headers) -> None:
    first = (await client.post("/agents", json=AGENT, headers=admin_headers)).json()
    second = (await client.post("/agents", json=AGENT, headers=admin_headers)).json()
    assert first["agent_id"] != second["agent_id"]
    assert first["token"] != second["token"]


async def test_a_point_without_readers_lists_none(client: AsyncClient, staff_headers) -> None:
    response = await client.get("/readers", params={"service_point_id": "P000001"}, headers=staff_headers)
    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_readers_are_listed_for_their_point(client: AsyncClient, reader_store, staff_headers) -> None:
    reader_store.readers["P000001"] = [Reader(reader_id="r1", name="ACS ACR39U", agent_id="a1", card_present=True)]
    response = await client.get("/readers", params={"service_point_id": "P000001"}, headers=staff_headers)
    assert response.json() == {
        "items": [{"reader_id": "r1", "name": "ACS ACR39U", "agent_id": "a1", "card_present": True, "connected": True}]
    }


@pytest.mark.parametrize("query", ["", "?service_point_id=", "?service_point_id=P%201"])
async def test_readers_need_a_valid_point_id(client: AsyncClient, query: str, admin_headers) -> None:
    assert _is_problem(await client.get(f"/readers{query}", headers=admin_headers), 422)


@pytest.mark.parametrize("reader_id", ["r1\u0000", "", "ไม่มี", "r" * 65])
def test_a_session_request_refuses_a_malformed_reader_id(reader_id: str) -> None:
    # A NUL once reached the database, which refused it: a 503 where the caller's input was at fault.
    with pytest.raises(ValidationError):
        SessionRequest.model_validate({"reader_id": reader_id, "purpose": "identity_check"})
