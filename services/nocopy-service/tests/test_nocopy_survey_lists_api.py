import csv
import io

from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.testing import STAFF_DEPARTMENT_ID
from httpx import AsyncClient

from .conftest import OTHER_DEPARTMENT_ID, point
from .xlsx_reading import sheet_rows

LIST_URL = f"/departments/{STAFF_DEPARTMENT_ID}/readiness"
EXPORT_URL = f"{LIST_URL}/export"
NATIONAL_URL = "/readiness/export"
CANCELLED = {
    "mou_with_dopa": True,
    "card_readers": 2,
    "services": [
        {"service_id": "S00001", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"},
    ],
    "obstacles": [{"kind": "law", "detail": "=cmd|' /C calc'!A0"}],
}


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


async def _answer(client: AsyncClient, headers: dict, point_id: str, body: dict = CANCELLED) -> None:
    response = await client.put(f"/service-points/{point_id}/readiness", json=body, headers=headers)
    assert response.status_code == 200, response.text


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_staff_list_their_points_with_survey_state(client: AsyncClient, staff_headers) -> None:
    await _answer(client, staff_headers, "P000002")

    response = await client.get(LIST_URL, headers=staff_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["department_id"] == STAFF_DEPARTMENT_ID
    assert body["next_after"] is None
    states = {i["service_point_id"]: i for i in body["items"]}
    assert list(states) == ["P000001", "P000002", "P000003"]  # not the other department's P900001
    assert states["P000001"]["surveyed"] is False
    assert states["P000001"]["copy_status"] is None
    assert states["P000002"]["surveyed"] is True
    assert (states["P000002"]["copy_status"], states["P000002"]["mode"]) == ("cancelled", "online_and_on_card")
    assert states["P000002"]["obstacle_kinds"] == ["law"]


async def test_the_list_pages_by_point_id(client: AsyncClient, staff_headers) -> None:
    first = (await client.get(LIST_URL, params={"limit": 2}, headers=staff_headers)).json()
    assert [i["service_point_id"] for i in first["items"]] == ["P000001", "P000002"]
    assert first["next_after"] == "P000002"
    second = (
        await client.get(LIST_URL, params={"limit": 2, "after": first["next_after"]}, headers=staff_headers)
    ).json()
    assert [i["service_point_id"] for i in second["items"]] == ["P000003"]
    assert second["next_after"] is None


async def test_the_list_filters_on_surveyed(client: AsyncClient, staff_headers) -> None:
    await _answer(client, staff_headers, "P000003")
    surveyed = (await client.get(LIST_URL, params={"surveyed": "true"}, headers=staff_headers)).json()
    not_surveyed = (await client.get(LIST_URL, params={"surveyed": "false"}, headers=staff_headers)).json()
    assert [i["service_point_id"] for i in surveyed["items"]] == ["P000003"]
    assert [i["service_point_id"] for i in not_surveyed["items"]] == ["P000001", "P000002"]


async def test_another_departments_list_and_export_are_403(client: AsyncClient, staff_headers) -> None:
    for url in (
        f"/departments/{OTHER_DEPARTMENT_ID}/readiness",
        f"/departments/{OTHER_DEPARTMENT_ID}/readiness/export",
    ):
        assert _is_problem(await client.get(url, headers=staff_headers), 403)


async def test_lists_need_a_sign_in_and_a_known_department(client: AsyncClient, admin_headers) -> None:
    assert _is_problem(await client.get(LIST_URL), 401)
    assert _is_problem(await client.get("/departments/D9999/readiness", headers=admin_headers), 404)
    assert _is_problem(await client.get(LIST_URL, params={"limit": 0}, headers=admin_headers), 422)
    assert _is_problem(await client.get(LIST_URL, params={"after": "x;y"}, headers=admin_headers), 422)


async def test_department_csv_in_thai_by_default(client: AsyncClient, staff_headers) -> None:
    await _answer(client, staff_headers, "P000001")

    response = await client.get(EXPORT_URL, headers=staff_headers)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        f'attachment; filename="readiness-survey-{STAFF_DEPARTMENT_ID}-'
    )
    table = _csv(response)
    assert table[0][:2] == ["รหัสจุดให้บริการ", "ชื่อจุดให้บริการ"]
    assert [r[0] for r in table[1:]] == ["P000001", "P000002", "P000003"]
    assert table[1][6:8] == ["ตอบแล้ว", "ยกเลิกสำเนาแล้ว"]
    assert table[2][6:8] == ["ยังไม่ตอบ", ""]
    assert table[1][15] == "กฎหมาย ระเบียบ: =cmd|' /C calc'!A0"  # labelled, so never a formula


async def test_department_csv_in_english_and_only_unanswered(client: AsyncClient, staff_headers) -> None:
    await _answer(client, staff_headers, "P000001")
    response = await client.get(EXPORT_URL, params={"lang": "en", "surveyed": "false"}, headers=staff_headers)
    table = _csv(response)
    assert table[0][:3] == ["service_point_id", "service_point_name", "ministry_id"]
    assert [(r[0], r[6]) for r in table[1:]] == [("P000002", "no"), ("P000003", "no")]


async def test_department_xlsx(client: AsyncClient, staff_headers) -> None:
    await _answer(client, staff_headers, "P000002")

    response = await client.get(EXPORT_URL, params={"format": "xlsx"}, headers=staff_headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert int(response.headers["content-length"]) == len(response.content)
    rows = sheet_rows(response.content)
    assert rows[0][0] == "รหัสจุดให้บริการ"
    assert [r[0] for r in rows[1:]] == ["P000001", "P000002", "P000003"]
    assert rows[2][7] == "ยกเลิกสำเนาแล้ว"


async def test_the_national_table_is_for_administrators(client: AsyncClient, admin_headers, staff_headers) -> None:
    await _answer(client, admin_headers, "P900001")
    await _answer(client, staff_headers, "P000001")

    assert _is_problem(await client.get(NATIONAL_URL, headers=staff_headers), 403)
    response = await client.get(NATIONAL_URL, params={"lang": "en"}, headers=admin_headers)

    assert response.status_code == 200
    table = _csv(response)
    # answered points only, each with its place and name as answered
    assert sorted((r[0], r[1], r[2], r[3], r[4], r[6]) for r in table[1:]) == [
        ("P000001", "Point P000001", "M07", STAFF_DEPARTMENT_ID, "10", "yes"),
        ("P900001", "Point P900001", "M07", OTHER_DEPARTMENT_ID, "10", "yes"),
    ]


async def test_bad_export_parameters_are_422(client: AsyncClient, admin_headers) -> None:
    assert _is_problem(await client.get(NATIONAL_URL, params={"format": "pdf"}, headers=admin_headers), 422)
    assert _is_problem(await client.get(NATIONAL_URL, params={"lang": "fr"}, headers=admin_headers), 422)


async def test_too_many_exports_at_once_is_a_429_and_slots_come_back(client: AsyncClient, app, admin_headers) -> None:
    slots = app.state.export_slots
    held = [slots.take() for _ in range(slots.limit)]
    busy = await client.get(NATIONAL_URL, headers=admin_headers)
    assert _is_problem(busy, 429)
    assert busy.headers["retry-after"]
    for slot in held:
        slot.release()

    for file_format in ("csv", "xlsx"):
        assert (await client.get(NATIONAL_URL, params={"format": file_format}, headers=admin_headers)).is_success
    assert slots.in_use == 0


async def test_a_point_that_moved_department_is_listed_where_the_catalogue_says(
    client: AsyncClient, catalogue, admin_headers
) -> None:
    await _answer(client, admin_headers, "P000003")
    catalogue.add(point("P000003", OTHER_DEPARTMENT_ID))
    mine = (await client.get(LIST_URL, headers=admin_headers)).json()
    assert "P000003" not in [i["service_point_id"] for i in mine["items"]]
