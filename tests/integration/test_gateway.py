"""Every service answers through the API gateway; the topics exist as the registry says."""

import pytest
from citizeninfo_devstack.programs import SERVICES
from citizeninfo_shared.topics import TOPICS
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("prefix", [s.prefix for s in SERVICES])
def test_health_readiness_metrics_and_openapi_through_the_gateway(gateway, prefix):
    assert gateway.get(f"{prefix}healthz").json() == {"status": "ok"}
    ready = gateway.get(f"{prefix}readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["mongodb"]["status"] == "up"
    assert gateway.get(f"{prefix}openapi.json").json()["openapi"].startswith("3.")
    metrics = gateway.get(f"{prefix}metrics").text
    assert "http_requests_total{" in metrics and "http_request_duration_seconds_bucket{" in metrics
    assert gateway.get(f"{prefix}healthz").headers["x-request-id"]


def test_unknown_route_is_a_problem_document(gateway):
    response = gateway.get("/api/pin/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_control_characters_in_urls_are_problem_documents(gateway):
    # nginx itself refuses a NUL in the path; a service refuses one in the query before its database sees it.
    in_path = gateway.get("/api/pin/v1/users/a%00b")
    assert in_path.status_code == 400 and in_path.headers["content-type"] == "application/problem+json"
    in_query = gateway.get("/api/feedback/v1/ratings", params={"service_point_id": "P1\x00"})
    assert in_query.status_code == 422 and in_query.headers["content-type"] == "application/problem+json"


# native_only: describes the topics' configs, which no Kafka user reachable from the host may do in compose.
@pytest.mark.native_only
def test_the_seven_topics_exist_with_registry_settings(infrastructure):
    admin = KafkaAdminClient(bootstrap_servers=infrastructure.kafka_bootstrap)
    try:
        described = {t["name"]: t for t in admin.describe_topics([str(n) for n in TOPICS])}
        assert set(described) == {str(name) for name in TOPICS}
        for name, topic in TOPICS.items():
            assert len(described[str(name)]["partitions"]) == topic.partitions
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, str(n)) for n in TOPICS])
        for name, topic in TOPICS.items():
            settings = configs["topic"][str(name)]
            assert settings["cleanup.policy"]["value"] == topic.cleanup_policy
            assert settings["retention.ms"]["value"] == str(topic.retention_ms)
    finally:
        admin.close()
