"""Bulk pins (`POST /api/pin/v1/pins:batch`) and bulk surveys (`POST /api/nocopy/v1/readiness:batch`)
through the gateway: a result per item, the same rules and rights as one at a time, the events reach
the other services and stats, and a repeated request stores nothing new."""

import json
import uuid

import httpx
import pytest

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:6].upper()
MINISTRY, DEPARTMENT, OTHER_DEPARTMENT = f"MBK{RUN}", f"DBK{RUN}", f"DBKX{RUN}"
SERVICE = f"SBK{RUN}1"
POINTS = [f"PBK{RUN}{n}" for n in range(1, 5)]
OTHER_POINT = f"PBKX{RUN}1"
PINS, SURVEYS = "/api/pin/v1/pins:batch", "/api/nocopy/v1/readiness:batch"
CHIANG_MAI = (18.7883, 98.9853)  # district 5001, where every point of this test is
STAFF_PASSWORD = "bulk-staff-" + RUN
SURVEY = {
    "mou_with_dopa": True,
    "card_readers": 1,
    "services": [{"service_id": SERVICE, "id_card_copy": "cancelled", "house_registration_copy": "cancelled"}],
}


def _catalogue() -> bytes:
    records = [
        {"kind": "ministry", "id": MINISTRY, "name_th": "กระทรวงทดสอบงานชุด", "name_en": "Ministry of Batches"},
        {"kind": "department", "id": DEPARTMENT, "ministry_id": MINISTRY, "name_th": "กรมปักหมุดชุด"},
        {"kind": "department", "id": OTHER_DEPARTMENT, "ministry_id": MINISTRY, "name_th": "กรมอื่น"},
        {"kind": "service", "id": SERVICE, "department_id": DEPARTMENT, "name_th": "ทำบัตรประจำตัวประชาชน"},
        *(
            {
                "kind": "service_point",
                "id": point,
                "department_id": DEPARTMENT,
                "name_th": f"สำนักงานทดสอบชุด {n}",
                "province_code": "50",
                "district_code": "5001",
                "service_ids": [SERVICE],
            }
            for n, point in enumerate(POINTS, start=1)
        ),
        {
            "kind": "service_point",
            "id": OTHER_POINT,
            "department_id": OTHER_DEPARTMENT,
            "name_th": "สำนักงานกรมอื่น",
            "province_code": "50",
            "district_code": "5001",
        },
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode() + b"\n"


@pytest.fixture(scope="module")
def staff_headers(gateway: httpx.Client, admin_headers: dict) -> dict:
    imported = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=_catalogue(),
        headers={**admin_headers, "Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200 and imported.json()["errors"] == [], imported.text
    username = f"bulk{RUN.lower()}"
    created = gateway.post(
        "/api/pin/v1/users",
        json={"username": username, "password": STAFF_PASSWORD, "role": "agency_staff", "department_id": DEPARTMENT},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    token = gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": STAFF_PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _department_row(gateway: httpx.Client) -> dict:
    table = gateway.get(f"/api/stats/v1/ministries/{MINISTRY}/departments").json()
    return next((r for r in table.get("rows", []) if r["department_id"] == DEPARTMENT), {})


def _statuses(report: dict) -> list[tuple[int, str]]:
    return [(item["status"], item["outcome"]) for item in report["items"]]


def test_bulk_pins_give_a_result_per_item_and_reach_the_points_and_stats(gateway, staff_headers, admin_headers):
    home = {"lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1]}
    items = [
        {"service_point_id": POINTS[0], **home, "accuracy_m": 6, "idempotency_key": "a"},
        {"service_point_id": POINTS[0], **home, "accuracy_m": 6, "idempotency_key": "a"},
        # 10 m from the first pin of this very request: a possible duplicate, as one at a time.
        {"service_point_id": POINTS[1], "lat": CHIANG_MAI[0] + 0.00009, "lon": CHIANG_MAI[1], "idempotency_key": "b"},
        {"service_point_id": POINTS[2], "lat": 91, "lon": 0},
        {"service_point_id": f"NOPE{RUN}", "lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1]},
        {"service_point_id": OTHER_POINT, "lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1]},
    ]  # fmt: skip
    response = gateway.post(PINS, json={"items": items}, headers=staff_headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert _statuses(report) == [
        (201, "created"),
        (200, "repeated"),
        (201, "created"),
        (422, "refused"),
        (404, "refused"),
        (403, "refused"),
    ]
    first, again, near, *_ = report["items"]
    assert again["pin"] == first["pin"] and first["pin"]["flags"] == []
    assert near["pin"]["flags"] == ["possible_duplicate"]
    assert (
        report["items"][5]["problem"]["detail"]
        == gateway.post(
            f"/api/pin/v1/service-points/{OTHER_POINT}/pins", json={"lat": 18.79, "lon": 98.98}, headers=staff_headers
        ).json()["detail"]
    )  # the same words as the single endpoint

    point = gateway.get(f"/api/pin/v1/service-points/{POINTS[0]}").json()
    assert point["pinned"] is True and point["location"] == {"lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1]}
    assert point["pin_count"] == 1
    assert gateway.get(f"/api/pin/v1/service-points/{OTHER_POINT}").json()["pinned"] is False
    # The PinPlaced events reach the stats worker: two of the department's points are pinned.
    wait_until(lambda: _department_row(gateway).get("pinned") == 2, timeout=15)

    # The same request again, by an administrator this time: nothing new, the same pins back.
    repeated = gateway.post(PINS, json={"items": items[:3]}, headers=admin_headers).json()
    assert _statuses(repeated) == [(200, "repeated")] * 3
    assert [i["pin"] for i in repeated["items"]] == [i["pin"] for i in report["items"][:3]]
    assert gateway.get(f"/api/pin/v1/service-points/{POINTS[0]}").json()["pin_count"] == 1
    # An administrator may pin another department's point in a batch.
    other = gateway.post(PINS, json={"items": [items[5]]}, headers=admin_headers).json()
    assert _statuses(other) == [(201, "created")]


def test_more_than_500_pins_is_a_clear_422_problem(gateway, admin_headers):
    item = {"service_point_id": POINTS[3], "lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1]}
    response = gateway.post(PINS, json={"items": [item] * 501}, headers=admin_headers)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert "500" in response.json()["errors"][0]["msg"]
    assert gateway.post(PINS, json={"items": [item]}).status_code == 401
    assert gateway.get(f"/api/pin/v1/service-points/{POINTS[3]}").json()["pin_count"] == 0


def test_bulk_surveys_give_a_result_per_item_and_reach_stats(gateway, staff_headers, admin_headers):
    # nocopy-service learns the points from the catalogue's events: wait until it knows them.
    listing = f"/api/nocopy/v1/departments/{DEPARTMENT}/readiness"
    wait_until(
        lambda: len(gateway.get(listing, headers=staff_headers).json().get("items", [])) == len(POINTS), timeout=30
    )
    in_progress = {**SURVEY, "services": [{**SURVEY["services"][0], "id_card_copy": "in_progress"}]}
    items = [
        {"service_point_id": POINTS[0], "idempotency_key": "s", **SURVEY},
        {"service_point_id": POINTS[1], "idempotency_key": "s", **in_progress},
        {"service_point_id": POINTS[1], "idempotency_key": "s", **in_progress},
        {"service_point_id": POINTS[2], **SURVEY, "card_readers": -1},
        {"service_point_id": OTHER_POINT, **SURVEY, "services": []},
        {"service_point_id": f"NOPE{RUN}", **SURVEY},
    ]
    response = gateway.post(SURVEYS, json={"items": items}, headers=staff_headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert _statuses(report) == [
        (200, "answered"),
        (200, "answered"),
        (200, "repeated"),
        (422, "refused"),
        (403, "refused"),
        (404, "refused"),
    ]
    assert report["items"][0]["answer"]["copy_status"] == "cancelled"
    current = gateway.get(f"/api/nocopy/v1/service-points/{POINTS[1]}/readiness").json()
    assert current["answer_id"] == report["items"][1]["answer"]["answer_id"] and current["copy_status"] == "in_progress"
    row = wait_until(lambda: (r := _department_row(gateway)).get("surveyed") == 2 and r, timeout=15)
    assert (row["copy_cancelled"], row["copy_in_progress"]) == (1, 1)

    again = gateway.post(SURVEYS, json={"items": items[:2]}, headers=admin_headers).json()
    assert _statuses(again) == [(200, "repeated")] * 2
    history = gateway.get(f"/api/nocopy/v1/service-points/{POINTS[0]}/readiness/history", headers=staff_headers)
    assert len(history.json()["items"]) == 1  # nothing new was stored
