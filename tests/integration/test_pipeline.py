"""A change accepted by pin-service goes out as events and shows in the stats read model."""

import json
import time
import uuid

import pytest
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.topics import TopicName

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration
NDJSON = {"Content-Type": "application/x-ndjson"}


def catalogue(run: str) -> list[dict]:
    return [
        # Children before parents on purpose: any order is allowed.
        {
            "kind": "service_point",
            "id": f"P{run}1",
            "department_id": f"D{run}",
            "name_th": "ที่ว่าการอำเภอเมือง",
            "province_code": "50",
            "district_code": "5001",
            "address_th": "ถนนโชตนา",
            "service_ids": [f"S{run}"],
        },
        {
            "kind": "service_point",
            "id": f"P{run}2",
            "department_id": f"D{run}",
            "name_th": "สำนักงานทะเบียน",
            "province_code": "50",
            "district_code": "5001",
            "service_ids": [f"S{run}"],
        },
        {
            "kind": "service",
            "id": f"S{run}",
            "department_id": f"D{run}",
            "name_th": "ขอมีบัตรประจำตัวประชาชน",
            "steps": ["ยื่นคำขอ", "ถ่ายรูป"],
            "documents": [{"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1}],
        },
        {"kind": "department", "id": f"D{run}", "ministry_id": f"M{run}", "name_th": "กรมการปกครอง"},
        {"kind": "ministry", "id": f"M{run}", "name_th": "กระทรวงมหาดไทย", "name_en": "Ministry of Interior"},
    ]


def as_ndjson(records: list[dict], extra: str = "") -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n" + extra


def test_catalogue_import_is_idempotent_and_publishes_events(gateway, admin_headers, topic_tail):
    run = uuid.uuid4().hex[:6].upper()
    tail = topic_tail(TopicName.CATALOGUE)
    bad = (
        '{"kind":"service_point","id":"X"}\nnot json\n'
        '{"kind":"department","id":"D-orphan","ministry_id":"M-none","name_th":"ก"}\n'
    )
    first = gateway.post(
        "/api/pin/v1/catalogue:import", content=as_ndjson(catalogue(run), bad), headers={**admin_headers, **NDJSON}
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["created"] == {"ministry": 1, "department": 1, "service": 1, "service_point": 2}
    assert body["updated"] == {"ministry": 0, "department": 0, "service": 0, "service_point": 0}
    assert [e["line"] for e in body["errors"]] == [6, 7, 8]
    assert "ministry M-none" in body["errors"][2]["detail"]

    again = gateway.post(
        "/api/pin/v1/catalogue:import", content=as_ndjson(catalogue(run)), headers={**admin_headers, **NDJSON}
    )
    assert (
        again.json()["created"]
        == again.json()["updated"]
        == {"ministry": 0, "department": 0, "service": 0, "service_point": 0}
    )

    keys = {f"P{run}1", f"P{run}2", f"S{run}", f"D{run}", f"M{run}"}
    records = tail.collect(lambda rs: keys <= {r.key.decode() for r in rs}, timeout=15)
    events = [CloudEvent.from_json_bytes(r.value) for r in records if r.key.decode() in keys]
    assert len(events) == 5  # the second import published nothing
    point_event = next(e for e in events if e.subject == f"P{run}1")
    assert point_event.type == "th.go.citizeninfo.catalogue.service_point.upserted"
    assert point_event.data["ministry_id"] == f"M{run}"

    point = gateway.get(f"/api/pin/v1/service-points/P{run}1").json()
    assert point["pinned"] is False and point["location"] is None and point["province_code"] == "50"


def test_import_needs_an_admin_and_ndjson(gateway, admin_headers):
    assert gateway.post("/api/pin/v1/catalogue:import", content="{}").status_code == 401
    wrong_type = gateway.post(
        "/api/pin/v1/catalogue:import", content="{}", headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415
    assert wrong_type.headers["content-type"] == "application/problem+json"


def test_a_pin_shows_in_stats_within_five_seconds(gateway, admin_headers):
    run = uuid.uuid4().hex[:6].upper()
    before = gateway.get("/api/stats/v1/overview").json()
    imported = gateway.post(
        "/api/pin/v1/catalogue:import", content=as_ndjson(catalogue(run)), headers={**admin_headers, **NDJSON}
    )
    assert imported.status_code == 200
    pinned = gateway.post(
        f"/api/pin/v1/service-points/P{run}1/pins",
        json={"lat": 18.79, "lon": 98.98, "accuracy_m": 8},
        headers=admin_headers,
    )
    assert pinned.status_code == 201, pinned.text
    accepted = time.monotonic()
    after = wait_until(
        lambda: (
            (o := gateway.get("/api/stats/v1/overview").json())["pinned"] >= before["pinned"] + 1
            and o["service_points"] >= before["service_points"] + 2
            and o
        ),
        timeout=5,
    )
    assert time.monotonic() - accepted <= 5
    assert after["service_points"] >= before["service_points"] + 2
    # Pinning again moves the point; it still counts once.
    again = gateway.post(
        f"/api/pin/v1/service-points/P{run}1/pins", json={"lat": 18.80, "lon": 98.99}, headers=admin_headers
    )
    assert again.status_code == 201
    point = gateway.get(f"/api/pin/v1/service-points/P{run}1").json()
    assert point["pinned"] is True and point["location"] == {"lat": 18.80, "lon": 98.99}
