"""Issue 22: open and overdue complaints per department and ministry — the projection of filings and
status snapshots, the query (overdue judged against the time of the question) and the route."""

from datetime import UTC, datetime, timedelta

import httpx
from citizeninfo_shared.events.complaints import ComplaintFiled, ComplaintStatusUpdated
from citizeninfo_shared.events.envelope import CloudEvent
from stats_service.adapters.complaint_deadline_reader import (
    DeadlineCounts,
    Deadlines,
    deadlines_from,
    deadlines_search_body,
)
from stats_service.adapters.elasticsearch_writer import bulk_operations
from stats_service.adapters.indices import MAPPINGS, StatsIndices
from stats_service.api.complaint_deadlines import get_complaint_deadline_reader
from stats_service.domain.projections import ReadModel, complaint_recorded
from stats_service.main import create_app

FILED = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DUE = FILED + timedelta(days=7)
ORGANISATION = {"department_id": "D0001", "ministry_id": "M07", "province_code": "10"}


def filed_event() -> CloudEvent:
    complaint = ComplaintFiled(
        complaint_id="cmp_ABCD000001",
        tracking_code="ABCD-0000-01",
        service_point_id="P000001",
        category="asked_for_copy",
        description="ข้อความไม่ถูกนับ",
        filed_at=FILED,
        due_at=DUE,
        **ORGANISATION,
    )
    return CloudEvent.wrap(complaint, source="s", subject="P000001")


def status_event(status: str, *, open_: bool, due: datetime | None, sequence: int) -> CloudEvent:
    snapshot = ComplaintStatusUpdated(
        complaint_id="cmp_ABCD000001",
        service_point_id="P000001",
        category="asked_for_copy",
        status=status,
        open=open_,
        due_at=due,
        changed_at=FILED + timedelta(days=sequence),
        sequence=sequence,
        reopen_count=1 if status == "reopened" else 0,
        reason="ยังไม่พอใจ" if status == "reopened" else None,
        **ORGANISATION,
    )
    return CloudEvent.wrap(snapshot, source="s", subject="P000001")


def test_a_filing_and_its_status_snapshots_write_their_own_fields_of_one_document():
    filed = complaint_recorded(filed_event())
    answered = complaint_recorded(status_event("resolved", open_=False, due=None, sequence=2))
    reopened = complaint_recorded(status_event("reopened", open_=True, due=DUE + timedelta(days=9), sequence=3))
    assert filed is not None and answered is not None and reopened is not None
    assert {filed.document_id, answered.document_id} == {"cmp_ABCD000001"}
    assert filed.fields["filed_due_at"] == DUE.isoformat() and "status" not in filed.fields
    assert answered.fields["open"] is False and answered.fields["due_at"] is None
    assert reopened.fields["status"] == "reopened" and reopened.fields["reopen_count"] == 1
    assert "ยังไม่พอใจ" not in str(reopened.fields)  # the citizen's reason stays out of the statistics
    shared = {"complaint_id", "service_point_id", *ORGANISATION}
    assert not (set(filed.fields) - shared) & (set(reopened.fields) - shared)
    for update in (filed, answered, reopened):
        assert set(update.fields) <= set(MAPPINGS[ReadModel.COMPLAINTS]["properties"])


def test_complaints_are_partial_upserts_so_filing_and_status_merge_in_any_order():
    updates = [
        complaint_recorded(e) for e in (status_event("resolved", open_=False, due=None, sequence=2), filed_event())
    ]
    operations = bulk_operations(StatsIndices("t"), [u for u in updates if u is not None])
    assert [next(iter(o)) for o in operations[::2]] == ["update", "update"]
    assert all(o.get("doc_as_upsert") for o in operations[1::2])


def test_overdue_is_judged_against_the_time_of_the_question():
    now = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    body = deadlines_search_body(now, ministry_id="M07")
    assert body["size"] == 0 and body["track_total_hits"] is True
    text = str(body["aggs"]["overdue"])
    assert now.isoformat() in text and "'due_at'" in text and "'filed_due_at'" in text
    assert {"term": {"ministry_id": "M07"}} in body["query"]["bool"]["filter"]
    # Open: the latest snapshot says so, or there is none yet (as filed).
    [open_query, _] = body["query"]["bool"]["filter"]
    assert {"term": {"open": True}} in open_query["bool"]["should"]


def test_an_aggregation_answer_becomes_counts_per_unit():
    response = {
        "hits": {"total": {"value": 5, "relation": "eq"}},
        "aggregations": {
            "overdue": {"doc_count": 2},
            "departments": {
                "buckets": [
                    {"key": "D0001", "doc_count": 4, "overdue": {"doc_count": 2}},
                    {"key": "D0002", "doc_count": 1, "overdue": {"doc_count": 0}},
                ]
            },
            "ministries": {"buckets": [{"key": "M07", "doc_count": 5, "overdue": {"doc_count": 2}}]},
        },
    }
    found = deadlines_from(response)
    assert found.total == DeadlineCounts(5, 2)
    assert found.departments == {"D0001": DeadlineCounts(4, 2), "D0002": DeadlineCounts(1, 0)}
    assert found.ministries == {"M07": DeadlineCounts(5, 2)}
    assert deadlines_from({}).total == DeadlineCounts(0, 0)  # no index yet


class FixedReader:
    def __init__(self) -> None:
        self.asked: dict = {}

    async def deadlines(self, now, *, ministry_id=None, department_id=None) -> Deadlines:
        self.asked = {"ministry_id": ministry_id, "department_id": department_id}
        return Deadlines(
            DeadlineCounts(6, 3),
            {"D0001": DeadlineCounts(2, 0), "D0002": DeadlineCounts(4, 3)},
            {"M07": DeadlineCounts(6, 3)},
        )

    async def names(self, kind, unit_ids):
        return {"D0002": ("กรมการปกครอง", "Department of Provincial Administration")} if kind == "department" else {}


async def test_the_route_lists_units_most_overdue_first():
    reader = FixedReader()
    app = create_app()
    app.dependency_overrides[get_complaint_deadline_reader] = lambda: reader
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats") as client:
        response = await client.get("/complaints/deadlines", params={"ministry_id": "M07"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["open"], body["overdue"]) == (6, 3)
        assert [d["id"] for d in body["departments"]] == ["D0002", "D0001"]
        assert body["departments"][0]["name_en"] == "Department of Provincial Administration"
        assert body["ministries"] == [{"id": "M07", "name_th": None, "name_en": None, "open": 6, "overdue": 3}]
        assert reader.asked == {"ministry_id": "M07", "department_id": None}
        bad = await client.get("/complaints/deadlines", params={"ministry_id": "<script>"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
