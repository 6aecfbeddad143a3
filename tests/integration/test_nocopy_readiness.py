"""The readiness survey end to end: catalogue → nocopy projection, staff rights, events, stats, downloads."""

import csv
import io
import json
import uuid
import zipfile

import httpx
import pytest
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.topics import TopicName

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:6].upper()
MINISTRY, DEPARTMENT, OTHER_DEPARTMENT = f"MNC{RUN}", f"DNC{RUN}", f"DNCX{RUN}"
SERVICE, OTHER_SERVICE = f"SNC{RUN}1", f"SNC{RUN}2"
POINTS = [f"PNC{RUN}{i}" for i in (1, 2, 3)]
OTHER_POINT = f"PNCX{RUN}1"
NOCOPY = "/api/nocopy/v1"
STAFF_PASSWORD = "nocopy-staff-" + RUN
SURVEY = {
    "mou_with_dopa": False,
    "card_readers": 1,
    "services": [{"service_id": SERVICE, "id_card_copy": "in_progress", "house_registration_copy": "required"}],
    "obstacles": [{"kind": "budget", "detail": "ติดต่อ 081-234-5678 งบไม่พอ"}],
}
ALL_CANCELLED = {
    "mou_with_dopa": True,
    "card_readers": 2,
    "services": [
        {"service_id": SERVICE, "id_card_copy": "cancelled", "house_registration_copy": "cancelled"},
        {"service_id": OTHER_SERVICE, "id_card_copy": "cancelled", "house_registration_copy": "cancelled"},
    ],
}


def _catalogue() -> str:
    records = [
        {"kind": "ministry", "id": MINISTRY, "name_th": "กระทรวงวัฒนธรรม", "name_en": "Ministry of Culture"},
        {"kind": "department", "id": DEPARTMENT, "ministry_id": MINISTRY, "name_th": "กรมศิลปากร"},
        {"kind": "department", "id": OTHER_DEPARTMENT, "ministry_id": MINISTRY, "name_th": "กรมการศาสนา"},
        *(
            {"kind": "service", "id": s, "department_id": DEPARTMENT, "name_th": "ขออนุญาตถ่ายภาพโบราณสถาน"}
            for s in (SERVICE, OTHER_SERVICE)
        ),
        *(
            {
                "kind": "service_point",
                "id": p,
                "department_id": DEPARTMENT,
                "name_th": f"สำนักศิลปากรที่ {i}",
                "province_code": "50",
                "district_code": "5001",
                "service_ids": [SERVICE, OTHER_SERVICE],
            }
            for i, p in enumerate(POINTS, start=1)
        ),
        {
            "kind": "service_point",
            "id": OTHER_POINT,
            "department_id": OTHER_DEPARTMENT,
            "name_th": "สำนักงานศาสนา",
            "province_code": "10",
            "service_ids": [],
        },
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"


@pytest.fixture(scope="module")
def staff_headers(gateway: httpx.Client, admin_headers: dict) -> dict:
    """A staff member of DEPARTMENT, once nocopy-service's catalogue projection knows its points."""
    imported = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=_catalogue(),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["errors"] == []
    username = f"nocopy{RUN.lower()}"
    created = gateway.post(
        "/api/pin/v1/users",
        json={"username": username, "password": STAFF_PASSWORD, "role": "agency_staff", "department_id": DEPARTMENT},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    token = gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    wait_until(
        lambda: (
            len(gateway.get(f"{NOCOPY}/departments/{DEPARTMENT}/readiness", headers=headers).json().get("items", []))
            == len(POINTS)
            and gateway.get(
                f"{NOCOPY}/service-points/{OTHER_POINT}/readiness/history", headers=admin_headers
            ).is_success
        ),
        timeout=30,
    )
    return headers


def _put(gateway: httpx.Client, point: str, body: dict, headers: dict) -> httpx.Response:
    return gateway.put(f"{NOCOPY}/service-points/{point}/readiness", json=body, headers=headers)


def _is_problem(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == "application/problem+json"


def _department_row(gateway: httpx.Client) -> dict:
    table = gateway.get(f"/api/stats/v1/ministries/{MINISTRY}/departments").json()
    return next((r for r in table.get("rows", []) if r["department_id"] == DEPARTMENT), {})


def test_staff_answer_is_published_with_the_points_place(gateway, staff_headers, topic_tail) -> None:
    tail = topic_tail(TopicName.READINESS)
    response = _put(gateway, POINTS[0], SURVEY, staff_headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["copy_status"], body["mode"]) == ("in_progress", "on_card")
    assert "081-234-5678" not in body["obstacles"][0]["detail"]

    records = tail.collect(lambda rs: any(r.key == POINTS[0].encode() for r in rs))
    [record] = [r for r in records if r.key == POINTS[0].encode()]
    event = CloudEvent.from_json_bytes(record.value)
    answer = event.data_as(ReadinessAnswered)
    assert event.subject == POINTS[0]
    assert answer.answer_id == body["answer_id"]
    assert (answer.department_id, answer.ministry_id, answer.province_code) == (DEPARTMENT, MINISTRY, "50")
    assert "081-234-5678" not in record.value.decode()


def test_staff_of_another_department_are_refused(gateway, staff_headers) -> None:
    assert _is_problem(_put(gateway, OTHER_POINT, {**SURVEY, "services": []}, staff_headers), 403)
    assert _is_problem(gateway.get(f"{NOCOPY}/departments/{OTHER_DEPARTMENT}/readiness", headers=staff_headers), 403)
    assert _is_problem(gateway.get(f"{NOCOPY}/readiness/export", headers=staff_headers), 403)


def test_bad_answers_are_422_and_unknown_points_404(gateway, staff_headers, admin_headers) -> None:
    not_offered = {**SURVEY, "services": [{**SURVEY["services"][0], "service_id": f"SNOPE{RUN}"}]}
    assert _is_problem(_put(gateway, POINTS[1], not_offered, staff_headers), 422)
    assert _is_problem(_put(gateway, POINTS[1], {**SURVEY, "card_readers": -1}, staff_headers), 422)
    assert _is_problem(_put(gateway, POINTS[1], {**SURVEY, "answered_by": "x"}, staff_headers), 422)
    assert _is_problem(_put(gateway, POINTS[1], {**SURVEY, "obstacles": [{"kind": "weather"}]}, staff_headers), 422)
    assert _is_problem(_put(gateway, f"PNOPE{RUN}", SURVEY, admin_headers), 404)
    assert _is_problem(gateway.get(f"{NOCOPY}/service-points/{POINTS[1]}/readiness"), 404)


def test_a_re_answer_replaces_the_first_for_counting_and_history_keeps_both(
    gateway, staff_headers, admin_headers
) -> None:
    first = _put(gateway, POINTS[1], SURVEY, staff_headers)
    assert first.status_code == 200
    wait_until(lambda: _department_row(gateway).get("copy_in_progress", 0) >= 1 + 1, timeout=5)  # P1 and P2
    second = _put(gateway, POINTS[1], ALL_CANCELLED, admin_headers)
    assert second.status_code == 200

    current = gateway.get(f"{NOCOPY}/service-points/{POINTS[1]}/readiness").json()
    assert current["answer_id"] == second.json()["answer_id"]
    assert (current["copy_status"], current["mode"]) == ("cancelled", "online_and_on_card")
    history = gateway.get(f"{NOCOPY}/service-points/{POINTS[1]}/readiness/history", headers=staff_headers).json()
    assert [h["answer_id"] for h in history["items"]] == [second.json()["answer_id"], first.json()["answer_id"]]

    # Counted once, as its latest answer: P1 in progress, P2 cancelled, P3 not surveyed.
    row = wait_until(lambda: (r := _department_row(gateway)).get("copy_cancelled") == 1 and r, timeout=5)
    assert (row["surveyed"], row["not_surveyed"], row["copy_in_progress"]) == (2, 1, 1)


def test_department_list_and_downloads(gateway, staff_headers) -> None:
    _put(gateway, POINTS[2], SURVEY, staff_headers)
    listed = gateway.get(
        f"{NOCOPY}/departments/{DEPARTMENT}/readiness", params={"surveyed": "true"}, headers=staff_headers
    )
    assert listed.status_code == 200
    assert {i["service_point_id"] for i in listed.json()["items"]} >= {POINTS[0], POINTS[2]}

    as_csv = gateway.get(f"{NOCOPY}/departments/{DEPARTMENT}/readiness/export", headers=staff_headers)
    assert as_csv.status_code == 200
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0][0] == "รหัสจุดให้บริการ"
    assert [r[0] for r in table[1:]] == POINTS
    assert all(r[3] == DEPARTMENT and r[2] == MINISTRY for r in table[1:])

    as_xlsx = gateway.get(
        f"{NOCOPY}/departments/{DEPARTMENT}/readiness/export",
        params={"format": "xlsx", "lang": "en"},
        headers=staff_headers,
    )
    assert as_xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(as_xlsx.content)) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert "service_point_id" in sheet
    assert all(p in sheet for p in POINTS)


def test_the_national_download_holds_every_department(gateway, admin_headers, staff_headers) -> None:
    _put(gateway, OTHER_POINT, {**SURVEY, "services": []}, admin_headers)
    response = gateway.get(f"{NOCOPY}/readiness/export", params={"lang": "en"}, headers=admin_headers)
    assert response.status_code == 200
    ours = [r for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if RUN in r[0]]
    assert {(r[0], r[3]) for r in ours} >= {(POINTS[0], DEPARTMENT), (OTHER_POINT, OTHER_DEPARTMENT)}
    assert all(r[6] == "yes" for r in ours)  # survey results: answered points only
    assert POINTS[0] in {r[0] for r in ours} and "สำนักศิลปากรที่ 1" in {r[1] for r in ours}
