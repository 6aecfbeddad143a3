"""Issue 22: registration requests, filed anonymously, decided by national administrators; the
applicant's personal data leave the request once it is decided."""

import asyncio

import pytest
from citizeninfo_shared.auth import Role
from pin_service.domain.registration import normalised_email, official_email_problem

from .conftest import STAFF_DEPARTMENT, STAFF_PASSWORD, PinWorld

PROBLEM = "application/problem+json"
DOMAINS = ("go.th", "mi.th")


@pytest.fixture
async def world(pin: PinWorld, password_hashes: dict[str, str]) -> PinWorld:
    await pin.app.state.account_store.create(
        "kanya", password_hashes[STAFF_PASSWORD], Role.COORDINATOR, STAFF_DEPARTMENT
    )
    pin.db["departments"].documents[STAFF_DEPARTMENT] = {"_id": STAFF_DEPARTMENT, "name_th": "กรมการปกครอง"}
    return pin


def _filing(**changes) -> dict:
    return {
        "department_id": STAFF_DEPARTMENT,
        "name": "นายสมชาย ใจดี",
        "email": "somchai@nongbua.go.th",
        "note": "อบต.หนองบัว ขอบัญชีสำหรับปักหมุด",
        **changes,
    }


# -------------------------------------------------------------------------------- pure rules
@pytest.mark.parametrize(
    ("email", "accepted"),
    [
        ("somchai@dopa.go.th", True),
        ("saraban@nongbua.chiangmai.go.th", True),
        ("officer@rta.mi.th", True),
        ("Somchai@DOPA.GO.TH", True),
        ("somchai@gmail.com", False),
        ("somchai@go.th.example.com", False),
        ("somchai@fakego.th", False),
        ("no-at-sign.go.th", False),
        ("two@@dopa.go.th", False),
        ("space in@dopa.go.th", False),
    ],
)
def test_only_official_addresses_are_accepted(email: str, accepted: bool):
    assert (official_email_problem(normalised_email(email), DOMAINS) is None) is accepted


def test_the_domain_of_an_address_is_compared_without_case():
    assert normalised_email(" Somchai@DOPA.Go.TH ") == "Somchai@dopa.go.th"


# ------------------------------------------------------------------------------- the lifecycle
async def test_a_request_is_filed_anonymously_and_the_applicant_is_told_nothing_of_its_contents(world: PinWorld):
    async with world.client() as http:
        filed = await http.post("/registration-requests", json=_filing())
    assert filed.status_code == 202, filed.text
    receipt = filed.json()
    assert set(receipt) == {"id", "status", "department_id", "created_at"} and receipt["status"] == "pending"
    assert "somchai" not in filed.text
    stored = world.db["registration_requests"].documents[receipt["id"]]
    assert stored["email"] == "somchai@nongbua.go.th" and stored["status"] == "pending"
    assert not any(user.get("email") for user in world.users.documents.values())  # no account before approval


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"department_id": "D9999"}, "department_id"),
        ({"email": "somchai@gmail.com"}, "email"),
        ({"email": "not an address"}, "email"),
    ],
)
async def test_an_unknown_department_or_an_unofficial_address_is_422(world: PinWorld, changes: dict, field: str):
    async with world.client() as http:
        answer = await http.post("/registration-requests", json=_filing(**changes))
    assert answer.status_code == 422 and answer.headers["content-type"].startswith(PROBLEM)
    assert answer.json()["errors"][0]["loc"] == ["body", field]
    assert not world.db["registration_requests"].documents


async def test_undecided_requests_are_capped_per_address_and_per_department(world: PinWorld):
    settings = world.app.state.settings
    world.app.state.settings = settings.model_copy(update={"registration_pending_per_department": 3})
    try:
        async with world.client() as http:
            assert (await http.post("/registration-requests", json=_filing())).status_code == 202
            again = await http.post("/registration-requests", json=_filing(name="คนอื่น"))
            assert again.status_code == 409 and "somchai" not in again.text
            for n in (2, 3):
                answer = await http.post("/registration-requests", json=_filing(email=f"p{n}@dopa.go.th"))
                assert answer.status_code == 202
            capped = await http.post("/registration-requests", json=_filing(email="p4@dopa.go.th"))
            assert capped.status_code == 409
    finally:
        world.app.state.settings = settings


async def test_only_administrators_list_and_decide(world: PinWorld):
    async with world.client() as http:
        request_id = (await http.post("/registration-requests", json=_filing())).json()["id"]
        assert (await http.get("/registration-requests")).status_code == 401
        for who in ("kanya", "somsri"):
            headers = world.bearer(who)
            assert (await http.get("/registration-requests", headers=headers)).status_code == 403
            approve = {"username": "somchai"}
            url = f"/registration-requests/{request_id}:approve"
            assert (await http.post(url, json=approve, headers=headers)).status_code == 403
            assert (await http.get(f"/registration-requests/{request_id}", headers=headers)).status_code == 403
    assert "somchai" not in world.users.documents


async def test_an_administrator_approves_a_coordinator_with_one_time_credentials_and_the_contact_leaves_the_request(
    world: PinWorld,
):
    async with world.client() as http:
        admin = world.bearer("admin")
        request_id = (await http.post("/registration-requests", json=_filing())).json()["id"]
        listed = await http.get("/registration-requests?status=pending", headers=admin)
        assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
        assert listed.json()["total"] == 1 and listed.json()["items"][0]["email"] == "somchai@nongbua.go.th"

        url = f"/registration-requests/{request_id}:approve"
        approved = await http.post(url, json={"username": "nongbua.admin", "role": "coordinator"}, headers=admin)
        assert approved.status_code == 200, approved.text
        assert approved.headers["cache-control"] == "no-store"
        answer = approved.json()
        account, decided = answer["account"], answer["request"]
        assert account["role"] == "coordinator" and account["department_id"] == STAFF_DEPARTMENT
        assert account["setup_code"] and account["has_password"] is False
        assert account["email"] == "somchai@nongbua.go.th" and account["display_name"] == "นายสมชาย ใจดี"
        assert decided["status"] == "approved" and decided["username"] == "nongbua.admin"
        assert decided["email"] is None and decided["name"] is None and decided["note"] is None
        assert decided["personal_data_erased_at"]
        stored = world.db["registration_requests"].documents[request_id]
        assert "somchai" not in str(stored) and "หนองบัว" not in str(stored)

        again = await http.post(url, json={"username": "other.name"}, headers=admin)
        assert again.status_code == 409
        assert (await http.get("/registration-requests", headers=admin)).json()["total"] == 0

        # The new coordinator chooses a password with the code and manages its department from then on.
        choose = {"username": "nongbua.admin", "setup_code": account["setup_code"], "new_password": "nongbua-pass-1"}
        assert (await http.post("/auth/setup-password", json=choose)).status_code == 200
        coordinator = world.bearer("nongbua.admin")
        assert (await http.get("/users/somsri", headers=coordinator)).status_code == 200


async def test_a_taken_username_leaves_the_request_pending_with_its_contact(world: PinWorld):
    async with world.client() as http:
        admin = world.bearer("admin")
        request_id = (await http.post("/registration-requests", json=_filing())).json()["id"]
        taken = await http.post(
            f"/registration-requests/{request_id}:approve", json={"username": "somsri"}, headers=admin
        )
        assert taken.status_code == 409
        stored = world.db["registration_requests"].documents[request_id]
        assert stored["status"] == "pending" and stored["email"] == "somchai@nongbua.go.th"
        admin_role = {"username": "x.admin", "role": "admin"}
        as_admin = await http.post(f"/registration-requests/{request_id}:approve", json=admin_role, headers=admin)
        assert as_admin.status_code == 422
        assert world.users.documents["somsri"]["department_id"] == STAFF_DEPARTMENT


async def test_an_administrator_refuses_with_a_reason_and_the_personal_data_are_erased(world: PinWorld):
    async with world.client() as http:
        admin = world.bearer("admin")
        request_id = (await http.post("/registration-requests", json=_filing())).json()["id"]
        refused = await http.post(
            f"/registration-requests/{request_id}:refuse", json={"reason": "ไม่ใช่หน่วยงานในสังกัด"}, headers=admin
        )
        assert refused.status_code == 200, refused.text
        body = refused.json()
        assert body["status"] == "refused" and body["refusal_reason"] == "ไม่ใช่หน่วยงานในสังกัด"
        assert body["email"] is None and body["name"] is None and body["decided_by"] == "admin"
        listed = await http.get("/registration-requests?status=refused", headers=admin)
        assert [item["id"] for item in listed.json()["items"]] == [request_id]
        # The same address may ask again once its request is decided.
        assert (await http.post("/registration-requests", json=_filing())).status_code == 202
        url = f"/registration-requests/{request_id}:approve"
        assert (await http.post(url, json={"username": "late.one"}, headers=admin)).status_code == 409
        assert "late.one" not in world.users.documents


async def test_unknown_and_malformed_request_ids(world: PinWorld):
    async with world.client() as http:
        admin = world.bearer("admin")
        missing = await http.get("/registration-requests/reg_00000000000000000000", headers=admin)
        assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
        approve = await http.post(
            "/registration-requests/reg_00000000000000000000:approve", json={"username": "abc"}, headers=admin
        )
        assert approve.status_code == 404
        assert (await http.get("/registration-requests/nonsense", headers=admin)).status_code == 422


async def test_two_administrators_approving_at_once_create_one_account(world: PinWorld):
    async with world.client() as http:
        admin = world.bearer("admin")
        request_id = (await http.post("/registration-requests", json=_filing())).json()["id"]
        url = f"/registration-requests/{request_id}:approve"
        answers = await asyncio.gather(
            http.post(url, json={"username": "first.name"}, headers=admin),
            http.post(url, json={"username": "second.name"}, headers=admin),
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert ("first.name" in world.users.documents) != ("second.name" in world.users.documents)
