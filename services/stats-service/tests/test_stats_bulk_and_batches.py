"""Bulk requests, refusals and passing failures, batches through the projector, and the lag arithmetic."""

from datetime import UTC, datetime

import pytest
from citizeninfo_shared.events.catalogue import ServicePointUpserted
from citizeninfo_shared.events.complaints import ComplaintFiled
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.topics import TopicName
from faust.types import TP
from stats_service.adapters.elasticsearch_writer import (
    BulkWriteFailed,
    Rejection,
    bulk_operations,
    rejections_from,
)
from stats_service.adapters.indices import StatsIndices
from stats_service.domain.projections import DocumentUpdate, ReadModel, complaint_recorded
from stats_service.worker.lag import Progress
from stats_service.worker.projector import Outcome, project_batch

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
INDICES = StatsIndices("t")


def test_points_are_partial_upserts_and_ratings_whole_documents():
    point = DocumentUpdate(ReadModel.SERVICE_POINTS, "P1", {"pinned": True})
    rating = DocumentUpdate(ReadModel.RATINGS, "R1", {"score": 4})

    operations = bulk_operations(INDICES, [point, rating])

    assert operations[0] == {"update": {"_index": "t-service-points", "_id": "P1", "retry_on_conflict": 5}}
    assert operations[1] == {"doc": {"pinned": True}, "doc_as_upsert": True}
    assert operations[2] == {"index": {"_index": "t-ratings", "_id": "R1"}}
    assert operations[3] == {"score": 4}


def test_a_refused_document_is_a_rejection_and_a_passing_failure_fails_the_batch():
    updates = [DocumentUpdate(ReadModel.RATINGS, f"R{n}", {}) for n in range(2)]
    refused = {
        "errors": True,
        "items": [
            {"index": {"status": 201}},
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception"}}},
        ],
    }
    overloaded = {
        "errors": True,
        "items": [{"index": {"status": 429, "error": {"type": "es_rejected"}}}, {"index": {"status": 201}}],
    }

    assert rejections_from(refused, updates) == [Rejection(updates[1], 400, "mapper_parsing_exception")]
    with pytest.raises(BulkWriteFailed):
        rejections_from(overloaded, updates)
    assert rejections_from({"errors": False, "items": []}, updates) == []


def _rating(rating_id: str, point: str, **extra) -> bytes:
    data = RatingSubmitted(rating_id=rating_id, service_point_id=point, score=5, verified=False, submitted_at=NOW)
    payload = {**data.model_dump(mode="json"), **extra}
    return CloudEvent(source="s", subject=point, type=RatingSubmitted.event_type, data=payload).to_json_bytes()


async def test_a_batch_keeps_order_skips_the_unreadable_and_fills_a_missing_department(recording_writer):
    listed = ServicePointUpserted(
        service_point_id="P1", department_id="D1", ministry_id="M1", name_th="จุด", province_code="10"
    )
    recording_writer.documents[(ReadModel.SERVICE_POINTS, "P1")] = CloudEvent.wrap(
        listed, source="s", subject="P1"
    ).data

    outcomes = await project_batch(
        TopicName.RATINGS,
        [_rating("R1", "P1"), b"{broken", _rating("R2", "P2", department_id="D9", province_code="50")],
        recording_writer,
        max_backoff_seconds=0.01,
    )

    assert outcomes == [Outcome.APPLIED, Outcome.MALFORMED, Outcome.APPLIED]
    assert recording_writer.batches == 1
    first = recording_writer.documents[(ReadModel.RATINGS, "R1")]
    assert (first["department_id"], first["ministry_id"], first["province_code"]) == ("D1", "M1", "10")
    assert recording_writer.documents[(ReadModel.RATINGS, "R2")]["department_id"] == "D9"


class RefusingOne:
    """Refuses document R2 and writes the rest, as a bulk answer with one 400 item would."""

    def __init__(self) -> None:
        self.written: list[str] = []

    async def apply_many(self, updates):
        self.written += [u.document_id for u in updates if u.document_id != "R2"]
        return [Rejection(u, 400, "mapper_parsing_exception") for u in updates if u.document_id == "R2"]

    async def organisations(self, service_point_ids):
        return {}


async def test_only_the_refused_document_of_a_batch_is_skipped():
    writer = RefusingOne()

    outcomes = await project_batch(
        TopicName.RATINGS,
        [_rating(f"R{n}", "P1", department_id="D1") for n in (1, 2, 3)],
        writer,
        max_backoff_seconds=0.01,
    )

    assert outcomes == [Outcome.APPLIED, Outcome.REJECTED, Outcome.APPLIED]
    assert writer.written == ["R1", "R3"]


def test_a_complaint_about_a_demanded_copy_is_flagged_without_its_text_or_contact():
    complaint = ComplaintFiled(
        complaint_id="C1",
        tracking_code="T1",
        service_point_id="P1",
        category="asked_for_copy",
        description="ขอสำเนา โทร 0812345678",
        contact={"phone": "0812345678"},
        filed_at=NOW,
    )
    update = complaint_recorded(CloudEvent.wrap(complaint, source="s", subject="P1"))

    assert update is not None and update.read_model is ReadModel.COMPLAINTS
    assert update.fields["asked_for_copy"] is True
    assert "0812345678" not in repr(update.fields)


def test_lag_counts_from_the_last_handled_offset_or_the_position():
    class Message:
        def __init__(self, tp: TP, offset: int) -> None:
            self.tp, self.offset = tp, offset

    handled, idle = TP("citizeninfo.ratings.v1", 0), TP("citizeninfo.ratings.v1", 1)
    progress = Progress()
    progress.handled([Message(handled, 9), Message(handled, 4)])

    assert progress.never_handled([handled, idle]) == [idle]
    assert progress.lag_by_topic({handled: 25, idle: 7}, {idle: 5}) == {"citizeninfo.ratings.v1": 15 + 2}
