"""A complainant's contact: sealed on the topic, erasable by the citizen or an admin, gone after erasure."""

import base64

import pytest
from citizeninfo_shared.events.complaints import ComplaintContactErased, ComplaintFiled
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.keys import Keyring, Purpose
from citizeninfo_shared.privacy import keyed_hash
from citizeninfo_shared.topics import TopicName
from feedback_service.domain.contact_sealing import ContactUnreadable, new_data_key, seal, unseal
from feedback_service.domain.tracking_codes import public_request_id
from httpx import AsyncClient

CONSENTED = {
    "service_point_id": "P000001",
    "category": "waiting_time",
    "description": "รอนานสามชั่วโมง",
    "contact": {"phone": "0812345678", "email": "somchai@example.com"},
    "consent_to_contact": True,
}


def _key(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def _file(client: AsyncClient) -> tuple[str, str]:
    accepted = (await client.post("/complaints", json=CONSENTED)).json()
    return accepted["tracking_code"], accepted["complaint_id"]


async def test_the_contact_is_never_on_the_topic_in_clear_but_sealed_for_the_complaint_system(
    client: AsyncClient, complaint_store, admin_headers
) -> None:
    code, complaint_id = await _file(client)
    [entry] = complaint_store.events
    assert "0812345678" not in entry.value and "somchai@example.com" not in entry.value
    filed = CloudEvent.from_json_bytes(entry.value).data_as(ComplaintFiled)
    assert filed.contact is None and filed.contact_sealed is not None

    answer = await client.get(f"/complaints/{complaint_id}/contact-key", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    contact = unseal(filed.contact_sealed, _key(answer.json()["key"]), complaint_id=complaint_id)
    assert (contact.phone, contact.email) == ("0812345678", "somchai@example.com")
    # The department's own record keeps the contact for its staff, with its key.
    stored = complaint_store.complaints[code.replace("-", "")]
    assert stored.complaint.contact.phone == "0812345678" and stored.contact_key is not None


async def test_after_erasure_the_contact_is_gone_from_the_document_and_the_topic_copy_cannot_be_opened(
    client: AsyncClient, complaint_store, admin_headers, relay
) -> None:
    code, complaint_id = await _file(client)
    key = _key((await client.get(f"/complaints/{code}/contact-key", headers=admin_headers)).json()["key"])
    on_the_topic = CloudEvent.from_json_bytes(complaint_store.events[0].value).data_as(ComplaintFiled)

    erased = await client.post(f"/complaints/{code.lower()}:erase-contact")  # the citizen, with their code
    assert erased.status_code == 200, erased.text
    assert erased.json()["contact_erased"] is True and erased.json()["requested_by"] == "citizen"

    stored = complaint_store.complaints[code.replace("-", "")]
    assert stored.complaint.contact is None and stored.contact_key is None
    assert "0812345678" not in stored.model_dump_json() and "somchai" not in stored.model_dump_json()
    # The key route is gone for good; nothing the service still holds opens the sealed copy.
    gone = await client.get(f"/complaints/{code}/contact-key", headers=admin_headers)
    assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
    with pytest.raises(ContactUnreadable):
        unseal(on_the_topic.contact_sealed, new_data_key(), complaint_id=complaint_id)
    # What was on the topic only ever opened with the deleted key.
    assert unseal(on_the_topic.contact_sealed, key, complaint_id=complaint_id).phone == "0812345678"

    # The complaint system is told to erase its copy.
    erasure = complaint_store.events[-1]
    assert erasure.topic == TopicName.COMPLAINTS and erasure.key == "P000001"
    event = CloudEvent.from_json_bytes(erasure.value)
    assert event.type == ComplaintContactErased.event_type
    assert event.data_as(ComplaintContactErased).complaint_id == complaint_id
    assert ("complaints", code.replace("-", "")) in relay.notified

    # Again: the same answer, no second event.
    again = await client.post(f"/complaints/{code}:erase-contact", headers=admin_headers)
    assert again.status_code == 200 and again.json()["erased_at"] == erased.json()["erased_at"]
    assert len(complaint_store.events) == 2


async def test_admins_may_erase_agency_staff_may_not(
    client: AsyncClient, complaint_store, admin_headers, staff_headers
) -> None:
    code, _ = await _file(client)
    refused = await client.post(f"/complaints/{code}:erase-contact", headers=staff_headers)
    assert refused.status_code == 403
    assert complaint_store.complaints[code.replace("-", "")].complaint.contact is not None
    assert (await client.get(f"/complaints/{code}/contact-key", headers=staff_headers)).status_code == 403
    assert (await client.get(f"/complaints/{code}/contact-key")).status_code == 401
    done = await client.post(f"/complaints/{code}:erase-contact", headers=admin_headers)
    assert done.status_code == 200 and done.json()["requested_by"] == "admin"


async def test_unknown_complaints_are_404(client: AsyncClient, admin_headers) -> None:
    assert (await client.post("/complaints/0000-0000-00:erase-contact")).status_code == 404
    assert (await client.post("/complaints/not-a-code:erase-contact")).status_code == 404
    assert (await client.get("/complaints/0000-0000-00/contact-key", headers=admin_headers)).status_code == 404


def test_a_sealed_contact_opens_only_for_its_own_complaint() -> None:
    key = new_data_key()
    from citizeninfo_shared.events.complaints import ComplaintContact

    sealed = seal(ComplaintContact(phone="0812345678"), key, complaint_id="cmp_A")
    with pytest.raises(ContactUnreadable):
        unseal(sealed, key, complaint_id="cmp_B")


def test_public_ids_name_their_key_and_idempotent_rating_ids_find_todays_ratings(settings) -> None:
    keyring = Keyring(current_id="k1", materials={"k1": b"m" * 48}, legacy_key_id="k1")
    assert public_request_id("7K3MQ9XD2F", keyring.for_purpose(Purpose.PUBLIC_COMPLAINT_ID)).startswith("req_k1_")

    import uuid

    from feedback_service.service_layer.ratings import _RATING_ID_NAMESPACE, idempotent_rating_ids

    secret = settings.identity_hmac_key.get_secret_value().encode()
    todays = str(uuid.uuid5(_RATING_ID_NAMESPACE, f"key:{keyed_hash(secret, 'retry-1')}"))
    ids = idempotent_rating_ids(settings, "retry-1")
    assert ids[0] != todays and todays in ids  # made under k1 now; a rating stored today is still found
