"""Sign-in and accounts through the real routes and adapters, over in-memory stand-ins (issue 17)."""

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.auth import Role
from citizeninfo_shared.events.account_state import AccountStateChanged
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.topics import TopicName
from pin_service.adapters import password_work
from pin_service.domain.login_throttle import Failures, default_policy

from .conftest import ADMIN_PASSWORD, STAFF_DEPARTMENT, STAFF_PASSWORD, PinWorld

PROBLEM = "application/problem+json"
ATTACKER, OWNER = {"X-Real-IP": "203.0.113.9"}, {"X-Real-IP": "198.51.100.7"}


async def _sign_in(client, username: str, password: str, headers: dict | None = None):
    return await client.post("/auth/token", data={"username": username, "password": password}, headers=headers)


# ------------------------------------------------------------- 1. throttling, not locking out
async def test_wrong_passwords_from_one_address_never_lock_the_owner_out_at_another(pin: PinWorld):
    async with pin.client() as client:
        answers = [(await _sign_in(client, "admin", "guessing-wrong", ATTACKER)).status_code for _ in range(8)]
        assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
        owner = await _sign_in(client, "admin", ADMIN_PASSWORD, OWNER)
        assert owner.status_code == 200, owner.text


async def test_a_throttled_client_gets_429_problem_json_with_retry_after_even_with_the_right_password(pin: PinWorld):
    async with pin.client() as client:
        for _ in range(5):
            assert (await _sign_in(client, "somsri", "guessing-wrong", ATTACKER)).status_code == 401
        refused = await _sign_in(client, "somsri", STAFF_PASSWORD, ATTACKER)
        assert refused.status_code == 429 and refused.headers["content-type"].startswith(PROBLEM)
        assert int(refused.headers["retry-after"]) >= 1 and "try again" in refused.json()["detail"]


def test_the_delay_doubles_per_client_and_account_and_the_account_wide_one_stays_short():
    policy, now = default_policy(), datetime(2026, 1, 1, tzinfo=UTC)
    client_waits = [policy.per_client.delay(n).total_seconds() for n in range(1, 10)]
    assert client_waits == [0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert policy.per_client.delay(30) == timedelta(seconds=900)
    # Spread over many addresses: the whole account is slowed, at most 30 s, never locked.
    assert policy.per_account.delay(1_000) == timedelta(seconds=30)
    many = Failures(count=1_000, last_at=now)
    assert policy.seconds_to_wait(None, many, now) == 30
    assert policy.seconds_to_wait(None, many, now + timedelta(seconds=31)) == 0
    # An hour after the last failure the count is forgotten.
    assert policy.seconds_to_wait(Failures(count=12, last_at=now), None, now + timedelta(hours=2)) == 0


# --------------------------------------------------------------- 2. no username enumeration
async def test_an_unknown_username_costs_the_same_argon2_verification_as_a_known_one(pin: PinWorld, monkeypatch):
    verified: list[str] = []
    real = password_work.password_matches

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(password_work, "password_matches", counting)
    async with pin.client() as client:
        unknown = await _sign_in(client, "nobody-here", "some-password")
        known = await _sign_in(client, "somsri", "some-password")
    assert unknown.status_code == known.status_code == 401
    assert unknown.json()["detail"] == known.json()["detail"]
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


# ----------------------------------------------------------------- 3. argon2 off the event loop
async def test_concurrent_sign_ins_leave_the_event_loop_free_and_run_a_bounded_number_at_once(
    pin: PinWorld, monkeypatch, password_hashes
):
    running, most = 0, 0
    threads: set[int] = set()
    real = password_work.password_matches

    def watched(password_hash: str, password: str) -> bool:
        nonlocal running, most
        threads.add(threading.get_ident())
        running += 1
        most = max(most, running)
        try:
            return real(password_hash, password)
        finally:
            running -= 1

    monkeypatch.setattr(password_work, "password_matches", watched)
    async with pin.client() as client:
        answers = await asyncio.gather(
            *(_sign_in(client, "somsri", STAFF_PASSWORD, {"X-Real-IP": f"192.0.2.{i}"}) for i in range(6))
        )
    assert all(a.status_code == 200 for a in answers)
    assert 1 <= most <= 2  # PasswordWork(2)
    # Never on the event loop's thread: argon2 there would stall every request for its whole duration.
    assert threads and threading.get_ident() not in threads


# -------------------------------------------------------------------- 4. password changes
async def test_an_admin_token_cannot_change_its_own_password_without_the_current_one(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.patch("/users/admin", json={"password": "taken-over-123"}, headers=pin.bearer("admin"))
        assert answer.status_code == 403 and answer.headers["content-type"].startswith(PROBLEM)
        assert (await _sign_in(client, "admin", ADMIN_PASSWORD)).status_code == 200


async def test_changing_ones_own_password_needs_the_current_one_and_revokes_older_tokens(pin: PinWorld):
    old = pin.bearer("somsri")
    async with pin.client() as client:
        body = {"current_password": "not-the-password", "new_password": "brand-new-password"}
        wrong = await client.post("/auth/password", json=body, headers=old)
        assert wrong.status_code == 403 and wrong.headers["content-type"].startswith(PROBLEM)
        body["current_password"] = STAFF_PASSWORD
        changed = await client.post("/auth/password", json=body, headers=old)
        assert changed.status_code == 200, changed.text
        fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
        # The old token is refused at once in this process; the new one works; so does the new password.
        assert (await client.post("/auth/password", json=body, headers=old)).status_code == 401
        body = {"current_password": "brand-new-password", "new_password": "another-new-password"}
        assert (await client.post("/auth/password", json=body, headers=fresh)).status_code == 200
        assert (await _sign_in(client, "somsri", STAFF_PASSWORD)).status_code == 401


async def test_wrong_current_passwords_are_throttled_apart_from_sign_in(pin: PinWorld):
    headers = {**pin.bearer("somsri"), **ATTACKER}
    async with pin.client() as client:
        body = {"current_password": "guessing-wrong", "new_password": "brand-new-password"}
        answers = [(await client.post("/auth/password", json=body, headers=headers)).status_code for _ in range(6)]
        assert answers[:5] == [403] * 5 and answers[5] == 429
        assert (await _sign_in(client, "somsri", STAFF_PASSWORD, ATTACKER)).status_code == 200


async def test_an_admin_resets_another_accounts_password_and_that_accounts_tokens_stop_working(pin: PinWorld):
    staff = pin.bearer("somsri")
    async with pin.client() as client:
        reset = await client.patch("/users/somsri", json={"password": "reset-by-admin-1"}, headers=pin.bearer("admin"))
        assert reset.status_code == 200, reset.text
        assert (await client.get("/pins/flagged", headers=staff)).status_code == 401
        assert (await _sign_in(client, "somsri", "reset-by-admin-1")).status_code == 200


async def test_the_last_enabled_administrator_cannot_be_disabled_or_demoted(pin: PinWorld, password_hashes):
    other = pin.bearer("deputy")  # an administrator's token whose account is not in the database
    async with pin.client() as client:
        disable = await client.patch("/users/admin", json={"disabled": True}, headers=other)
        assert disable.status_code == 409 and disable.headers["content-type"].startswith(PROBLEM)
        demote = {"role": "agency_staff", "department_id": STAFF_DEPARTMENT}
        assert (await client.patch("/users/admin", json=demote, headers=pin.bearer("admin"))).status_code == 409
        assert pin.users.documents["admin"]["role"] == "admin" and not pin.users.documents["admin"]["disabled"]
        # With a second enabled administrator, either may be demoted.
        await pin.app.state.account_store.create("deputy", password_hashes[ADMIN_PASSWORD], Role.ADMIN, None)
        demoted = await client.patch("/users/deputy", json=demote, headers=pin.bearer("admin"))
        assert demoted.status_code == 200 and demoted.json()["role"] == "agency_staff"


# ----------------------------------------------------- 5. tokens do not outlive their account
async def test_disabling_an_account_stages_its_state_event_and_refuses_its_token_at_once(pin: PinWorld):
    staff = pin.bearer("somsri")
    async with pin.client() as client:
        assert (await client.get("/pins/flagged", headers=staff)).status_code == 403  # signed in, not admin
        disabled = await client.patch("/users/somsri", json={"disabled": True}, headers=pin.bearer("admin"))
        assert disabled.status_code == 200
        assert (await client.get("/pins/flagged", headers=staff)).status_code == 401
    staged = pin.users.documents["somsri"]["_outbox"]
    assert staged[-1]["topic"] == TopicName.ACCOUNT_STATE and staged[-1]["key"] == "somsri"
    change = CloudEvent.model_validate_json(staged[-1]["value"]).data_as(AccountStateChanged)
    assert change.disabled and change.token_epoch == pin.users.documents["somsri"]["token_epoch"]
    assert ("users", "somsri") in pin.relay.notified


async def test_enabling_again_does_not_bring_back_tokens_issued_before_the_disable(pin: PinWorld):
    before = pin.bearer("somsri")
    admin = pin.bearer("admin")
    async with pin.client() as client:
        await client.patch("/users/somsri", json={"disabled": True}, headers=admin)
        await client.patch("/users/somsri", json={"disabled": False}, headers=admin)
        assert (await client.get("/pins/flagged", headers=before)).status_code == 401
        signed_in = await _sign_in(client, "somsri", STAFF_PASSWORD)
        after = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        assert (await client.get("/pins/flagged", headers=after)).status_code == 403


# ------------------------------------------------------------------- 6. deep search pages
@pytest.mark.parametrize(("offset", "limit"), [(9_990, 20), (10_000, 1), (9_999, 100)])
async def test_a_search_page_beyond_the_result_window_is_422_before_the_search_engine_is_asked(
    pin: PinWorld, offset: int, limit: int
):
    async with pin.client() as client:
        answer = await client.get("/service-points", params={"offset": offset, "limit": limit})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith(PROBLEM)
    assert pin.app.state.elasticsearch.searches == []


async def test_the_last_page_inside_the_result_window_is_searched(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/service-points", params={"offset": 9_980, "limit": 20})
    assert answer.status_code == 200
    assert pin.app.state.elasticsearch.searches[0]["from_"] == 9_980
