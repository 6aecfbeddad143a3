"""One message through the projector: written, ignored, skipped as malformed, or retried until written."""

from datetime import UTC, datetime, timedelta

import pytest
import structlog.testing
from citizeninfo_shared.events.catalogue import MinistryUpserted, ServicePointUpserted, ServiceUpserted
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.topics import TopicName
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError, BadRequestError
from elasticsearch import ConnectionError as ElasticsearchConnectionError
from prometheus_client import REGISTRY
from stats_service.domain.projections import ReadModel
from stats_service.worker.projector import Outcome, project

EVENT_TIME = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def listed_bytes(point_id: str = "P000001") -> bytes:
    data = ServicePointUpserted(
        service_point_id=point_id, department_id="D0702", ministry_id="M07", name_th="จุด", province_code="10"
    )
    event = CloudEvent.wrap(data, source="urn:test", subject=point_id)
    return event.model_copy(update={"time": EVENT_TIME}).to_json_bytes()


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def api_error(cls: type[ApiError], status: int, error: str) -> ApiError:
    meta = ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=HttpHeaders(),
        duration=0.0,
        node=NodeConfig("http", "localhost", 9200),
    )
    return cls(error, meta, {"error": {"type": error}, "status": status})


async def run(raw: bytes | None, writer, topic: TopicName = TopicName.CATALOGUE) -> Outcome:
    return await project(topic, raw, writer, max_backoff_seconds=0.01, now=lambda: EVENT_TIME + timedelta(seconds=2))


async def test_an_event_is_written_counted_and_its_freshness_observed(recording_writer):
    topic = TopicName.CATALOGUE.value
    processed = metric("citizeninfo_stats_events_processed_total", topic=topic)
    freshness_sum = metric("citizeninfo_stats_event_freshness_seconds_sum", topic=topic)

    assert await run(listed_bytes(), recording_writer) == Outcome.APPLIED

    assert recording_writer.documents[(ReadModel.SERVICE_POINTS, "P000001")]["listed"] is True
    assert metric("citizeninfo_stats_events_processed_total", topic=topic) == processed + 1
    assert metric("citizeninfo_stats_event_freshness_seconds_sum", topic=topic) == pytest.approx(freshness_sum + 2.0)


async def test_a_catalogue_record_the_read_model_does_not_count_is_ignored(recording_writer):
    service = CloudEvent.wrap(
        ServiceUpserted(service_id="S00001", department_id="D0702", name_th="บริการ"), source="s", subject="S00001"
    )

    assert await run(service.to_json_bytes(), recording_writer) == Outcome.IGNORED
    assert recording_writer.writes == 0


async def test_a_ministry_is_kept_by_id_for_the_tables_names(recording_writer):
    ministry = CloudEvent.wrap(MinistryUpserted(ministry_id="M07", name_th="กระทรวง"), source="s", subject="M07")

    assert await run(ministry.to_json_bytes(), recording_writer) == Outcome.APPLIED
    assert recording_writer.documents[(ReadModel.UNITS, "ministry:M07")]["name_th"] == "กระทรวง"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "empty"),
        (b"", "empty"),
        (b"{not json", "invalid_envelope"),
        (b'{"id": "e1", "type": "x"}', "invalid_envelope"),
        (
            CloudEvent(
                source="s",
                subject="P1",
                type=ServicePointUpserted.event_type,
                data={"service_point_id": "P1", "comment": "โทร 0812345678"},
            ).to_json_bytes(),
            "invalid_data",
        ),
    ],
)
async def test_a_malformed_message_is_counted_and_skipped(recording_writer, raw, reason):
    topic = TopicName.CATALOGUE.value
    before = metric("citizeninfo_stats_events_malformed_total", topic=topic, reason=reason)

    assert await run(raw, recording_writer) == Outcome.MALFORMED

    assert recording_writer.writes == 0
    assert metric("citizeninfo_stats_events_malformed_total", topic=topic, reason=reason) == before + 1


async def test_while_elasticsearch_is_unreachable_the_write_is_retried_until_it_lands(recording_writer):
    recording_writer.failures = [
        ElasticsearchConnectionError("connection refused"),
        api_error(ApiError, 503, "unavailable"),
        api_error(ApiError, 429, "es_rejected_execution_exception"),
    ]
    retries = metric("citizeninfo_stats_write_retries_total", topic=TopicName.CATALOGUE.value)

    assert await run(listed_bytes(), recording_writer) == Outcome.APPLIED

    assert recording_writer.writes == 1
    assert metric("citizeninfo_stats_write_retries_total", topic=TopicName.CATALOGUE.value) == retries + 3


async def test_a_document_elasticsearch_refuses_is_skipped_not_retried_forever(recording_writer):
    recording_writer.failures = [api_error(BadRequestError, 400, "mapper_parsing_exception")]
    topic = TopicName.CATALOGUE.value
    before = metric("citizeninfo_stats_events_malformed_total", topic=topic, reason="rejected")

    assert await run(listed_bytes(), recording_writer) == Outcome.REJECTED

    assert recording_writer.writes == 0
    assert metric("citizeninfo_stats_events_malformed_total", topic=topic, reason="rejected") == before + 1


async def test_a_skipped_message_is_logged_without_its_content(recording_writer):
    raw = CloudEvent(
        source="s",
        subject="P1",
        type=ServicePointUpserted.event_type,
        data={"service_point_id": "P1", "name_th": "โทร 0812345678"},
    ).to_json_bytes()

    with structlog.testing.capture_logs() as logs:
        assert await run(raw, recording_writer) == Outcome.MALFORMED

    assert logs and logs[0]["event"] == "stats_event_skipped"
    assert "0812345678" not in repr(logs)
