"""Integration fixtures: the running system of tests.targets (the native stack of `make up`, or the compose
stack with CITIZENINFO_TEST_TARGET=compose). Tests that want servers of their own take the throw-away
fixtures of tests/integration/throwaway.py (testcontainers, from the images `make images` builds)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from citizeninfo_devstack.programs import ELASTICSEARCH_PORT, KAFKA_PORT, MONGODB_PORT
from citizeninfo_devstack.stack import Stack

from tests import targets
from tests.integration.support import TopicTail


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap: str
    elasticsearch_url: str
    mongodb_url: str


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Endpoints]:
    """Kafka, Elasticsearch and the MongoDB-wire server of the running system, the services' own: a test
    sees what they publish and store. (Official images cannot be pulled here; throw-away servers come
    from tests/integration/throwaway.py.)"""
    if targets.COMPOSE:
        yield Endpoints(targets.KAFKA_BOOTSTRAP, targets.elasticsearch_url(), targets.mongodb_url())
        return
    yield Endpoints(
        f"127.0.0.1:{KAFKA_PORT}", f"http://127.0.0.1:{ELASTICSEARCH_PORT}", f"mongodb://127.0.0.1:{MONGODB_PORT}/"
    )


@pytest.fixture(scope="session")
def stack() -> Stack | None:
    """The running system the service-level tests need: the native Stack, None in compose."""
    if not targets.system_is_up():
        pytest.fail(f"the {targets.NAME} stack is not up: {targets.how_to_start()}")
    return None if targets.COMPOSE else Stack()


@pytest.fixture(scope="session")
def gateway(stack: Stack | None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=targets.GATEWAY_URL, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def admin_credentials(stack: Stack | None) -> tuple[str, str]:
    return targets.admin_credentials()


@pytest.fixture(scope="session")
def admin_headers(gateway: httpx.Client, admin_credentials: tuple[str, str]) -> dict[str, str]:
    user, password = admin_credentials
    response = gateway.post("/api/pin/v1/auth/token", data={"username": user, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def topic_tail(infrastructure: Endpoints) -> Iterator[Callable[[str], TopicTail]]:
    tails: list[TopicTail] = []

    def open_tail(topic: str) -> TopicTail:
        tail = TopicTail(infrastructure.kafka_bootstrap, topic)
        tails.append(tail)
        return tail

    yield open_tail
    for tail in tails:
        tail.close()
