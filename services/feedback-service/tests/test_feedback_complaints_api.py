from datetime import UTC, datetime

import pytest
from citizeninfo_shared.dead_letters import EventRejected
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.complaints import ComplaintFiled
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.idempotency import IdempotentHandler, InMemoryProcessedEvents
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.topics import TopicName
from feedback_service.adapters.complaint_status_consumer import ComplaintStatusApplier
from httpx import AsyncClient

COMPLAINT = {
    "service_point_id": "P000001",
    "category": "asked_for_copy",
    "description": "ยังเรียกสำเนาทะเบียนบ้าน ติดต่อ me@example.com",
    "contact": {"email": "me@example.com"},
    "consent_to_contact": False,
}


async def test_a_complaint_is_filed_announced_and_followed(client: AsyncClient, complaint_store, relay) -> None:
    response = await client.post("/complaints", json=COMPLAINT)
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["complaint_id"] == "cmp_" + accepted["tracking_code"].replace("-", "")

    [entry] = complaint_store.events
    assert entry.topic == TopicName.COMPLAINTS and entry.key == "P000001"
    assert "me@example.com" not in entry.value
    filed = CloudEvent.from_json_bytes(entry.value).data_as(ComplaintFiled)
    assert filed.contact is None and filed.channel == "api"
    assert relay.notified == [("complaints", accepted["tracking_code"].replace("-", ""))]

    page = (await client.get(f"/complaints/{accepted['tracking_code'].lower()}")).json()
    assert page["status"] == "received"
    assert [h["status"] for h in page["history"]] == ["received"]


async def test_status_events_update_the_complaint_once(client: AsyncClient, complaint_store) -> None:
    accepted = (await client.post("/complaints", json=COMPLAINT)).json()
    change = ComplaintStatusChanged(
        complaint_id=accepted["complaint_id"], status="in_progress", changed_at=datetime.now(UTC)
    )
    event = CloudEvent.wrap(change, source="test", subject="P000001")
    handler = IdempotentHandler("test", InMemoryProcessedEvents(), ComplaintStatusApplier(complaint_store))
    assert await handler(event) is True
    assert await handler(event) is False
    unknown = CloudEvent.wrap(
        change.model_copy(update={"complaint_id": "cmp_0000000000"}), source="test", subject="P000001"
    )
    with pytest.raises(EventRejected):  # the follower parks it on the dead-letter topic
        await handler(unknown)

    page = (await client.get(f"/complaints/{accepted['tracking_code']}")).json()
    assert [h["status"] for h in page["history"]] == ["received", "in_progress"]
    assert page["status"] == "in_progress"


async def test_bad_complaints(client: AsyncClient, complaint_store) -> None:
    for body in (
        {**COMPLAINT, "category": "aliens"},
        {**COMPLAINT, "consent_to_contact": "yes"},
        {**COMPLAINT, "description": ""},
        {**COMPLAINT, "contact": {"phone": "call me"}},
        {**COMPLAINT, "name": "สมชาย"},
    ):
        response = await client.post("/complaints", json=body)
        assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON, body
    assert (await client.post("/complaints", json={**COMPLAINT, "service_point_id": "P404"})).status_code == 404
    assert (await client.get("/complaints/nonsense")).status_code == 404
    assert complaint_store.complaints == {}


async def test_open311_maps_requests_onto_complaints(client: AsyncClient, complaint_store, staff_headers) -> None:
    services = (await client.get("/open311/v2/services.json")).json()
    assert "asked_for_copy" in {s["service_code"] for s in services}
    form = {
        "service_code": "waiting_time",
        "address_id": "P000001",
        "description": "รอสามชั่วโมง",
        "phone": "0812345678",
        "lat": "13.75",
        "long": "100.5",
    }
    created = await client.post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201
    [answer] = created.json()
    [request] = (await client.get(f"/open311/v2/requests/{answer['service_request_id']}.json")).json()
    # Anonymous callers never see where the complainant was; the point's department does.
    assert (request["status"], request["service_code"], request["lat"]) == ("open", "waiting_time", None)
    [whole] = (
        await client.get(f"/open311/v2/requests/{answer['service_request_id']}.json", headers=staff_headers)
    ).json()
    # The department sees it by its public id, without the citizen's tracking code.
    assert whole["service_request_id"].startswith("req_") and whole["lat"] == 13.75
    assert whole["tracking_code"] is None
    # No consent attribute: the phone number stays behind.
    [stored] = complaint_store.complaints.values()
    assert stored.complaint.contact is None and stored.complaint.channel == "open311"
    listed = (await client.get("/open311/v2/requests.json", params={"status": "open"})).json()
    assert [r["service_request_id"] for r in listed] == [request["service_request_id"]]
    assert request["service_request_id"].startswith("req_")
    assert (await client.get("/open311/v2/requests.json", params={"status": "closed"})).json() == []

    bad = await client.post("/open311/v2/requests.json", data={**form, "service_code": "aliens"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM_JSON
