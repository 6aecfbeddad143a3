"""Issue 19: several card-gateway replicas — session ids, where a request goes, the loop guard, the
replica secret, stale replicas, and the routes forwarding to the owner (fakes for the store and peers)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from card_gateway.adapters.peers import PeerAnswer, PeerUnreachable
from card_gateway.adapters.reader_store import ReaderPlace
from card_gateway.config import CardSettings
from card_gateway.domain.replicas import (
    REPLICA_HEADER,
    LinkHolder,
    Replica,
    Route,
    is_live,
    new_session_id,
    owner_of,
    replica_secret,
    replica_secret_accepted,
    route_to_agent,
    route_to_session,
)
from card_gateway.domain.sessions import SessionBook
from card_gateway.service_layer.card_desk import CardDesk
from card_gateway.service_layer.replicas import ReplicaMesh
from citizeninfo_shared.keys import Keyring, Purpose
from citizeninfo_shared.problems import PROBLEM_JSON
from httpx import AsyncClient
from pydantic import ValidationError

ME, OTHER = "a" * 16, "b" * 16
OTHER_URL = "http://10.0.0.2:8005"
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
BEAT = timedelta(seconds=5)
KEYS = Keyring(current_id="k1", materials={"k1": b"m" * 48}).for_purpose(Purpose.CARD_REPLICA)
SECRET = replica_secret(KEYS)


def _replica(replica_id: str = OTHER, age: timedelta = timedelta(0)) -> Replica:
    return Replica(replica_id=replica_id, url=OTHER_URL, heartbeat_at=NOW - age)


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


# --- session ids ---------------------------------------------------------------------------------


def test_a_session_id_names_its_replica_and_a_single_process_keeps_todays_ids() -> None:
    session_id = new_session_id(ME)
    assert session_id.startswith(f"{ME}.") and owner_of(session_id) == ME
    alone = new_session_id(None)
    assert "." not in alone and owner_of(alone) is None
    book = SessionBook(ME)
    opened = book.open(
        reader_id="r1", service_point_id="P1", staff="s", purpose="identity_check", agent_id="a1", reader_name="R"
    )
    assert owner_of(opened.session_id) == ME


@pytest.mark.parametrize(
    "session_id",
    [
        "no-dot-at-all-here-xxxxxx",
        f"{'A' * 16}.{'x' * 22}",  # upper-case hex is not a replica id
        f"{'a' * 15}.{'x' * 22}",
        f"{ME}.short",
        f"{ME}.{'x' * 22}.more",  # a second dot
        f"{ME}.{'x' * 21}/",
        f".{'x' * 22}",
    ],
)
def test_anything_else_names_no_replica(session_id: str) -> None:
    assert owner_of(session_id) is None


# --- where a request goes -----------------------------------------------------------------------------


def _to_agent(**overrides):
    arguments = {
        "me": ME,
        "holds_link": False,
        "forwarded": False,
        "holder": LinkHolder("agent-1", OTHER, "link-1"),
        "owner": _replica(),
        "now": NOW,
        "heartbeat": BEAT,
    }
    return route_to_agent(**{**arguments, **overrides})


def test_a_session_on_an_agent_linked_elsewhere_is_forwarded_to_that_replica() -> None:
    decision = _to_agent()
    assert (decision.route, decision.url, decision.replica_id) == (Route.FORWARD, OTHER_URL, OTHER)
    assert _to_agent(holds_link=True).route is Route.LOCAL


@pytest.mark.parametrize(
    "overrides",
    [
        {"forwarded": True},  # the loop guard: a forwarded request is never passed on
        {"holder": None},  # never linked (or cleanly gone)
        {"holder": LinkHolder("agent-1", ME, "old")},  # our own stale record: we hold no link
        {"owner": None},  # the owner's registration was swept
        {"owner": _replica(age=BEAT * 3 + timedelta(seconds=1))},  # killed: heartbeat older than 3 beats
        {"owner": _replica("c" * 16)},  # not the replica the record names
    ],
    ids=["forwarded", "no holder", "stale own", "no owner", "stale owner", "other owner"],
)
def test_an_agent_nobody_live_holds_is_gone(overrides: dict) -> None:
    assert _to_agent(**overrides).route is Route.GONE


def test_a_session_goes_to_its_owner_unless_ours_unnamed_or_forwarded() -> None:
    args = {"me": ME, "owner": _replica(), "now": NOW, "heartbeat": BEAT}
    assert route_to_session(owner_id=OTHER, forwarded=False, **args).route is Route.FORWARD
    assert route_to_session(owner_id=ME, forwarded=False, **args).route is Route.LOCAL
    assert route_to_session(owner_id=None, forwarded=False, **args).route is Route.LOCAL
    assert route_to_session(owner_id=OTHER, forwarded=True, **args).route is Route.LOCAL  # loop guard
    stale = {**args, "owner": _replica(age=timedelta(seconds=16))}
    assert route_to_session(owner_id=OTHER, forwarded=False, **stale).route is Route.GONE
    assert route_to_session(owner_id=OTHER, forwarded=False, **{**args, "owner": None}).route is Route.GONE


def test_a_replica_is_live_for_three_heartbeats() -> None:
    assert is_live(_replica(age=BEAT * 3), now=NOW, heartbeat=BEAT)
    assert not is_live(_replica(age=BEAT * 3 + timedelta(milliseconds=1)), now=NOW, heartbeat=BEAT)
    assert not is_live(None, now=NOW, heartbeat=BEAT)


# --- the replica secret -------------------------------------------------------------------------------


def test_the_replica_secret_is_the_whole_hmac_under_a_configured_key() -> None:
    assert replica_secret_accepted(KEYS, SECRET)
    other_purpose = Keyring(current_id="k1", materials={"k1": b"m" * 48}).for_purpose(Purpose.VISIT)
    other_material = Keyring(current_id="k1", materials={"k1": b"x" * 48}).for_purpose(Purpose.CARD_REPLICA)
    for presented in (None, "", SECRET[:-1], SECRET[:12], SECRET.removeprefix("k1:"), "k1:" + "0" * 64, "ข้อความ"):
        assert not replica_secret_accepted(KEYS, presented), presented
    assert not replica_secret_accepted(KEYS, replica_secret(other_purpose))
    assert not replica_secret_accepted(KEYS, replica_secret(other_material))
    # While keys rotate, a replica still on the old key is accepted by one that lists it as retired.
    rotated = Keyring(current_id="k2", materials={"k1": b"m" * 48, "k2": b"n" * 48}).for_purpose(Purpose.CARD_REPLICA)
    assert replica_secret_accepted(rotated, SECRET) and replica_secret(rotated).startswith("k2:")
    legacy = Keyring(current_id="k1", materials={"k1": b"m" * 48}, legacy_key_id="k1").for_purpose(Purpose.CARD_REPLICA)
    assert not replica_secret_accepted(legacy, str(legacy.hashes("card-gateway/replica-to-replica/v1")[-1]))


def test_the_replica_url_is_an_origin_or_unset() -> None:
    assert CardSettings(environment="test").card_replica_url is None
    assert CardSettings(environment="test", card_replica_url="").card_replica_url is None
    assert CardSettings(environment="test", card_replica_url="http://10.1.2.3:8005/").card_replica_url == (
        "http://10.1.2.3:8005"
    )
    for bad in ("10.1.2.3:8005", "ftp://h:1", "http://h:1/path", "http://u:p@h:1", "http://h:1?x=1"):
        with pytest.raises(ValidationError):
            CardSettings(environment="test", card_replica_url=bad)


# --- the routes, with a mesh over fakes -------------------------------------------------------------


class FakeReplicaStore:
    def __init__(self) -> None:
        self.links: dict[str, LinkHolder] = {}
        self.registered: dict[str, Replica] = {}

    async def holder(self, agent_id: str) -> LinkHolder | None:
        return self.links.get(agent_id)

    async def holders(self, agent_ids) -> dict[str, LinkHolder]:
        return {a: self.links[a] for a in agent_ids if a in self.links}

    async def replica(self, replica_id: str) -> Replica | None:
        return self.registered.get(replica_id)

    async def replicas(self, replica_ids) -> dict[str, Replica]:
        return {r: self.registered[r] for r in replica_ids if r in self.registered}


class FakePeers:
    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.answer: PeerAnswer | None = PeerAnswer(201, b'{"session_id": "x"}', {"content-type": "application/json"})

    async def forward(self, base_url, method, path, *, authorization, request_id, json_body=None) -> PeerAnswer:
        self.calls.append({"url": base_url, "method": method, "path": path, "auth": authorization, "body": json_body})
        if self.answer is None:
            raise PeerUnreachable("ConnectError")
        return self.answer

    async def close_link(self, base_url: str, agent_id: str, *, request_id=None) -> bool:
        self.calls.append({"url": base_url, "method": "DELETE", "path": f"/internal/agents/{agent_id}/link"})
        if self.answer is None:
            raise PeerUnreachable("ConnectError")
        return True


@pytest.fixture
def replica_store() -> FakeReplicaStore:
    store = FakeReplicaStore()
    store.registered[OTHER] = Replica(OTHER, OTHER_URL, datetime.now(UTC))
    store.links["agent-1"] = LinkHolder("agent-1", OTHER, "link-1")
    return store


@pytest.fixture
def peers() -> FakePeers:
    return FakePeers()


@pytest.fixture
def mesh_app(app, desk, replica_store, peers, reader_store):
    app.state.replicas = ReplicaMesh(
        replica_id=ME,
        url="http://10.0.0.1:8005",
        desk=desk,
        store=replica_store,
        peers=peers,
        keys=KEYS,
        heartbeat=BEAT,
    )
    reader_store.places["r1"] = ReaderPlace(reader_id="r1", name="R0", agent_id="agent-1", service_point_id="P000001")
    return app


OPEN = {"reader_id": "r1", "purpose": "registration"}


async def test_opening_a_session_for_an_agent_held_elsewhere_passes_the_owners_answer_on(
    mesh_app, client: AsyncClient, staff_headers, peers
) -> None:
    peers.answer = PeerAnswer(
        201, b'{"session_id": "b.x"}', {"content-type": "application/json", "cache-control": "no-store"}
    )
    response = await client.post("/sessions", json=OPEN, headers=staff_headers)
    assert response.status_code == 201 and response.json() == {"session_id": "b.x"}
    assert response.headers["cache-control"] == "no-store"
    [call] = peers.calls
    assert (call["url"], call["method"], call["path"]) == (OTHER_URL, "POST", "/sessions")
    assert call["auth"] == staff_headers["Authorization"] and call["body"] == OPEN


async def test_a_forwarded_open_is_never_forwarded_again(mesh_app, client: AsyncClient, staff_headers, peers) -> None:
    response = await client.post("/sessions", json=OPEN, headers={**staff_headers, REPLICA_HEADER: SECRET})
    assert _is_problem(response, 409) and response.json()["reason"] == "agent_gone"
    assert peers.calls == []


async def test_a_forged_forwarding_mark_is_ignored(mesh_app, client: AsyncClient, staff_headers, peers) -> None:
    response = await client.post("/sessions", json=OPEN, headers={**staff_headers, REPLICA_HEADER: "k1:" + "0" * 64})
    assert response.status_code == 201  # forwarded as any request would be; the owner decides
    assert len(peers.calls) == 1


async def test_an_agent_on_a_dead_or_silent_replica_is_gone_never_a_500(
    mesh_app, client: AsyncClient, staff_headers, peers, replica_store
) -> None:
    peers.answer = None  # refused, timed out
    unreachable = await client.post("/sessions", json=OPEN, headers=staff_headers)
    assert _is_problem(unreachable, 409) and unreachable.json()["reason"] == "agent_gone"
    replica_store.registered[OTHER] = Replica(OTHER, OTHER_URL, datetime.now(UTC) - timedelta(minutes=1))
    stale = await client.post("/sessions", json=OPEN, headers=staff_headers)
    assert _is_problem(stale, 409) and stale.json()["reason"] == "agent_gone"
    assert len(peers.calls) == 1  # a stale owner is not even asked


async def test_reading_and_cancelling_a_session_go_to_its_owner(
    mesh_app, client: AsyncClient, staff_headers, peers
) -> None:
    session_id = f"{OTHER}.{'x' * 22}"
    peers.answer = PeerAnswer(200, json.dumps({"status": "read"}).encode(), {"content-type": "application/json"})
    response = await client.get(f"/sessions/{session_id}", headers=staff_headers)
    assert response.status_code == 200 and response.json() == {"status": "read"}
    peers.answer = PeerAnswer(204, b"", {})
    assert (await client.delete(f"/sessions/{session_id}", headers=staff_headers)).status_code == 204
    assert [(c["method"], c["path"]) for c in peers.calls] == [
        ("GET", f"/sessions/{session_id}"),
        ("DELETE", f"/sessions/{session_id}"),
    ]
    anonymous = await client.get(f"/sessions/{session_id}")
    assert _is_problem(anonymous, 401) and len(peers.calls) == 2  # refused here, before any forwarding


async def test_a_session_of_an_unknown_or_dead_replica_is_not_found(
    mesh_app, client: AsyncClient, staff_headers, peers
) -> None:
    unknown = await client.get(f"/sessions/{'c' * 16}.{'x' * 22}", headers=staff_headers)
    assert _is_problem(unknown, 404)
    peers.answer = None
    dead = await client.get(f"/sessions/{OTHER}.{'x' * 22}", headers=staff_headers)
    assert _is_problem(dead, 404)
    assert _is_problem(await client.delete(f"/sessions/{OTHER}.{'x' * 22}", headers=staff_headers), 404)


async def test_an_agent_linked_to_a_live_replica_is_listed_connected(
    mesh_app, client: AsyncClient, staff_headers, agent_store, replica_store
) -> None:
    from card_gateway.adapters.agent_store import Agent

    for agent_id in ("agent-1", "agent-2"):
        await agent_store.add(
            Agent(
                agent_id=agent_id,
                service_point_id="P000001",
                name=agent_id,
                token_sha256=agent_id * 8,
                registered_by="somsri",
                registered_at=NOW,
                expires_at=NOW + timedelta(days=90),
            )
        )
    replica_store.links["agent-2"] = LinkHolder("agent-2", "c" * 16, "link-2")  # its replica is not registered

    response = await client.get("/agents", params={"service_point_id": "P000001"}, headers=staff_headers)
    connected = {a["agent_id"]: a["connected"] for a in response.json()["items"]}
    assert connected == {"agent-1": True, "agent-2": False}
    replica_store.registered[OTHER] = Replica(OTHER, OTHER_URL, datetime.now(UTC) - timedelta(seconds=16))
    response = await client.get("/agents", params={"service_point_id": "P000001"}, headers=staff_headers)
    assert {a["agent_id"]: a["connected"] for a in response.json()["items"]} == {"agent-1": False, "agent-2": False}


async def test_revoking_closes_the_link_on_the_replica_that_holds_it(
    mesh_app, client: AsyncClient, staff_headers, agent_store, peers, desk
) -> None:
    from card_gateway.adapters.agent_store import Agent

    await agent_store.add(
        Agent(
            agent_id="agent-1",
            service_point_id="P000001",
            name="a",
            token_sha256="0" * 64,
            registered_by="somsri",
            registered_at=NOW,
            expires_at=NOW + timedelta(days=90),
        )
    )
    assert (await client.delete("/agents/agent-1", headers=staff_headers)).status_code == 204
    assert desk.disconnected == ["agent-1"]  # here too (it may hold a late link)
    assert [(c["url"], c["path"]) for c in peers.calls] == [(OTHER_URL, "/internal/agents/agent-1/link")]
    peers.answer = None  # the owner does not answer: the revoke still stands
    assert (await client.post("/agents/agent-1/rotate", headers=staff_headers)).status_code == 409  # revoked


# --- the internal endpoint ------------------------------------------------------------------------------


@pytest.mark.parametrize("presented", [None, "", "k1:" + "0" * 64, SECRET[:-2]])
async def test_the_internal_endpoint_refuses_without_the_replica_secret(
    mesh_app, client: AsyncClient, desk, presented
) -> None:
    headers = {} if presented is None else {REPLICA_HEADER: presented}
    response = await client.delete("/internal/agents/agent-1/link", headers=headers)
    assert _is_problem(response, 404)
    bad_id = await client.delete("/internal/agents/%20x/link", headers=headers)
    assert _is_problem(bad_id, 404)  # not even a 422: a stranger learns nothing
    assert desk.disconnected == []


async def test_the_internal_endpoint_closes_a_link_for_a_replica(mesh_app, client: AsyncClient, desk) -> None:
    response = await client.delete("/internal/agents/agent-1/link", headers={REPLICA_HEADER: SECRET})
    assert response.status_code == 204
    assert desk.disconnected == ["agent-1"]


async def test_a_single_process_has_no_internal_endpoint(client: AsyncClient, desk) -> None:
    response = await client.delete("/internal/agents/agent-1/link", headers={REPLICA_HEADER: SECRET})
    assert _is_problem(response, 404)
    assert desk.disconnected == []


def test_the_internal_endpoint_is_not_in_the_openapi_document(app) -> None:
    assert not [path for path in app.openapi()["paths"] if path.startswith("/internal")]


# --- the desk's link records ----------------------------------------------------------------------------


class RecordingReaders:
    def __init__(self) -> None:
        self.disconnected: list[list[str]] = []

    async def disconnect(self, reader_ids: list[str]) -> None:
        self.disconnected.append(reader_ids)


class FakeLinkRecords:
    def __init__(self) -> None:
        self.claimed: list[tuple[str, str]] = []
        self.current = True

    async def claim(self, agent_id: str, link_id: str) -> None:
        self.claimed.append((agent_id, link_id))

    async def release(self, agent_id: str, link_id: str) -> bool:
        return self.current


def _desk(readers: RecordingReaders, records: FakeLinkRecords) -> CardDesk:
    unused = None
    return CardDesk(
        readers=readers,  # type: ignore[arg-type]
        audit=unused,  # type: ignore[arg-type]
        verification=unused,  # type: ignore[arg-type]
        visits=unused,  # type: ignore[arg-type]
        gdx=unused,  # type: ignore[arg-type]
        visit_codec=unused,  # type: ignore[arg-type]
        keyring=unused,  # type: ignore[arg-type]
        notify_relay=lambda collection, document_id: None,
        replica_id=ME,
        link_records=records,
    )


async def _send(message: dict) -> None:
    return None


async def test_a_late_disconnect_leaves_a_link_made_since_on_another_replica_alone() -> None:
    from card_gateway.adapters.agent_store import Agent

    agent = Agent("agent-1", "P000001", "a", "0" * 64, "somsri", NOW, NOW + timedelta(days=90))
    readers, records = RecordingReaders(), FakeLinkRecords()
    desk = _desk(readers, records)
    link = await desk.agent_connected(agent, _send)
    link.readers = {"r1": "R0"}
    assert records.claimed == [("agent-1", link.link_id)]
    records.current = False  # the agent linked again elsewhere since
    await desk.agent_disconnected(link)
    assert readers.disconnected == [] and not desk.is_connected("agent-1")

    again = await desk.agent_connected(agent, _send)
    assert again.link_id != link.link_id
    again.readers = {"r1": "R0"}
    records.current = True
    await desk.agent_disconnected(again)
    assert readers.disconnected == [["r1"]]


# --- the heartbeat's backstop -------------------------------------------------------------------------


class LinkedDesk:
    def __init__(self, agents) -> None:
        self.agents = {a.agent_id: a for a in agents}
        self.disconnected: list[str] = []

    def linked_agents(self):
        return dict(self.agents)

    def is_connected(self, agent_id: str) -> bool:
        return agent_id in self.agents

    async def disconnect_agent(self, agent_id: str) -> None:
        self.agents.pop(agent_id, None)
        self.disconnected.append(agent_id)


class FakeAgents:
    def __init__(self, agents) -> None:
        self.agents = {a.agent_id: a for a in agents}

    async def many(self, agent_ids: list[str]):
        return {a: self.agents[a] for a in agent_ids if a in self.agents}


async def test_a_heartbeat_closes_links_whose_agent_was_revoked_or_rotated_elsewhere() -> None:
    import dataclasses

    from card_gateway.adapters.agent_store import Agent

    now = datetime.now(UTC)

    def agent(agent_id: str) -> Agent:
        return Agent(agent_id, "P000001", agent_id, agent_id[-1] * 64, "somsri", now, now + timedelta(days=90))

    kept, revoked, rotated, expired, deleted = (agent(f"agent-{n}") for n in range(5))
    desk = LinkedDesk([kept, revoked, rotated, expired, deleted])
    stored = FakeAgents(
        [
            kept,
            dataclasses.replace(revoked, revoked_at=now, revoked_by="admin"),
            dataclasses.replace(rotated, token_sha256="f" * 64),
            dataclasses.replace(expired, expires_at=now - timedelta(seconds=1)),
        ]
    )
    mesh = ReplicaMesh(
        replica_id=ME,
        url="http://10.0.0.1:8005",
        desk=desk,  # type: ignore[arg-type]
        store=FakeReplicaStore(),  # type: ignore[arg-type]
        peers=FakePeers(),  # type: ignore[arg-type]
        keys=KEYS,
        heartbeat=BEAT,
        agents=stored,
    )
    await mesh.drop_refused_links()
    assert sorted(desk.disconnected) == ["agent-1", "agent-2", "agent-3", "agent-4"]
    assert list(desk.agents) == ["agent-0"]


# --- the store's filters ---------------------------------------------------------------------------------


class RecordingCollection:
    name = "agent_links"

    def __init__(self, deleted: int = 1) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._deleted = deleted

    async def delete_one(self, filter: dict):
        self.calls.append(("delete_one", filter))

        class Result:
            deleted_count = self._deleted

        return Result()

    async def replace_one(self, filter: dict, document: dict, upsert: bool = False) -> None:
        self.calls.append(("replace_one", {**filter, **document, "upsert": upsert}))


async def test_a_link_is_released_only_by_the_replica_and_link_that_claimed_it() -> None:
    from card_gateway.adapters.replica_store import ReplicaStore

    links = RecordingCollection(deleted=0)
    store = ReplicaStore(RecordingCollection(), links)  # type: ignore[arg-type]
    holder = LinkHolder("agent-1", ME, "link-1")
    await store.claim_link(holder, NOW)
    assert await store.release_link(holder) is False  # the row names another link now
    assert links.calls == [
        (
            "replace_one",
            {
                "_id": "agent-1",
                "replica_id": ME,
                "link_id": "link-1",
                "connected_at": NOW,
                "seen_at": NOW,
                "upsert": True,
            },
        ),
        ("delete_one", {"_id": "agent-1", "replica_id": ME, "link_id": "link-1"}),
    ]
