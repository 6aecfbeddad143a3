"""Fixtures for feedback-service's integration tests against the running stack (`make up`).

Citizens are simulated by distinct loopback source addresses (127.x.y.z): the gateway sees each as a
different client, so rate limits are exercised as they work in production, without spoofed headers.
"""

import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from citizeninfo_devstack.programs import GATEWAY_PORT
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.complaints import ComplaintFiled
from citizeninfo_shared.kafka import create_producer
from citizeninfo_shared.topics import TopicName
from kafka import KafkaConsumer, TopicPartition

from tests import targets
from tests.integration import conftest as system_fixtures
from tests.integration.support import wait_until

# The system's integration fixtures (the running stack, the gateway, the admin, Kafka tails).
stack = system_fixtures.stack
infrastructure = system_fixtures.infrastructure
gateway = system_fixtures.gateway
admin_credentials = system_fixtures.admin_credentials
admin_headers = system_fixtures.admin_headers
topic_tail = system_fixtures.topic_tail

NDJSON = {"Content-Type": "application/x-ndjson"}
POINTS_PER_RUN = 12


@dataclass(frozen=True)
class FeedbackCatalogue:
    run: str
    ministry_id: str
    department_id: str
    other_department_id: str
    service_id: str
    points: list[str]  # of department_id
    other_point: str  # of other_department_id


def _records(c: FeedbackCatalogue) -> list[dict]:
    records = [
        {"kind": "ministry", "id": c.ministry_id, "name_th": "กระทรวงทดสอบความคิดเห็น"},
        {"kind": "department", "id": c.department_id, "ministry_id": c.ministry_id, "name_th": "กรมทดสอบ"},
        {"kind": "department", "id": c.other_department_id, "ministry_id": c.ministry_id, "name_th": "กรมอื่น"},
        {"kind": "service", "id": c.service_id, "department_id": c.department_id, "name_th": "ขอคัดสำเนาทะเบียน"},
    ]
    for point, department in [(p, c.department_id) for p in c.points] + [(c.other_point, c.other_department_id)]:
        records.append(
            {
                "kind": "service_point",
                "id": point,
                "department_id": department,
                "name_th": "สำนักงานทดสอบ",
                "province_code": "50",
                "district_code": "5001",
                "service_ids": [c.service_id] if department == c.department_id else [],
            }
        )
    return records


def point_is_known(gateway: httpx.Client, point: str) -> bool:
    """Side-effect free: an invalid visit token is checked after the point, before any limit or write."""
    response = gateway.post(
        "/api/feedback/v1/ratings", json={"service_point_id": point, "score": 3, "visit_token": "x"}
    )
    return response.status_code == 422


@pytest.fixture(scope="session")
def feedback_catalogue(gateway: httpx.Client, admin_headers: dict[str, str]) -> FeedbackCatalogue:
    run = uuid.uuid4().hex[:6].upper()
    catalogue = FeedbackCatalogue(
        run=run,
        ministry_id=f"MFB{run}",
        department_id=f"DFB{run}",
        other_department_id=f"DFBX{run}",
        service_id=f"SFB{run}",
        points=[f"PFB{run}{i:02d}" for i in range(POINTS_PER_RUN)],
        other_point=f"PFBX{run}",
    )
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in _records(catalogue)) + "\n"
    response = gateway.post("/api/pin/v1/catalogue:import", content=body, headers={**admin_headers, **NDJSON})
    assert response.status_code == 200, response.text
    assert response.json()["errors"] == []
    # feedback-service learns points from the catalogue topic, a moment after the import: every point,
    # since the topic's partitions (keyed by point) arrive in no particular order.
    for point in (*catalogue.points, catalogue.other_point):
        wait_until(lambda point=point: point_is_known(gateway, point), timeout=30)
    return catalogue


def random_client_address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@pytest.fixture
def citizen() -> Iterator[Callable[[], httpx.Client]]:
    """Opens gateway clients, each from its own loopback address: a distinct citizen to the gateway."""
    opened: list[httpx.Client] = []

    def open_client() -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=random_client_address())
        client = httpx.Client(base_url=f"http://127.0.0.1:{GATEWAY_PORT}", transport=transport, timeout=30)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture(scope="session")
def stack_secrets(stack) -> dict[str, str]:
    return targets.secrets()


@pytest.fixture(scope="session")
def feedback_db(infrastructure):
    from pymongo import MongoClient

    client = MongoClient(infrastructure.mongodb_url, tz_aware=True)
    yield client["citizeninfo_feedback"]
    client.close()


class ReferenceComplaintSystem:
    """A small stand-in for the national complaint system, over real Kafka.

    It reads citizeninfo.complaints.v1 from the offsets it had when created, and for each complaint
    it is asked about writes status changes back on citizeninfo.complaint-status.v1 (keyed by the
    service point, like every event here). In compose it is the Kafka user complaint-system.
    """

    def __init__(self, bootstrap: str) -> None:
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            group_id=None,
            **targets.kafka_options(reads=[TopicName.COMPLAINTS]),
        )
        partitions = [
            TopicPartition(TopicName.COMPLAINTS, p)
            for p in sorted(self._consumer.partitions_for_topic(TopicName.COMPLAINTS) or [])
        ]
        self._consumer.assign(partitions)
        for partition, offset in self._consumer.end_offsets(partitions).items():
            self._consumer.seek(partition, offset)
        self._producer = create_producer(
            bootstrap,
            client_id="reference-complaint-system",
            security=targets.kafka_security(writes=[TopicName.COMPLAINT_STATUS]),
        )
        self.received: dict[str, tuple[CloudEvent, ComplaintFiled]] = {}

    def receive(self, complaint_ids: set[str], timeout: float = 20.0) -> dict[str, tuple[CloudEvent, ComplaintFiled]]:
        def all_received() -> bool:
            for batch in self._consumer.poll(timeout_ms=500).values():
                for record in batch:
                    event = CloudEvent.from_json_bytes(record.value)
                    if event.type == ComplaintFiled.event_type:
                        complaint = event.data_as(ComplaintFiled)
                        self.received[complaint.complaint_id] = (event, complaint)
            return complaint_ids <= set(self.received)

        wait_until(all_received, timeout=timeout, interval=0)
        return {i: self.received[i] for i in complaint_ids}

    def send_status(self, complaint: ComplaintFiled, change: ComplaintStatusChanged, *, event_id: str | None = None):
        event = CloudEvent.wrap(change, source="/reference-complaint-system", subject=complaint.service_point_id)
        if event_id is not None:
            event = event.model_copy(update={"id": event_id})
        self._producer.send(TopicName.COMPLAINT_STATUS, key=event.key, value=event.to_json_bytes())
        self._producer.flush(timeout=10)
        return event

    def close(self) -> None:
        self._consumer.close()
        self._producer.close(timeout=5)


@pytest.fixture
def complaint_system(infrastructure) -> Iterator[ReferenceComplaintSystem]:
    system = ReferenceComplaintSystem(infrastructure.kafka_bootstrap)
    yield system
    system.close()
