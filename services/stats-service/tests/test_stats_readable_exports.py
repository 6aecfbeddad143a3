"""The files people read (`headings=th|en`): UTF-8 BOM, headings as on screen, names, shares and words;
the machine-readable `format=csv` of the contract unchanged; names in provinces, points, the
reconciliation list and the ranking (issue 23)."""

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest
from openpyxl import load_workbook
from stats_service.adapters.progress_reader import Grouped, PointRow, Unit
from stats_service.adapters.reconciliation_reader import Mismatch
from stats_service.adapters.satisfaction_reader import Level
from stats_service.api.deps import get_progress_reader, get_reconciliation_reader
from stats_service.api.reconciliation import local_time
from stats_service.api.satisfaction import unit_names
from stats_service.api.table_formats import UTF8_BOM, Headings, share
from stats_service.domain.progress import ProgressCounts
from stats_service.domain.provinces import PROVINCES, province_name
from stats_service.main import create_app

COUNTS = ProgressCounts(service_points=8, pinned=6, surveyed=4, copy_cancelled=2, copy_in_progress=1)


class FakeReader:
    async def units(self, kind: str, ministry_id: str | None = None) -> dict[str, Unit]:
        if kind == "department":
            return {"D0702": Unit("D0702", "กรมศิลปากร", "Fine Arts Department", "M07")}
        if kind == "ministry":
            return {"M07": Unit("M07", "กระทรวงวัฒนธรรม", "Ministry of Culture", None)}
        return {}

    async def unit(self, kind: str, unit_id: str) -> Unit | None:
        return Unit("M07", "กระทรวงวัฒนธรรม", None, None) if unit_id == "M07" else None

    async def grouped(self, group_field: str, filters: list) -> Grouped:
        key = {"department_id": "D0702", "province_code": "10", "ministry_id": "M07"}[group_field]
        return Grouped({key: COUNTS, **({"99": ProgressCounts(service_points=1)} if key == "10" else {})}, COUNTS)

    async def points(self, filters: list) -> list[PointRow]:
        return [
            PointRow("P1", "สำนักงานเขต", "D0702", "10", "1001", True, True, "cancelled", "District office"),
            PointRow("P2", "=cmd()", "D0702", "50", None, False, False, None),
        ]


class FakeReconciliation:
    async def mismatches(self, days: int, filters: list) -> list[Mismatch]:
        return [
            Mismatch(
                service_point_id="P1",
                name_th="สำนักงานเขต",
                department_id="D0702",
                ministry_id="M07",
                province_code="10",
                surveyed_at=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
                ratings_asked_for_copy=2,
                complaints_asked_for_copy=1,
                latest_report_at=datetime(2025, 1, 5, 17, 30, tzinfo=UTC),
                service_ids=["S1"],
            )
        ]


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = create_app()
    app.dependency_overrides[get_progress_reader] = FakeReader
    app.dependency_overrides[get_reconciliation_reader] = FakeReconciliation
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats")


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


async def test_the_contract_csv_keeps_its_field_names_and_has_no_bom(client):
    async with client:
        response = await client.get("/ministries/M07/departments", params={"format": "csv"})
    assert not response.content.startswith(UTF8_BOM.encode())
    assert response.text.splitlines()[0] == (
        "department_id,name_th,service_points,pinned,not_pinned,copy_cancelled,copy_not_cancelled,"
        "copy_in_progress,surveyed,not_surveyed"
    )


async def test_the_thai_csv_starts_with_a_bom_and_is_headed_as_on_screen_with_shares(client):
    async with client:
        response = await client.get("/ministries/M07/departments", params={"format": "csv", "headings": "th"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="M07-departments-th.csv"' in response.headers["content-disposition"]
    lines = read_csv(response.content)
    assert lines[0][:4] == ["รหัสหน่วยงาน", "ชื่อ", "จำนวนจุดบริการ", "ปักหมุดแล้ว"]
    assert lines[0][-3:] == ["ร้อยละที่ปักหมุดแล้ว", "ร้อยละที่ยกเลิกสำเนาแล้ว", "ร้อยละที่ตอบแบบสำรวจแล้ว"]
    assert lines[1][:3] == ["D0702", "กรมศิลปากร", "8"] and lines[1][-3:] == ["75.0", "25.0", "50.0"]
    assert lines[-1][:2] == ["รวมทั้งสิ้น", "รวมทั้งสิ้น"]


async def test_the_english_xlsx_has_english_headings_and_names(client):
    async with client:
        response = await client.get("/ministries/M07/departments", params={"format": "xlsx", "headings": "en"})
    rows = [
        list(r) for r in load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True)
    ]
    assert rows[0][:3] == ["Department id", "Name", "Service points"]
    assert rows[1][:3] == ["D0702", "Fine Arts Department", 8]
    assert rows[-1][:2] == ["Total", "Total"]


async def test_an_unknown_headings_value_is_a_422_problem(client):
    async with client:
        response = await client.get("/provinces", params={"format": "csv", "headings": "fr"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_province_rows_carry_their_names_and_an_unknown_code_none(client):
    async with client:
        body = (await client.get("/provinces")).json()
        readable = read_csv((await client.get("/provinces", params={"format": "csv", "headings": "th"})).content)
    rows = {row["province_code"]: row for row in body["rows"]}
    assert (rows["10"]["name_th"], rows["10"]["name_en"]) == ("กรุงเทพมหานคร", "Bangkok")
    assert rows["99"]["name_th"] is None
    assert readable[0][:2] == ["รหัสจังหวัด", "ชื่อ"] and readable[1][:2] == ["10", "กรุงเทพมหานคร"]


async def test_the_points_file_people_read_is_in_words(client):
    async with client:
        body = (await client.get("/departments/D0702/service-points")).json()
        readable = read_csv(
            (await client.get("/departments/D0702/service-points", params={"format": "csv", "headings": "th"})).content
        )
    assert body["rows"][0]["province_name_th"] == "กรุงเทพมหานคร" and body["rows"][0]["name_en"] == "District office"
    assert readable[0] == [
        "รหัสจุดให้บริการ",
        "ชื่อ",
        "จังหวัด",
        "รหัสอำเภอ",
        "การปักหมุด",
        "แบบสำรวจ",
        "การเรียกสำเนา",
    ]
    assert readable[1] == ["P1", "สำนักงานเขต", "กรุงเทพมหานคร", "1001", "ปักหมุดแล้ว", "ตอบแล้ว", "ยกเลิกสำเนาแล้ว"]
    # Formula neutralising still applies; an unsurveyed point says so in words.
    assert readable[2] == ["P2", "'=cmd()", "เชียงใหม่", "", "ยังไม่ปักหมุด", "ยังไม่ตอบ", "ยังไม่ตอบแบบสำรวจ"]


async def test_the_reconciliation_list_names_department_and_province_and_downloads(client):
    async with client:
        body = (await client.get("/reconciliation")).json()
        machine = await client.get("/reconciliation", params={"format": "csv"})
        readable = await client.get("/reconciliation", params={"format": "csv", "headings": "th"})
        english = await client.get("/reconciliation", params={"format": "xlsx", "headings": "en"})
    item = body["items"][0]
    assert item["department_name_th"] == "กรมศิลปากร" and item["province_name_en"] == "Bangkok"
    machine_lines = read_csv(machine.content)
    assert machine_lines[0][:4] == ["service_point_id", "name_th", "department_id", "department_name_th"]
    assert machine_lines[1][:4] == ["P1", "สำนักงานเขต", "D0702", "กรมศิลปากร"]
    assert readable.content.startswith(b"\xef\xbb\xbf")
    lines = read_csv(readable.content)
    assert lines[0][:4] == ["รหัสจุดให้บริการ", "ชื่อ", "หน่วยงาน", "จังหวัด"]
    assert lines[1] == [
        "P1",
        "สำนักงานเขต",
        "กรมศิลปากร",
        "กรุงเทพมหานคร",
        "2",
        "1",
        "2025-01-06 00:30",
        "2025-01-02 10:04",
    ]
    rows = [
        list(r) for r in load_workbook(io.BytesIO(english.content), read_only=True).active.iter_rows(values_only=True)
    ]
    assert rows[0][2:4] == ["Department", "Province"] and rows[1][2:4] == ["Fine Arts Department", "Bangkok"]


async def test_the_ranking_names_its_units():
    reader = FakeReader()
    assert await unit_names(reader, Level.DEPARTMENT, ["D0702", "D9999"]) == {
        "D0702": ("กรมศิลปากร", "Fine Arts Department")
    }
    assert await unit_names(reader, Level.PROVINCE, ["10"]) == {"10": ("กรุงเทพมหานคร", "Bangkok")}
    assert (await unit_names(reader, Level.SERVICE_POINT, ["P1"]))["P1"] == ("สำนักงานเขต", "District office")
    assert await unit_names(reader, Level.MINISTRY, []) == {}


def test_shares_and_local_times():
    assert share(1, 3) == 33.3 and share(0, 0) is None
    assert local_time(datetime(2025, 1, 1, 20, 0, tzinfo=UTC)) == "2025-01-02 03:00"
    assert local_time(None) is None


def test_the_province_table_is_thailands_77_and_matches_geothai():
    assert len(PROVINCES) == 77
    assert province_name("50") == ("เชียงใหม่", "Chiang Mai") and province_name(None) is None
    geothai = pytest.importorskip("geothai")
    assert {p.code: (p.name_th, p.name_en) for p in geothai.provinces()} == {
        code: tuple(names) for code, names in PROVINCES.items()
    }


def test_file_and_sheet_names_are_safe_whatever_the_id():
    from stats_service.api.table_formats import xlsx_response

    response = xlsx_response(["a"], [{"a": 1}], None, 'M"/[x]:*?-departments', Headings.TH)
    assert 'filename="M___x____-departments-th.xlsx"' in response.headers["content-disposition"]
    assert load_workbook(io.BytesIO(response.body)).sheetnames == ["M___x____-departments"]
