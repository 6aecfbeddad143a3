"""Issue 23: one inbox for a department's staff — its points' ratings and complaints, newest first,
by point, paged; complaints only as the publication policy shows them to the department."""

from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.auth import Principal, Role
from citizeninfo_shared.events.complaints import ComplaintContact, ComplaintFiled
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID, bearer
from feedback_service.adapters.complaint_store import StoredComplaint
from feedback_service.adapters.rating_store import StoredRating
from feedback_service.domain.complaint import StatusEntry
from feedback_service.domain.complaint_deadlines import is_open
from feedback_service.domain.department_inbox import InboxEntry, newest_first
from httpx import AsyncClient

START = datetime(2025, 3, 4, 9, 41, 27, tzinfo=UTC)
URL = f"/departments/{STAFF_DEPARTMENT_ID}/inbox"


class FakeInbox:
    """The department inbox over the conftest's fake stores."""

    def __init__(self, ratings, complaints) -> None:
        self._ratings, self._complaints = ratings, complaints

    async def ratings(self, department_id, service_point_id, newest):
        chosen = [
            r
            for r in self._ratings.ratings.values()
            if r.rating.department_id == department_id
            and (service_point_id is None or r.rating.service_point_id == service_point_id)
        ]
        chosen.sort(key=lambda r: r.rating.submitted_at, reverse=True)
        return len(chosen), chosen[:newest]

    async def complaints(self, department_id, service_point_id, newest, *, overdue=None, now=None):
        chosen = [
            c
            for c in self._complaints.complaints.values()
            if c.complaint.department_id == department_id
            and (service_point_id is None or c.complaint.service_point_id == service_point_id)
        ]

        def late(c) -> bool:
            return is_open(c.status) and c.complaint.due_at is not None and c.complaint.due_at < now

        if overdue is not None:
            chosen = [c for c in chosen if late(c) == overdue]
        if overdue:
            chosen.sort(key=lambda c: c.complaint.due_at)
        else:
            chosen.sort(key=lambda c: c.complaint.filed_at, reverse=True)
        return len(chosen), chosen[:newest]


def _rating(number: int, *, point: str = "P000001", department: str = STAFF_DEPARTMENT_ID) -> StoredRating:
    return StoredRating(
        rating=RatingSubmitted(
            rating_id=f"r{number:03d}",
            service_point_id=point,
            score=2,
            comment=f"ความเห็นที่ {number}",
            verified=False,
            submitted_at=START + timedelta(minutes=10 * number),
            department_id=department,
        )
    )


def _complaint(code: str, category: str, minutes: int, *, point: str = "P000001") -> StoredComplaint:
    filed = START + timedelta(minutes=minutes)
    return StoredComplaint(
        complaint=ComplaintFiled(
            complaint_id=f"cmp_{code}",
            tracking_code=f"{code[:4]}-{code[4:8]}-{code[8:]}",
            service_point_id=point,
            category=category,
            description="ขอสำเนาบัตรอีกแล้ว",
            contact=ComplaintContact(phone="0812345678", email="somchai@example.com"),
            filed_at=filed,
            department_id=STAFF_DEPARTMENT_ID,
        ),
        status="received",
        history=[StatusEntry(status="received", changed_at=filed)],
        lat=13.7563,
        lon=100.5018,
        public_id=f"req_{code.lower()}",
    )


@pytest.fixture
def inbox_client(client: AsyncClient, store, complaint_store) -> AsyncClient:
    for number in range(1, 6):
        store.ratings[f"r{number:03d}"] = _rating(number)
    store.ratings["r900"] = _rating(900, point="P000002", department="D9999")
    complaint_store.complaints = {
        "CPYA000001": _complaint("CPYA000001", "asked_for_copy", 25),
        "CRRP000001": _complaint("CRRP000001", "corruption", 47),
        "OTHR000001": _complaint("OTHR000001", "waiting_time", 5, point="P000003"),
    }
    client._transport.app.state.department_inbox = FakeInbox(store, complaint_store)
    return client


def test_pages_of_merged_sources_are_newest_first():
    at = lambda minutes: START + timedelta(minutes=minutes)  # noqa: E731
    ratings = [InboxEntry("rating", at(m), f"r{m}", {}) for m in (50, 30, 10)]
    complaints = [InboxEntry("complaint", at(m), f"c{m}", {}) for m in (40, 20)]
    assert [e.key for e in newest_first(ratings, complaints, offset=0, limit=3)] == ["r50", "c40", "r30"]
    assert [e.key for e in newest_first(ratings, complaints, offset=3, limit=3)] == ["c20", "r10"]


async def test_staff_read_their_departments_ratings_and_complaints_newest_first(inbox_client, token_codec):
    staff = bearer(token_codec, Principal(username="somsri", role=Role.AGENCY_STAFF, department_id=STAFF_DEPARTMENT_ID))
    response = await inbox_client.get(URL, headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["ratings"], body["complaints"]) == (8, 5, 3)
    times = [item["at"] for item in body["items"]]
    assert times == sorted(times, reverse=True)
    assert [item["kind"] for item in body["items"]][:2] == ["rating", "rating"]
    assert "r900" not in [item.get("rating", {}).get("rating_id") for item in body["items"]]
    complaints = {i["complaint"]["category"]: i["complaint"] for i in body["items"] if i["kind"] == "complaint"}
    assert set(complaints) == {"asked_for_copy", "corruption", "waiting_time"}
    for complaint in complaints.values():
        assert "tracking_code" not in complaint and "CPYA" not in str(complaint)
    assert complaints["asked_for_copy"]["contact"] == {"phone": "0812345678", "email": "somchai@example.com"}
    corruption = complaints["corruption"]
    assert corruption["author_protected"] is True and corruption["contact"] is None
    assert corruption["filed_at"].startswith("2025-03-04T10:00:00")  # to the hour, not 10:28
    assert "CRRP" not in str(body)


async def test_the_inbox_filters_by_point_and_kind_and_pages(inbox_client, token_codec):
    staff = bearer(token_codec, Principal(username="somsri", role=Role.AGENCY_STAFF, department_id=STAFF_DEPARTMENT_ID))
    by_point = (await inbox_client.get(URL, params={"service_point_id": "P000003"}, headers=staff)).json()
    assert by_point["total"] == 1 and by_point["items"][0]["complaint"]["category"] == "waiting_time"
    only_ratings = await inbox_client.get(URL, params={"kind": "rating", "limit": 2, "offset": 4}, headers=staff)
    assert only_ratings.json()["total"] == 5
    assert [i["rating"]["rating_id"] for i in only_ratings.json()["items"]] == ["r001"]
    second = (await inbox_client.get(URL, params={"limit": 3, "offset": 3}, headers=staff)).json()["items"]
    first = (await inbox_client.get(URL, params={"limit": 3}, headers=staff)).json()["items"]
    assert not {i["at"] for i in first} & {i["at"] for i in second}


async def test_only_the_departments_staff_and_admins_read_it(inbox_client, token_codec, admin_headers):
    other = bearer(token_codec, Principal(username="x", role=Role.AGENCY_STAFF, department_id="D9999"))
    assert (await inbox_client.get(URL, headers=other)).status_code == 403
    assert (await inbox_client.get(URL)).status_code == 401
    assert (await inbox_client.get(URL, params={"kind": "letters"}, headers=admin_headers)).status_code == 422
    national = (await inbox_client.get(URL, headers=admin_headers)).json()
    codes = {i["complaint"].get("tracking_code") for i in national["items"] if i["kind"] == "complaint"}
    assert "CPYA-0000-01" in codes
