"""Issue 22: department coordinators manage their own department's staff accounts, and nothing else;
accounts without a password get a one-time setup code (through the real routes, over the fakes)."""

from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.auth import Principal, Role
from pin_service.adapters.geography import thai_geography
from pin_service.domain.account_rights import Verdict, may_change, may_create, may_see
from pin_service.domain.accounts import new_setup_code, setup_code_matches

from .conftest import STAFF_DEPARTMENT, STAFF_PASSWORD, PinWorld

PROBLEM = "application/problem+json"
OTHER_DEPARTMENT = "D0801"
COORDINATOR, OTHER_COORDINATOR = "kanya", "preecha"


@pytest.fixture
async def world(pin: PinWorld, password_hashes: dict[str, str]) -> PinWorld:
    store = pin.app.state.account_store
    staff_hash = password_hashes[STAFF_PASSWORD]
    await store.create(COORDINATOR, staff_hash, Role.COORDINATOR, STAFF_DEPARTMENT)
    await store.create("kanya2", staff_hash, Role.COORDINATOR, STAFF_DEPARTMENT)
    await store.create(OTHER_COORDINATOR, staff_hash, Role.COORDINATOR, OTHER_DEPARTMENT)
    await store.create("wichai", staff_hash, Role.AGENCY_STAFF, OTHER_DEPARTMENT)
    for department in (STAFF_DEPARTMENT, OTHER_DEPARTMENT):
        pin.db["departments"].documents[department] = {"_id": department, "name_th": "กรมทดสอบ"}
    return pin


def _assert_forbidden(answer) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json()
    assert body["title_th"] == "ไม่มีสิทธิ์ดำเนินการ" and body["detail_th"] and body["detail_th"] in body["detail"]


def _assert_hidden(answer, username: str) -> None:
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    assert answer.json()["detail"] == f"ไม่พบบัญชี {username!r} — no account {username!r}."


# ------------------------------------------------------------------------------- pure rules
def test_the_rules_of_who_manages_which_account():
    admin = Principal(username="admin", role=Role.ADMIN)
    coordinator = Principal(username="kanya", role=Role.COORDINATOR, department_id="D1")
    staff = Principal(username="somsri", role=Role.AGENCY_STAFF, department_id="D1")
    own_staff = {"_id": "a", "role": "agency_staff", "department_id": "D1"}
    other_staff = {"_id": "b", "role": "agency_staff", "department_id": "D2"}
    an_admin = {"_id": "admin", "role": "admin", "department_id": None}
    own_coordinator = {"_id": "kanya", "role": "coordinator", "department_id": "D1"}

    assert may_create(admin, Role.COORDINATOR, "D2").verdict is Verdict.ALLOWED
    assert may_create(coordinator, Role.AGENCY_STAFF, "D1").verdict is Verdict.ALLOWED
    for role, department in ((Role.AGENCY_STAFF, "D2"), (Role.COORDINATOR, "D1"), (Role.ADMIN, None)):
        assert may_create(coordinator, role, department).verdict is Verdict.FORBIDDEN
    assert may_create(staff, Role.AGENCY_STAFF, "D1").verdict is Verdict.FORBIDDEN

    assert may_change(coordinator, own_staff, {"disabled", "password"}).verdict is Verdict.ALLOWED
    assert may_change(coordinator, own_staff, {"role"}).verdict is Verdict.FORBIDDEN
    assert may_change(coordinator, own_staff, {"department_id"}).verdict is Verdict.FORBIDDEN
    assert may_change(coordinator, own_coordinator, {"disabled"}).verdict is Verdict.FORBIDDEN
    assert may_change(coordinator, other_staff, {"disabled"}).verdict is Verdict.HIDDEN
    assert may_change(coordinator, an_admin, {"disabled"}).verdict is Verdict.HIDDEN
    assert may_change(staff, own_staff, {"disabled"}).verdict is Verdict.FORBIDDEN
    assert may_change(admin, an_admin, {"role"}).verdict is Verdict.ALLOWED
    assert not may_see(coordinator, other_staff) and not may_see(coordinator, an_admin)
    assert may_see(coordinator, own_coordinator) and may_see(admin, other_staff)
    # A coordinator without a department (a malformed token) is no coordinator at all.
    assert not Principal(username="x", role=Role.COORDINATOR).is_coordinator


def test_a_coordinator_acts_as_staff_of_its_department_everywhere_else(token_codec):
    coordinator = Principal(username="kanya", role=Role.COORDINATOR, department_id="D1", token_epoch=7)
    assert coordinator.may_act_for("D1") and not coordinator.may_act_for("D2") and not coordinator.may_act_for(None)
    assert not coordinator.is_admin
    assert token_codec.verify(token_codec.issue(coordinator)) == coordinator


def test_setup_codes_are_stored_as_digests_match_once_and_expire():
    now = datetime(2026, 12, 3, tzinfo=UTC)
    setup = new_setup_code(now, timedelta(days=14))
    assert setup.code not in setup.digest and len(setup.code) >= 24
    user = {"setup_code_hash": setup.digest, "setup_code_expires_at": setup.expires_at}
    assert setup_code_matches(user, setup.code, now)
    assert not setup_code_matches(user, setup.code + "x", now)
    assert not setup_code_matches(user, setup.code, now + timedelta(days=14))
    naive = {**user, "setup_code_expires_at": setup.expires_at.replace(tzinfo=None)}  # as the database returns it
    assert setup_code_matches(naive, setup.code, now)
    assert not setup_code_matches({"setup_code_hash": None}, setup.code, now)


# ---------------------------------------------------------------------- creating accounts
async def test_a_coordinator_creates_staff_of_its_department_with_a_password_or_a_setup_code(world: PinWorld):
    async with world.client() as http:
        headers = world.bearer(COORDINATOR)
        with_password = {"username": "malee", "password": "long-password-1", "role": "agency_staff"}
        created = await http.post("/users", json={**with_password, "department_id": STAFF_DEPARTMENT}, headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["setup_code"] is None and created.json()["has_password"] is True
        assert world.users.documents["malee"]["created_by"] == COORDINATOR

        body = {"username": "somchai", "role": "agency_staff", "department_id": STAFF_DEPARTMENT,
                "display_name": "สมชาย ใจดี", "email": "somchai@dopa.go.th"}  # fmt: skip
        coded = await http.post("/users", json=body, headers=headers)
        assert coded.status_code == 201, coded.text
        assert coded.headers["cache-control"] == "no-store"
        answer = coded.json()
        assert answer["setup_code"] and answer["has_password"] is False and answer["display_name"] == "สมชาย ใจดี"
        stored = world.users.documents["somchai"]
        assert stored["password_hash"] is None and answer["setup_code"] not in str(stored)


@pytest.mark.parametrize(
    ("role", "department"),
    [("agency_staff", OTHER_DEPARTMENT), ("coordinator", STAFF_DEPARTMENT), ("admin", None)],
)
async def test_a_coordinator_creates_no_account_of_another_department_no_coordinator_no_admin(
    world: PinWorld, role: str, department: str | None
):
    async with world.client() as http:
        body = {"username": "intruder", "password": "long-password-1", "role": role, "department_id": department}
        _assert_forbidden(await http.post("/users", json=body, headers=world.bearer(COORDINATOR)))
    assert "intruder" not in world.users.documents


async def test_agency_staff_manage_no_accounts(world: PinWorld):
    async with world.client() as http:
        staff = world.bearer("somsri")
        body = {"username": "newbie", "password": "long-password-1", "role": "agency_staff"}
        _assert_forbidden(await http.post("/users", json={**body, "department_id": STAFF_DEPARTMENT}, headers=staff))
        _assert_forbidden(await http.get("/users/somsri", headers=staff))
        _assert_forbidden(await http.patch("/users/kanya", json={"disabled": True}, headers=staff))


# ------------------------------------------------------------------ managing accounts
async def test_a_coordinator_disables_enables_and_resets_its_staff_and_their_tokens_are_revoked(world: PinWorld):
    before = world.bearer("somsri")
    epoch = world.users.documents["somsri"]["token_epoch"]
    async with world.client() as http:
        coordinator = world.bearer(COORDINATOR)
        read = await http.get("/users/somsri", headers=coordinator)
        assert read.status_code == 200 and read.json()["department_id"] == STAFF_DEPARTMENT

        disabled = await http.patch("/users/somsri", json={"disabled": True}, headers=coordinator)
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        assert (await http.get("/pins/flagged", headers=before)).status_code == 401  # refused at once here
        assert world.states.refusal("somsri", epoch) is not None
        enabled = await http.patch("/users/somsri", json={"disabled": False}, headers=coordinator)
        assert enabled.status_code == 200 and enabled.json()["disabled"] is False

        reset = await http.patch("/users/somsri", json={"password": "chosen-by-kanya-1"}, headers=coordinator)
        assert reset.status_code == 200
        assert world.users.documents["somsri"]["token_epoch"] > epoch
        signed_in = await http.post("/auth/token", data={"username": "somsri", "password": "chosen-by-kanya-1"})
        assert signed_in.status_code == 200

        code = await http.post("/users/somsri:setup-code", headers=coordinator)
        assert code.status_code == 200 and code.headers["cache-control"] == "no-store"
        # The old password no longer works; the code chooses a new one, once.
        old = await http.post("/auth/token", data={"username": "somsri", "password": "chosen-by-kanya-1"})
        assert old.status_code == 401
        body = {"username": "somsri", "setup_code": code.json()["setup_code"], "new_password": "mine-now-123"}
        assert (await http.post("/auth/setup-password", json=body)).status_code == 200
        assert (await http.post("/auth/setup-password", json=body)).status_code == 401
    # disabled, enabled, new password, setup code, password chosen: each published for the other services
    assert world.relay.notified.count(("users", "somsri")) >= 5
    outbox = world.users.documents["somsri"]["_outbox"]
    assert len(outbox) >= 5


async def test_a_coordinator_cannot_touch_another_departments_accounts_and_cannot_tell_they_exist(world: PinWorld):
    async with world.client() as http:
        coordinator = world.bearer(COORDINATOR)
        for username in ("wichai", OTHER_COORDINATOR, "admin", "nobody-at-all"):
            _assert_hidden(await http.get(f"/users/{username}", headers=coordinator), username)
            _assert_hidden(
                await http.patch(f"/users/{username}", json={"disabled": True}, headers=coordinator), username
            )
            _assert_hidden(await http.post(f"/users/{username}:setup-code", headers=coordinator), username)
    assert not world.users.documents["wichai"]["disabled"] and not world.users.documents["admin"]["disabled"]
    assert world.users.documents["admin"]["password_hash"]


async def test_a_coordinator_cannot_change_coordinators_itself_roles_or_departments(world: PinWorld):
    async with world.client() as http:
        coordinator = world.bearer(COORDINATOR)
        _assert_forbidden(await http.patch("/users/kanya2", json={"disabled": True}, headers=coordinator))
        _assert_forbidden(await http.post("/users/kanya2:setup-code", headers=coordinator))
        _assert_forbidden(await http.patch(f"/users/{COORDINATOR}", json={"disabled": True}, headers=coordinator))
        promote = {"role": "coordinator"}
        _assert_forbidden(await http.patch("/users/somsri", json=promote, headers=coordinator))
        move = {"department_id": OTHER_DEPARTMENT}
        _assert_forbidden(await http.patch("/users/somsri", json=move, headers=coordinator))
    assert world.users.documents["somsri"]["role"] == "agency_staff"
    assert world.users.documents["somsri"]["department_id"] == STAFF_DEPARTMENT


async def test_an_admin_creates_and_demotes_coordinators_and_the_demotion_revokes_their_tokens(world: PinWorld):
    async with world.client() as http:
        admin = world.bearer("admin")
        body = {"username": "napa", "role": "coordinator", "department_id": OTHER_DEPARTMENT}
        created = await http.post("/users", json=body, headers=admin)
        assert created.status_code == 201 and created.json()["role"] == "coordinator"
        no_department = await http.post("/users", json={"username": "napa2", "role": "coordinator"}, headers=admin)
        assert no_department.status_code == 422

        old = world.bearer(COORDINATOR)
        epoch = world.users.documents[COORDINATOR]["token_epoch"]
        demoted = await http.patch(f"/users/{COORDINATOR}", json={"role": "agency_staff"}, headers=admin)
        assert demoted.status_code == 200
        assert world.states.refusal(COORDINATOR, epoch) is not None
        assert (await http.get("/users/somsri", headers=old)).status_code == 401


async def test_a_coordinator_token_is_accepted_where_its_departments_staff_token_is(world: PinWorld):
    world.app.state.geography = thai_geography()
    points = world.db["service_points"]
    for point_id, department in (("P000001", STAFF_DEPARTMENT), ("P000002", OTHER_DEPARTMENT)):
        points.documents[point_id] = {
            "_id": point_id, "department_id": department, "name_th": "สำนักงาน", "service_ids": [],
            "province_code": "50", "district_code": "5001",
        }  # fmt: skip
    async with world.client() as http:
        for who in ("somsri", COORDINATOR):
            at_home = await http.post(
                "/service-points/P000001/pins:check", json={"lat": 18.79, "lon": 98.98}, headers=world.bearer(who)
            )
            assert at_home.status_code == 200, (who, at_home.text)
            away = await http.post(
                "/service-points/P000002/pins:check", json={"lat": 18.79, "lon": 98.98}, headers=world.bearer(who)
            )
            assert away.status_code == 403, who


# ---------------------------------------------------------------------- setup codes
async def test_an_account_created_without_a_password_cannot_sign_in_until_its_code_chooses_one(world: PinWorld):
    async with world.client() as http:
        body = {"username": "dao", "role": "agency_staff", "department_id": STAFF_DEPARTMENT}
        code = (await http.post("/users", json=body, headers=world.bearer("admin"))).json()["setup_code"]
        for password in ("", "None", code):
            assert (await http.post("/auth/token", data={"username": "dao", "password": password})).status_code in {
                401,
                422,
            }
        wrong = {"username": "dao", "setup_code": "not-the-code", "new_password": "dao-password-1"}
        refused = await http.post("/auth/setup-password", json=wrong)
        assert refused.status_code == 401 and refused.headers["content-type"].startswith(PROBLEM)
        unknown = await http.post("/auth/setup-password", json={**wrong, "username": "nobody"})
        assert unknown.json()["detail"] == refused.json()["detail"]
        chosen = await http.post("/auth/setup-password", json={**wrong, "setup_code": code})
        assert chosen.status_code == 200 and chosen.headers["cache-control"] == "no-store"
        assert chosen.json()["access_token"]
        assert (
            await http.post("/auth/token", data={"username": "dao", "password": "dao-password-1"})
        ).status_code == 200
        assert world.users.documents["dao"]["setup_code_hash"] is None


async def test_an_expired_or_disabled_accounts_setup_code_is_refused(world: PinWorld):
    async with world.client() as http:
        admin = world.bearer("admin")
        body = {"username": "late", "role": "agency_staff", "department_id": STAFF_DEPARTMENT}
        code = (await http.post("/users", json=body, headers=admin)).json()["setup_code"]
        world.users.documents["late"]["setup_code_expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
        choose = {"username": "late", "setup_code": code, "new_password": "late-password-1"}
        assert (await http.post("/auth/setup-password", json=choose)).status_code == 401

        body = {"username": "off", "role": "agency_staff", "department_id": STAFF_DEPARTMENT}
        code = (await http.post("/users", json=body, headers=admin)).json()["setup_code"]
        assert (await http.patch("/users/off", json={"disabled": True}, headers=admin)).status_code == 200
        choose = {"username": "off", "setup_code": code, "new_password": "off-password-1"}
        answer = await http.post("/auth/setup-password", json=choose)
        assert answer.status_code == 401 and "disabled" in answer.json()["detail"]


async def test_an_admin_cannot_reset_its_own_password_to_a_setup_code(world: PinWorld):
    async with world.client() as http:
        answer = await http.post("/users/admin:setup-code", headers=world.bearer("admin"))
        assert answer.status_code == 403
    assert world.users.documents["admin"]["password_hash"]
