"""Tokens do not outlive their account: every service refuses the token of a disabled account, or one
issued before a password reset, as soon as the account-state event reaches it (issue 17)."""

import asyncio
import contextlib

import pytest
from citizeninfo_shared import auth
from citizeninfo_shared.account_state import AccountStates
from citizeninfo_shared.auth import CurrentPrincipal, OptionalPrincipal, Principal, Role, TokenCodec
from citizeninfo_shared.events.account_state import AccountStateChanged
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.service_app import create_service_app
from citizeninfo_shared.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings
from citizeninfo_shared.topics import TopicName, topic
from fastapi import APIRouter
from httpx import ASGITransport, AsyncClient
from prometheus_client import CollectorRegistry

codec = TokenCodec(DEVELOPMENT_JWT_SECRET, issuer="citizeninfo-pin-service", audience="citizeninfo")
router = APIRouter()


@router.post("/writes", status_code=201)
async def write(principal: CurrentPrincipal) -> dict:
    return {"by": principal.username}


@router.get("/reads")
async def read(principal: OptionalPrincipal) -> dict:
    return {"by": principal.username if principal else None}


def _app(states: AccountStates | None):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield

    app = create_service_app(
        settings=ServiceSettings(), title="t", description="d", lifespan=lifespan, routers=[router],
        metrics_registry=CollectorRegistry(),
    )  # fmt: skip
    app.state.token_codec = codec
    if states is not None:
        app.state.account_states = states
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://service")


def _bearer(username: str, epoch: int = 0) -> dict[str, str]:
    token = codec.issue(Principal(username=username, role=Role.AGENCY_STAFF, department_id="D1", token_epoch=epoch))
    return {"Authorization": f"Bearer {token}"}


def _event(username: str, *, disabled: bool, epoch: int) -> CloudEvent:
    change = AccountStateChanged(username=username, disabled=disabled, token_epoch=epoch)
    return CloudEvent.wrap(change, source="/citizeninfo/pin-service", subject=username)


@pytest.fixture
def states() -> AccountStates:
    states = AccountStates()
    states.loaded.set()
    return states


def test_the_token_carries_its_accounts_epoch():
    token = codec.issue(Principal(username="u", role=Role.ADMIN, token_epoch=1_700_000_000_123_456))
    assert codec.verify(token).token_epoch == 1_700_000_000_123_456
    assert codec.verify(codec.issue(Principal(username="u", role=Role.ADMIN))).token_epoch == 0


async def test_a_disabled_accounts_token_is_refused_as_soon_as_its_state_arrives(states: AccountStates):
    async with _app(states) as client:
        assert (await client.post("/writes", headers=_bearer("somsri", 5))).status_code == 201
        states.apply([_event("somsri", disabled=True, epoch=5)])
        refused = await client.post("/writes", headers=_bearer("somsri", 5))
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert "disabled" in refused.json()["detail"]
        # Optional sign-in too: a refused token is never taken for anonymous.
        assert (await client.get("/reads", headers=_bearer("somsri", 5))).status_code == 401
        # Other accounts are untouched.
        assert (await client.post("/writes", headers=_bearer("prasert", 0))).status_code == 201


async def test_tokens_issued_before_a_password_reset_are_refused_and_later_ones_accepted(states: AccountStates):
    async with _app(states) as client:
        states.apply([_event("somsri", disabled=False, epoch=10)])
        assert (await client.post("/writes", headers=_bearer("somsri", 9))).status_code == 401
        assert (await client.post("/writes", headers=_bearer("somsri", 0))).status_code == 401  # pre-epoch token
        assert (await client.post("/writes", headers=_bearer("somsri", 10))).status_code == 201


async def test_a_replayed_older_state_never_lowers_the_epoch(states: AccountStates):
    states.apply([_event("somsri", disabled=False, epoch=10), _event("somsri", disabled=False, epoch=3)])
    assert states.refusal("somsri", 9) is not None
    states.apply(
        [_event("somsri", disabled=False, epoch=12), CloudEvent(source="/x", type="other", subject="s", data={})]
    )
    assert states.refusal("somsri", 11) is not None and states.refusal("somsri", 12) is None


async def test_until_the_account_states_are_read_a_token_is_a_503_not_accepted_blindly(monkeypatch):
    monkeypatch.setattr(auth, "ACCOUNT_STATES_WAIT_SECONDS", 0.05)
    states = AccountStates()
    async with _app(states) as client:
        waiting = await client.post("/writes", headers=_bearer("somsri"))
        assert waiting.status_code == 503 and waiting.headers["retry-after"]
        assert (await client.get("/reads")).status_code == 200  # anonymous callers need no account state
        states.loaded.set()
        assert (await client.post("/writes", headers=_bearer("somsri"))).status_code == 201


async def test_a_request_arriving_during_the_start_up_read_waits_for_it(states: AccountStates):
    loading = AccountStates()
    async with _app(loading) as client:
        request = asyncio.create_task(client.post("/writes", headers=_bearer("somsri", 1)))
        await asyncio.sleep(0.05)
        loading.apply([_event("somsri", disabled=True, epoch=1)])
        loading.loaded.set()
        assert (await request).status_code == 401


def test_the_account_state_topic_is_compacted_and_keyed_by_username():
    assert topic(TopicName.ACCOUNT_STATE).cleanup_policy == "compact"
    assert _event("somsri", disabled=True, epoch=1).key == b"somsri"
