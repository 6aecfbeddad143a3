"""What anonymous callers, a department's staff and admins see of complaints (issue 17)."""

from datetime import UTC, datetime

import pytest
from citizeninfo_shared.auth import Principal, Role
from citizeninfo_shared.events.complaints import ComplaintContact, ComplaintFiled
from citizeninfo_shared.privacy import PHONE_PLACEHOLDER
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, bearer
from feedback_service.adapters.complaint_store import StoredComplaint
from feedback_service.domain.complaint import Category, StatusEntry
from feedback_service.domain.complaint_publication import (
    PUBLIC_POLICY,
    PUBLICLY_LISTED,
    Audience,
    public_policy,
    publication,
)
from httpx import AsyncClient

FILED = datetime(2025, 3, 4, 9, 41, 27, tzinfo=UTC)
# Stored before redaction learned Thai digits: publication redacts again.
OLD_TEXT = "เจ้าหน้าที่ขอสำเนาบัตร โทรกลับ ๐๘๑-๒๓๔-๕๖๗๘"


def stored(code: str, category: str, *, department_id: str = STAFF_DEPARTMENT_ID, point: str = "P000001"):
    return StoredComplaint(
        complaint=ComplaintFiled(
            complaint_id=f"cmp_{code}",
            tracking_code=f"{code[:4]}-{code[4:8]}-{code[8:]}",
            service_point_id=point,
            category=category,
            description=OLD_TEXT,
            contact=ComplaintContact(phone="0812345678", email="somchai@example.com"),
            filed_at=FILED,
            department_id=department_id,
        ),
        status="in_progress",
        history=[
            StatusEntry(status="received", changed_at=FILED),
            StatusEntry(status="in_progress", note="แจ้งผลทาง ๐๘๑๒๓๔๕๖๗๘ แล้ว", changed_at=FILED),
        ],
        lat=13.7563,
        lon=100.5018,
        public_id=f"req_{code.lower()}",
    )


@pytest.fixture
def filed(complaint_store):
    complaint_store.complaints = {
        "CPYA000001": stored("CPYA000001", "asked_for_copy"),
        "CRRP000001": stored("CRRP000001", "corruption"),
        "CNDT000001": stored("CNDT000001", "staff_conduct"),
        "FEES000001": stored("FEES000001", "fees"),
        "THRX000001": stored("THRX000001", "other"),
        "XSEW000001": stored("XSEW000001", "waiting_time", department_id="D9999", point="P000002"),
    }
    return complaint_store


async def test_anonymous_listing_shows_no_tracking_code_contact_location_or_exposing_category(
    client: AsyncClient, filed
) -> None:
    response = await client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    listed = response.json()
    assert {r["service_code"] for r in listed} == {"asked_for_copy", "other", "waiting_time"}
    body = response.text
    for secret in ("CPYA", "cmp_", "0812345678", "๐๘๑", "somchai@example.com", "13.7563", "100.5018"):
        assert secret not in body, secret
    copy = next(r for r in listed if r["service_code"] == "asked_for_copy")
    assert copy["description"] == f"เจ้าหน้าที่ขอสำเนาบัตร โทรกลับ {PHONE_PLACEHOLDER}"
    assert copy["status_notes"] == f"แจ้งผลทาง {PHONE_PLACEHOLDER} แล้ว"
    assert (copy["lat"], copy["long"]) == (None, None)
    assert copy["service_request_id"].startswith("req_")
    assert copy["requested_datetime"] == "2025-03-04T09:00:00+00:00"  # to the hour, not the second
    other = next(r for r in listed if r["service_code"] == "other")
    assert other["description"] is None and other["status_notes"] == "in_progress"


@pytest.mark.parametrize("code", ["CRRP000001", "CNDT000001", "FEES000001"])
async def test_exposing_categories_are_not_there_for_anonymous_callers_by_any_id(
    client: AsyncClient, filed, code: str
) -> None:
    for request_id in (f"cmp_{code}", code, f"req_{code.lower()}"):
        assert (await client.get(f"/open311/v2/requests/{request_id}.json")).status_code == 404
        listed = await client.get("/open311/v2/requests.json", params={"service_request_id": request_id})
        assert listed.json() == []
    assert (await client.get("/open311/v2/requests.json", params={"service_code": code})).json() == []


async def test_anonymous_single_request_is_the_public_view(client: AsyncClient, filed) -> None:
    [by_public_id] = (await client.get("/open311/v2/requests/req_cpya000001.json")).json()
    [by_complaint_id] = (await client.get("/open311/v2/requests/cmp_CPYA000001.json")).json()
    assert by_public_id == by_complaint_id
    assert by_public_id["service_request_id"] == "req_cpya000001"
    assert "CPYA" not in str(by_public_id) and by_public_id["lat"] is None


async def test_the_departments_staff_see_their_complaints_but_not_who_reported_them_of_itself(
    client: AsyncClient, filed, staff_headers
) -> None:
    listed = (await client.get("/open311/v2/requests.json", headers=staff_headers)).json()
    assert {r["service_request_id"] for r in listed} == {
        "req_cpya000001",
        "req_crrp000001",
        "req_cndt000001",
        "req_fees000001",
        "req_thrx000001",
    }
    [copy] = (await client.get("/open311/v2/requests/req_cpya000001.json", headers=staff_headers)).json()
    assert (copy["lat"], copy["phone"]) == (13.7563, "0812345678")
    # Never the tracking code: it would let staff follow, or erase the contact of, the citizen's complaint.
    assert copy["tracking_code"] is None and "CPYA" not in str(copy)
    # A complaint of corruption at the department: what to act on, never who complained.
    [corruption] = (await client.get("/open311/v2/requests/req_crrp000001.json", headers=staff_headers)).json()
    assert corruption["description"] and PHONE_PLACEHOLDER in corruption["description"]
    assert (corruption["tracking_code"], corruption["phone"], corruption["email"]) == (None, None, None)
    assert corruption["lat"] is None and corruption["requested_datetime"].endswith("09:00:00+00:00")
    assert "CRRP" not in str(corruption)
    # Another department's complaint: the public view, like anyone's.
    [elsewhere] = (await client.get("/open311/v2/requests/cmp_XSEW000001.json", headers=staff_headers)).json()
    assert elsewhere["service_request_id"].startswith("req_") and elsewhere["lat"] is None


async def test_other_departments_staff_get_no_more_than_anyone(client: AsyncClient, filed, token_codec) -> None:
    other = bearer(token_codec, Principal(username="x", role=Role.AGENCY_STAFF, department_id="D9999"))
    assert (await client.get("/open311/v2/requests/cmp_CRRP000001.json", headers=other)).status_code == 404
    [copy] = (await client.get("/open311/v2/requests/cmp_CPYA000001.json", headers=other)).json()
    assert copy["lat"] is None and "tracking_code" not in copy


async def test_admins_see_every_complaint_whole(client: AsyncClient, filed, admin_headers) -> None:
    listed = (await client.get("/open311/v2/requests.json", headers=admin_headers)).json()
    assert len(listed) == 6 and all(r["service_request_id"].startswith("cmp_") for r in listed)


async def test_a_bad_bearer_token_is_a_401_never_the_anonymous_view(client: AsyncClient, filed) -> None:
    response = await client.get("/open311/v2/requests.json", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_every_category_has_a_policy_and_the_exposing_ones_are_never_listed() -> None:
    assert set(PUBLIC_POLICY) == set(Category)
    assert {Category.CORRUPTION, Category.STAFF_CONDUCT, Category.FEES}.isdisjoint(PUBLICLY_LISTED)
    assert not public_policy("a-category-added-later").listed


def test_the_public_view_is_built_without_secrets() -> None:
    complaint = stored("CPYA000001", "asked_for_copy")
    public = publication(
        complaint.complaint,
        public_id="req_x",
        status=complaint.status,
        history=complaint.history,
        lat=complaint.lat,
        lon=complaint.lon,
        seen_by=Audience.PUBLIC,
    )
    assert public is not None
    assert (public.tracking_code, public.complaint_id, public.contact, public.lat) == (None, None, None, None)
    hidden = stored("CRRP000001", "corruption")
    assert (
        publication(
            hidden.complaint, public_id="r", status="x", history=[], lat=None, lon=None, seen_by=Audience.PUBLIC
        )
        is None
    )
