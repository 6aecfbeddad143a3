"""The progress routes with a fake reader: rows, totals, names, zeros, CSV and XLSX, and 404/422."""

import csv
import io

import httpx
from openpyxl import load_workbook
from stats_service.adapters.progress_reader import Grouped, Unit, grouped_from, grouped_search_body
from stats_service.api.deps import get_progress_reader
from stats_service.domain.progress import ProgressCounts
from stats_service.main import create_app


class FakeProgressReader:
    """Ministry M07 with departments D0701 (no points yet) and D0702; points only of D0702."""

    def __init__(self) -> None:
        self.filters: list = []

    async def units(self, kind: str, ministry_id: str | None = None) -> dict[str, Unit]:
        if kind == "department" and ministry_id == "M07":
            return {
                "D0702": Unit("D0702", "กรมศิลปากร", None, "M07"),
                "D0701": Unit("D0701", "กรมการศาสนา", None, "M07"),
            }
        return {}

    async def unit(self, kind: str, unit_id: str) -> Unit | None:
        return Unit("M07", "กระทรวงวัฒนธรรม", None, "M07") if (kind, unit_id) == ("ministry", "M07") else None

    async def grouped(self, group_field: str, filters: list) -> Grouped:
        self.filters = filters
        if filters and "M07" not in repr(filters):
            return Grouped({}, ProgressCounts())
        counts = ProgressCounts(service_points=95, pinned=79, surveyed=92, copy_cancelled=0, copy_in_progress=60)
        return Grouped({"D0702": counts}, counts)

    async def points(self, filters: list) -> list:
        return []


def client_with(reader: FakeProgressReader) -> httpx.AsyncClient:
    app = create_app()
    app.dependency_overrides[get_progress_reader] = lambda: reader
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats")


SEED_ROW = {
    "service_points": 95,
    "pinned": 79,
    "not_pinned": 16,
    "copy_cancelled": 0,
    "copy_not_cancelled": 95,
    "copy_in_progress": 60,
    "surveyed": 92,
    "not_surveyed": 3,
}


async def test_the_ministry_table_has_every_department_in_name_order_and_the_total():
    reader = FakeProgressReader()
    async with client_with(reader) as client:
        body = (await client.get("/ministries/M07/departments")).json()

    assert body["ministry_id"] == "M07" and body["name_th"] == "กระทรวงวัฒนธรรม"
    assert [row["department_id"] for row in body["rows"]] == ["D0701", "D0702"]
    assert {k: body["rows"][1][k] for k in SEED_ROW} == SEED_ROW  # seed 004, กรมศิลปากร
    assert body["rows"][0]["service_points"] == 0
    assert body["total"] == SEED_ROW
    # Points naming the ministry, or belonging to one of its departments.
    assert reader.filters == [
        {
            "bool": {
                "should": [{"term": {"ministry_id": "M07"}}, {"terms": {"department_id": ["D0701", "D0702"]}}],
                "minimum_should_match": 1,
            }
        }
    ]


async def test_csv_and_xlsx_have_a_header_the_rows_and_the_total_last():
    async with client_with(FakeProgressReader()) as client:
        as_csv = await client.get("/ministries/M07/departments", params={"format": "csv"})
        as_xlsx = await client.get("/ministries/M07/departments", params={"format": "xlsx"})

    lines = list(csv.reader(io.StringIO(as_csv.text)))
    assert lines[0][:3] == ["department_id", "name_th", "service_points"]
    assert lines[-1] == ["total", "รวมทั้งสิ้น", "95", "79", "16", "0", "95", "60", "92", "3"]
    assert len(lines) == 4
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[-1] == ["total", "รวมทั้งสิ้น", 95, 79, 16, 0, 95, 60, 92, 3]


async def test_an_unknown_ministry_is_404_and_an_unknown_format_422():
    async with client_with(FakeProgressReader()) as client:
        missing = await client.get("/ministries/M99/departments")
        bad_format = await client.get("/ministries/M07/departments", params={"format": "pdf"})

    assert missing.status_code == 404
    assert missing.json()["title_th"]
    assert bad_format.status_code == 422
    assert bad_format.headers["content-type"].startswith("application/problem+json")


def test_the_grouped_query_counts_listed_points_only_and_reads_its_answer():
    body = grouped_search_body("department_id", [{"term": {"ministry_id": "M07"}}])
    assert body["query"]["bool"]["filter"][0] == {"term": {"listed": True}}

    answer = {
        "aggregations": {
            "groups": {
                "buckets": [{"key": "D0702", "doc_count": 95, "progress": {"buckets": {"pinned": {"doc_count": 79}}}}]
            },
            "all": {"doc_count": 95, "progress": {"buckets": {"pinned": {"doc_count": 79}}}},
        }
    }
    grouped = grouped_from(answer)
    assert grouped.groups["D0702"].pinned == 79
    assert grouped.total.service_points == 95
