"""A ministry built from scratch through the public APIs; every cell of its stats tables is compared.

Catalogue import (pin-service) → pins (pin-service) → readiness surveys (nocopy-service) → ratings
and a complaint (feedback-service) → the stats tables through the gateway, JSON, CSV and XLSX.
Each run uses its own random ministry, so the running system's other data does not matter.
"""

import csv
import io
import json
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

STATS = "/api/stats/v1"
# The contract: a change accepted by any service shows in stats within 5 s.
VISIBLE_WITHIN_SECONDS = 5.0
# Other services learn a new catalogue entry from the catalogue topic; until then they answer 404.
CATALOGUE_SPREAD_SECONDS = 30.0

COUNT_COLUMNS = [
    "service_points",
    "pinned",
    "not_pinned",
    "copy_cancelled",
    "copy_not_cancelled",
    "copy_in_progress",
    "surveyed",
    "not_surveyed",
]


def _accepted(call: Callable[[], httpx.Response], expected: int) -> httpx.Response:
    """Sends until accepted; 404 while the point has not reached that service's catalogue copy yet."""
    deadline = time.monotonic() + CATALOGUE_SPREAD_SECONDS
    while True:
        response = call()
        if response.status_code == expected:
            return response
        if response.status_code not in (404, 503) or time.monotonic() > deadline:
            pytest.fail(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
        time.sleep(0.3)


def _survey(service_ids: list[str], status: str) -> dict:
    return {
        "mou_with_dopa": True,
        "card_readers": 1,
        "services": [{"service_id": s, "id_card_copy": status, "house_registration_copy": status} for s in service_ids],
        "obstacles": [],
    }


def _row(points: int, pinned: int, cancelled: int, in_progress: int, surveyed: int) -> dict[str, int]:
    return {
        "service_points": points,
        "pinned": pinned,
        "not_pinned": points - pinned,
        "copy_cancelled": cancelled,
        "copy_not_cancelled": points - cancelled,
        "copy_in_progress": in_progress,
        "surveyed": surveyed,
        "not_surveyed": points - surveyed,
    }


def _eventually(read: Callable[[], object], expected: object, within: float) -> None:
    deadline = time.monotonic() + within
    while (actual := read()) != expected:
        if time.monotonic() > deadline:
            assert actual == expected, f"not shown within {within} s"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def ministry(gateway: httpx.Client, admin_headers: dict[str, str]) -> dict:
    """M with departments A (5 points), B (3 points) and C (none yet); then pins, surveys, ratings."""
    tag = uuid.uuid4().hex[:8].upper()
    m, a, b, c = f"MST{tag}", f"DST{tag}A", f"DST{tag}B", f"DST{tag}C"
    lines = [
        {"kind": "ministry", "id": m, "name_th": "กระทรวงทดสอบสถิติ", "name_en": "Ministry of Stats Tests"},
        {"kind": "department", "id": a, "ministry_id": m, "name_th": "กรมทดสอบ ก"},
        {"kind": "department", "id": b, "ministry_id": m, "name_th": "กรมทดสอบ ข"},
        {"kind": "department", "id": c, "ministry_id": m, "name_th": "กรมทดสอบ ค"},
    ]
    points: dict[str, list[str]] = {a: [], b: []}
    for department, count in ((a, 5), (b, 3)):
        service = f"S{tag}{department[-1]}"
        lines.append(
            {
                "kind": "service",
                "id": service,
                "department_id": department,
                "name_th": "บริการทดสอบ",
                "steps": ["ยื่นคำขอ"],
                "documents": [{"name_th": "สำเนาบัตรประจำตัวประชาชน", "kind": "id_card_copy", "copies": 1}],
            }
        )
        for n in range(count):
            point = f"PST{tag}{department[-1]}{n}"
            points[department].append(point)
            lines.append(
                {
                    "kind": "service_point",
                    "id": point,
                    "department_id": department,
                    "name_th": f"จุดทดสอบ {n}",
                    "province_code": "10" if n % 2 == 0 else "50",
                    "district_code": "1001" if n % 2 == 0 else "5001",
                    "address_th": "ที่อยู่ทดสอบ",
                    "service_ids": [service],
                }
            )
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    imported = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=body.encode(),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["errors"] == []

    a0, a1, a2, _, _ = points[a]
    b0, b1, _ = points[b]
    for point, lat in ((a0, 13.75), (a0, 13.76), (a1, 13.75), (b0, 18.79)):  # a0 twice: counts once
        _accepted(
            lambda p=point, la=lat: gateway.post(
                f"/api/pin/v1/service-points/{p}/pins",
                json={"lat": la, "lon": 100.5 if la < 15 else 98.98, "accuracy_m": 10},
                headers=admin_headers,
            ),
            201,
        )
    service_of = {a: f"S{tag}A", b: f"S{tag}B"}
    surveys = [(a0, a, "required"), (a0, a, "cancelled"), (a1, a, "in_progress"), (a2, a, "required")]
    surveys += [(b0, b, "cancelled"), (b1, b, "in_progress")]
    for point, department, status in surveys:  # a0 answered twice: the latest replaces the first
        _accepted(
            lambda p=point, d=department, s=status: gateway.put(
                f"/api/nocopy/v1/service-points/{p}/readiness", json=_survey([service_of[d]], s), headers=admin_headers
            ),
            200,
        )
    for point, score, asked in ((a0, 2, True), (a0, 3, True), (a1, 5, False), (b0, 4, None)):
        rating = {"service_point_id": point, "score": score}
        if asked is not None:
            rating["asked_for_copy"] = asked
        _accepted(lambda r=rating: gateway.post("/api/feedback/v1/ratings", json=r), 202)
    _accepted(
        lambda: gateway.post(
            "/api/feedback/v1/complaints",
            json={
                "service_point_id": b0,
                "category": "asked_for_copy",
                "description": "เจ้าหน้าที่ขอสำเนาบัตรประชาชน",
                "consent_to_contact": False,
            },
        ),
        202,
    )
    return {"id": m, "departments": (a, b, c), "points": points, "tag": tag}


def test_the_ministry_table_shows_every_cell_as_the_events_imply(gateway: httpx.Client, ministry: dict):
    a, b, c = ministry["departments"]
    expected_rows = {
        a: _row(points=5, pinned=2, cancelled=1, in_progress=1, surveyed=3),
        b: _row(points=3, pinned=1, cancelled=1, in_progress=1, surveyed=2),
        c: _row(points=0, pinned=0, cancelled=0, in_progress=0, surveyed=0),
    }
    expected_total = _row(points=8, pinned=3, cancelled=2, in_progress=2, surveyed=5)

    def table() -> tuple[dict, dict]:
        body = gateway.get(f"{STATS}/ministries/{ministry['id']}/departments").json()
        rows = {row["department_id"]: {k: row[k] for k in COUNT_COLUMNS} for row in body.get("rows", [])}
        return rows, body.get("total")

    _eventually(table, (expected_rows, expected_total), VISIBLE_WITHIN_SECONDS)

    body = gateway.get(f"{STATS}/ministries/{ministry['id']}/departments").json()
    assert body["ministry_id"] == ministry["id"]
    assert [row["name_th"] for row in body["rows"]] == ["กรมทดสอบ ก", "กรมทดสอบ ข", "กรมทดสอบ ค"]
    assert "name_th" not in body["total"] and "department_id" not in body["total"]


def test_csv_and_xlsx_carry_the_same_table_with_a_header_and_the_total_last(gateway: httpx.Client, ministry: dict):
    url = f"{STATS}/ministries/{ministry['id']}/departments"
    _eventually(lambda: gateway.get(url).json()["total"]["service_points"], 8, VISIBLE_WITHIN_SECONDS)
    table = gateway.get(url).json()
    expected = [[row["department_id"], row["name_th"], *(row[k] for k in COUNT_COLUMNS)] for row in table["rows"]]
    expected.append(["total", "รวมทั้งสิ้น", *(table["total"][k] for k in COUNT_COLUMNS)])
    header = ["department_id", "name_th", *COUNT_COLUMNS]

    response = gateway.get(url, params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == header
    assert lines[1:] == [[str(cell) for cell in line] for line in expected]

    response = gateway.get(url, params={"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == header
    assert rows[1:] == expected


def test_by_province_and_one_departments_points(gateway: httpx.Client, ministry: dict):
    a, _, _ = ministry["departments"]
    expected_provinces = {
        "10": _row(points=5, pinned=2, cancelled=2, in_progress=0, surveyed=3),  # a0, a2, a4, b0, b2
        "50": _row(points=3, pinned=1, cancelled=0, in_progress=2, surveyed=2),  # a1, a3, b1
    }

    def provinces() -> dict:
        body = gateway.get(f"{STATS}/ministries/{ministry['id']}/provinces").json()
        return {row["province_code"]: {k: row[k] for k in COUNT_COLUMNS} for row in body["rows"]}

    _eventually(provinces, expected_provinces, VISIBLE_WITHIN_SECONDS)

    a0, a1, a2, a3, a4 = ministry["points"][a]
    body = gateway.get(f"{STATS}/departments/{a}/service-points").json()
    by_point = {row["service_point_id"]: row for row in body["rows"]}
    assert list(by_point) == sorted([a0, a1, a2, a3, a4])
    assert {p: by_point[p]["copy_status"] for p in by_point} == {
        a0: "cancelled",
        a1: "in_progress",
        a2: "required",
        a3: None,
        a4: None,
    }
    assert {p: by_point[p]["pinned"] for p in by_point} == {a0: 1, a1: 1, a2: 0, a3: 0, a4: 0}
    assert body["total"] == _row(points=5, pinned=2, cancelled=1, in_progress=1, surveyed=3)
    assert body["ministry_id"] == ministry["id"]


def test_satisfaction_and_reconciliation_follow_the_ratings_and_the_complaint(gateway: httpx.Client, ministry: dict):
    a, b, _ = ministry["departments"]
    a0, a1 = ministry["points"][a][:2]
    b0 = ministry["points"][b][0]

    def point_window(point: str) -> dict:
        return gateway.get(f"{STATS}/satisfaction/service-points/{point}").json()["windows"]["7d"]

    _eventually(lambda: point_window(a0)["ratings"], 2, VISIBLE_WITHIN_SECONDS)
    window = point_window(a0)
    assert window["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0}
    assert window["mean"] == 2.5
    assert window["asked_for_copy"] == 2
    assert window["fair_score"]["rankable"] is False  # 2 ratings: below the minimum to rank
    assert window["fair_score"]["low"] <= window["fair_score"]["score"] <= window["fair_score"]["high"]

    department = gateway.get(f"{STATS}/satisfaction/departments/{a}").json()["windows"]["all"]
    assert department["ratings"] == 3
    assert department["distribution"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 1}
    ranking = gateway.get(f"{STATS}/satisfaction/departments", params={"ministry_id": ministry["id"]}).json()
    assert {item["unit_id"]: item["ratings"] for item in ranking["items"]} == {a: 3, b: 1}

    def flagged() -> dict:
        items = gateway.get(f"{STATS}/reconciliation", params={"ministry_id": ministry["id"]}).json()["items"]
        return {i["service_point_id"]: (i["ratings_asked_for_copy"], i["complaints_asked_for_copy"]) for i in items}

    # a0 says "cancelled" yet two ratings report a copy demanded; b0 likewise by one complaint.
    # a1 is only in progress, so its citizens' reports are no contradiction.
    _eventually(flagged, {a0: (2, 0), b0: (0, 1)}, VISIBLE_WITHIN_SECONDS)
    assert a1 not in flagged()


def test_an_unknown_ministry_is_a_404_problem(gateway: httpx.Client):
    response = gateway.get(f"{STATS}/ministries/M-NO-SUCH-{uuid.uuid4().hex[:6]}/departments")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title_th"]


def test_an_unknown_format_is_a_422_problem(gateway: httpx.Client, ministry: dict):
    response = gateway.get(f"{STATS}/ministries/{ministry['id']}/departments", params={"format": "pdf"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
