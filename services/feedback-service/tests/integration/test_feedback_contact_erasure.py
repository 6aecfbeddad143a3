"""Erasing a complainant's contact on the running stack: FerretDB, Kafka and the gateway, for real."""

import base64

import pytest
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.complaints import ComplaintContactErased
from citizeninfo_shared.topics import TopicName
from feedback_service.domain.contact_sealing import unseal
from kafka import KafkaConsumer, TopicPartition

from tests import targets
from tests.integration.support import wait_until

pytestmark = pytest.mark.integration

PHONE, EMAIL = "0867776655", "erase-me@example.com"


def _records_naming(bootstrap: str, complaint_id: str) -> list[bytes]:
    """Every record on the complaints topic, from its first kept offset, that concerns the complaint."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        group_id=None,
        **targets.kafka_options(reads=[TopicName.COMPLAINTS]),
    )
    try:
        partitions = [
            TopicPartition(TopicName.COMPLAINTS, p) for p in consumer.partitions_for_topic(TopicName.COMPLAINTS)
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: list[bytes] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for batch in consumer.poll(timeout_ms=1000).values():
                found += [r.value for r in batch if complaint_id.encode() in r.value]
        return found
    finally:
        consumer.close()


def test_after_erasure_the_contact_is_gone_from_the_database_and_unreadable_on_the_topic(
    feedback_catalogue, citizen, complaint_system, feedback_db, gateway, admin_headers, infrastructure
):
    citizen_client = citizen()
    filed = citizen_client.post(
        "/api/feedback/v1/complaints",
        json={
            "service_point_id": feedback_catalogue.points[7],
            "category": "waiting_time",
            "description": "รอนานมาก",
            "contact": {"phone": PHONE, "email": EMAIL},
            "consent_to_contact": True,
        },
    )
    assert filed.status_code == 202, filed.text
    complaint_id, code = filed.json()["complaint_id"], filed.json()["tracking_code"]
    _, complaint = complaint_system.receive({complaint_id})[complaint_id]
    assert complaint.contact is None and complaint.contact_sealed is not None

    # The complaint system opens it with the key from the admin API.
    answer = gateway.get(f"/api/feedback/v1/complaints/{complaint_id}/contact-key", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    key = base64.urlsafe_b64decode(answer.json()["key"] + "==")
    assert unseal(complaint.contact_sealed, key, complaint_id=complaint_id).phone == PHONE

    erased = citizen_client.post(f"/api/feedback/v1/complaints/{code}:erase-contact")
    assert erased.status_code == 200, erased.text

    document = feedback_db["complaints"].find_one({"_id": code.replace("-", "")})
    assert document["contact"] is None and "contact_key" not in document
    assert PHONE not in str(document) and EMAIL not in str(document)
    gone = gateway.get(f"/api/feedback/v1/complaints/{complaint_id}/contact-key", headers=admin_headers)
    assert gone.status_code == 410

    # Everything Kafka holds about the complaint: never the contact in clear, and the erasure event.
    def erasure_published() -> bool:
        return any(
            CloudEvent.from_json_bytes(v).type == ComplaintContactErased.event_type
            for v in _records_naming(infrastructure.kafka_bootstrap, complaint_id)
        )

    wait_until(erasure_published, timeout=20)
    on_the_topic = _records_naming(infrastructure.kafka_bootstrap, complaint_id)
    assert on_the_topic and not any(PHONE.encode() in v or EMAIL.encode() in v for v in on_the_topic)
    # The only key that opened the sealed copy is gone from every store the system has.
    assert str(key) not in str(document)
