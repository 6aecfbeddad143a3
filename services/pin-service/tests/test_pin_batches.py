"""Many pins in one request (`POST /pins:batch`): the same rights, flags and events as one pin at a time,
a result per item, idempotency keys, and a clear limit."""

import json
import math
import random
from datetime import datetime

import pytest
from citizeninfo_shared.outbox import OUTBOX_FIELD
from pin_service.adapters.geography import thai_geography
from pin_service.api.pin_batches import MAX_PINS_PER_REQUEST, PinBatch, PinBatchItem
from pin_service.domain.pins import (
    PinnedPlace,
    cells_within_duplicate_radius,
    grid_cell,
    idempotent_pin_id,
    is_possible_duplicate,
    neighbouring_cells,
)
from pydantic import ValidationError

STAFF_DEPARTMENT = "D0702"  # the department of the conftest staff account
OTHER_DEPARTMENT = "D9999"
HOME = (18.7904, 98.9847)  # Mueang Chiang Mai, the district of every test point
TEN_METRES_NORTH = (HOME[0] + 0.00009, HOME[1])


def _point(point_id: str, department: str = STAFF_DEPARTMENT) -> dict:
    return {
        "_id": point_id,
        "department_id": department,
        "ministry_id": "M07",
        "name_th": f"สำนักงาน {point_id}",
        "province_code": "50",
        "district_code": "5001",
        "service_ids": [],
    }


@pytest.fixture(scope="module")
def geography():
    return thai_geography()


@pytest.fixture
def world(pin, geography):
    pin.app.state.geography = geography
    points = pin.db["service_points"]
    for number in range(1, 6):
        points.documents[f"P{number}"] = _point(f"P{number}")
    points.documents["X1"] = _point("X1", department=OTHER_DEPARTMENT)
    return pin


def _events(world, point_id: str) -> list[dict]:
    """The PinPlaced events staged in the point's outbox, as they will be published."""
    document = world.db["service_points"].documents[point_id]
    return [json.loads(entry["value"]) for entry in document.get(OUTBOX_FIELD, [])]


async def _batch(world, items: list[dict], user: str = "somsri"):
    async with world.client() as http:
        return await http.post("/pins:batch", json={"items": items}, headers=world.bearer(user))


# ---------------------------------------------------------------------------------- request models
def test_an_item_is_the_single_pin_body_with_a_point_id_and_an_optional_key():
    item = PinBatchItem.model_validate({"service_point_id": "P1", "lat": 18.79, "lon": 98.98, "idempotency_key": "k-1"})
    assert (item.lat, item.lon, item.accuracy_m, item.idempotency_key) == (18.79, 98.98, None, "k-1")
    for bad in (
        {"service_point_id": "P1", "lat": 91, "lon": 0},  # the single endpoint's coordinate rules
        {"service_point_id": "P1", "lat": 1, "lon": 1, "accuracy_m": -1},
        {"service_point_id": "P 1", "lat": 1, "lon": 1},  # not a catalogue id
        {"service_point_id": "P1", "lat": 1, "lon": 1, "idempotency_key": "has space"},
        {"service_point_id": "P1", "lat": 1, "lon": 1, "id": 2},  # unknown field
    ):
        with pytest.raises(ValidationError):
            PinBatchItem.model_validate(bad)


def test_a_batch_holds_one_to_the_maximum_number_of_items():
    PinBatch(items=[{}] * MAX_PINS_PER_REQUEST)
    for size in (0, MAX_PINS_PER_REQUEST + 1):
        with pytest.raises(ValidationError):
            PinBatch(items=[{}] * size)


def test_the_duplicate_rule_counts_only_other_points_of_the_same_department_within_30_m():
    near = PinnedPlace("P2", STAFF_DEPARTMENT, *TEN_METRES_NORTH)
    assert is_possible_duplicate(*HOME, STAFF_DEPARTMENT, [near], other_than="P1")
    assert not is_possible_duplicate(*HOME, STAFF_DEPARTMENT, [near], other_than="P2")  # itself
    assert not is_possible_duplicate(*HOME, OTHER_DEPARTMENT, [near], other_than="P1")
    far = PinnedPlace("P3", STAFF_DEPARTMENT, HOME[0] + 0.0004, HOME[1])  # about 44 m
    assert not is_possible_duplicate(*HOME, STAFF_DEPARTMENT, [far], other_than="P1")


def test_an_idempotency_key_stands_for_one_pin_of_one_point():
    assert idempotent_pin_id("P1", "k") == idempotent_pin_id("P1", "k")
    assert idempotent_pin_id("P1", "k") != idempotent_pin_id("P2", "k")
    assert idempotent_pin_id("P1", "k") != idempotent_pin_id("P1", "k2")


# ------------------------------------------------------------------------------------ the endpoint
async def test_a_mixed_batch_gets_a_result_per_item_and_the_events_of_what_was_stored(world):
    response = await _batch(
        world,
        [
            {"service_point_id": "P1", "lat": HOME[0], "lon": HOME[1], "accuracy_m": 8, "idempotency_key": "a"},
            {"service_point_id": "P1", "lat": HOME[0], "lon": HOME[1], "accuracy_m": 8, "idempotency_key": "a"},
            {"service_point_id": "P2", "lat": 91, "lon": 0},
            {"service_point_id": "NOPE", "lat": HOME[0], "lon": HOME[1]},
            {"service_point_id": "X1", "lat": HOME[0], "lon": HOME[1]},
            {"service_point_id": "P3", "lat": 0, "lon": 0, "accuracy_m": 500},
        ],
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["repeated"], report["refused"]) == (2, 1, 3)
    first, again, bad, unknown, foreign, at_sea = report["items"]
    assert [item["index"] for item in report["items"]] == list(range(6))
    assert first["status"] == 201 and first["outcome"] == "created" and first["pin"]["pinned_by"] == "somsri"
    assert first["pin"]["pin_id"] == idempotent_pin_id("P1", "a")
    pinned_at = datetime.fromisoformat(first["pin"]["pinned_at"])
    assert pinned_at.tzinfo is not None and pinned_at.microsecond % 1000 == 0  # as BSON keeps it
    assert again["status"] == 200 and again["outcome"] == "repeated" and again["pin"] == first["pin"]
    assert bad["status"] == 422 and bad["problem"]["errors"][0]["loc"][:3] == ["body", "items", 2]
    # The very details the single endpoint answers with.
    assert unknown["status"] == 404 and unknown["problem"]["detail"] == "No service point 'NOPE' in the catalogue."
    assert foreign["status"] == 403 and "their own department" in foreign["problem"]["detail"]
    assert foreign["problem"]["title_th"] == "ไม่มีสิทธิ์ดำเนินการ"
    assert at_sea["status"] == 201 and at_sea["pin"]["flags"] == ["outside_thailand", "low_accuracy"]

    points = world.db["service_points"].documents
    assert points["P1"]["location"] == {"lat": HOME[0], "lon": HOME[1]} and points["P1"]["pin_count"] == 1
    assert "location" not in points["P2"] and "location" not in points["X1"]
    [event] = _events(world, "P1")  # one pin, one event, however often the key came
    assert event["type"] == "th.go.citizeninfo.pin.placed" and event["subject"] == "P1"
    assert event["data"]["pin_id"] == first["pin"]["pin_id"] and event["data"]["department_id"] == STAFF_DEPARTMENT
    assert [e["data"]["flags"] for e in _events(world, "P3")] == [["outside_thailand", "low_accuracy"]]
    assert sorted(point for _, point in world.relay.notified if point in points) == ["P1", "P3"]


async def test_the_same_batch_again_creates_nothing_new(world):
    items = [
        {"service_point_id": f"P{n}", "lat": HOME[0] + n * 0.01, "lon": HOME[1], "idempotency_key": f"demo-{n}"}
        for n in (1, 2, 3)
    ]
    first = (await _batch(world, items)).json()
    assert first["created"] == 3
    outboxes = {p: list(world.db["service_points"].documents[p][OUTBOX_FIELD]) for p in ("P1", "P2", "P3")}
    second = (await _batch(world, items, user="admin")).json()
    assert (second["created"], second["repeated"], second["refused"]) == (0, 3, 0)
    assert [i["pin"] for i in second["items"]] == [i["pin"] for i in first["items"]]  # the stored pins
    for point_id, outbox in outboxes.items():
        document = world.db["service_points"].documents[point_id]
        assert document["pin_count"] == 1 and document[OUTBOX_FIELD] == outbox  # no new event
    # The same key for another place is refused, not taken for a repeat nor stored.
    moved = (await _batch(world, [{**items[0], "lat": 18.5}])).json()["items"][0]
    assert moved["status"] == 409 and "different pin" in moved["problem"]["detail"]
    assert world.db["service_points"].documents["P1"]["pin_count"] == 1


async def test_a_batch_flags_and_moves_exactly_as_one_pin_at_a_time(world):
    plan = [
        ("P1", HOME),
        ("P2", TEN_METRES_NORTH),  # 10 m from P1, pinned just before it in this very batch
        ("X1", TEN_METRES_NORTH),  # another department: no duplicate of ours
        ("P3", (7.0086, 100.4747)),  # Hat Yai, far from Chiang Mai
        ("P3", HOME),  # pinned again in the same batch: moved back home, next to P1
    ]
    items = [{"service_point_id": p, "lat": lat, "lon": lon} for p, (lat, lon) in plan]
    batch = (await _batch(world, items, user="admin")).json()["items"]

    # The same pins one at a time, into a fresh catalogue, through the single endpoint.
    for point_id in ("P1", "P2", "P3", "X1"):
        document = world.db["service_points"].documents[point_id]
        assert [e["data"]["pin_id"] for e in _events(world, point_id)] == [
            p["pin_id"] for p in document["pins"]
        ]  # every stored pin has its event, in order
    fresh = world.db["service_points"].documents
    singles = []
    for point_id in ("P1", "P2", "P3", "X1"):
        fresh[point_id] = _point(point_id, department=OTHER_DEPARTMENT if point_id == "X1" else STAFF_DEPARTMENT)
    async with world.client() as http:
        for item in items:
            one = await http.post(
                f"/service-points/{item['service_point_id']}/pins",
                json={"lat": item["lat"], "lon": item["lon"]},
                headers=world.bearer("admin"),
            )
            assert one.status_code == 201, one.text
            singles.append(one.json()["flags"])
    assert [item["pin"]["flags"] for item in batch] == singles
    assert singles == [[], ["possible_duplicate"], [], ["far_from_district"], ["possible_duplicate"]]
    assert fresh["P3"]["location"] == {"lat": HOME[0], "lon": HOME[1]} and fresh["P3"]["pin_count"] == 2


async def test_staff_pin_only_their_own_departments_points_and_anonymous_callers_none(world):
    items = [
        {"service_point_id": "P4", "lat": HOME[0], "lon": HOME[1]},
        {"service_point_id": "X1", "lat": HOME[0], "lon": HOME[1]},
    ]
    staff = (await _batch(world, items)).json()["items"]
    assert [i["status"] for i in staff] == [201, 403]
    admin = (await _batch(world, items, user="admin")).json()["items"]
    assert [i["status"] for i in admin] == [201, 201]
    async with world.client() as http:
        anonymous = await http.post("/pins:batch", json={"items": items})
    assert anonymous.status_code == 401


async def test_too_many_items_or_none_is_a_clear_422_and_nothing_is_stored(world):
    item = {"service_point_id": "P1", "lat": HOME[0], "lon": HOME[1]}
    too_many = await _batch(world, [item] * (MAX_PINS_PER_REQUEST + 1))
    assert too_many.status_code == 422
    assert too_many.headers["content-type"].startswith("application/problem+json")
    [error] = too_many.json()["errors"]
    assert error["loc"] == ["body", "items"] and str(MAX_PINS_PER_REQUEST) in error["msg"]
    assert (await _batch(world, [])).status_code == 422
    assert "location" not in world.db["service_points"].documents["P1"]


def test_the_cells_read_for_duplicates_hold_every_point_within_30_m_and_usually_few():
    rng = random.Random(30)
    counts = []
    for _ in range(2000):
        lat, lon = rng.uniform(5.6, 20.5), rng.uniform(97.3, 105.7)
        cells = cells_within_duplicate_radius(lat, lon)
        assert set(cells) <= set(neighbouring_cells(lat, lon)) and grid_cell(lat, lon) in cells
        counts.append(len(cells))
        for _ in range(20):  # a point up to 30 m away, in any direction
            metres, bearing = rng.uniform(0, 30), math.radians(rng.uniform(0, 360))
            other_lat = lat + math.degrees(metres * math.cos(bearing) / 6_371_008.8)
            other_lon = lon + math.degrees(metres * math.sin(bearing) / (6_371_008.8 * math.cos(math.radians(lat))))
            assert grid_cell(other_lat, other_lon) in cells
    assert sum(counts) / len(counts) < 6
