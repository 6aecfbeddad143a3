"""A pin based on what the staff member saw (`expected_current_pin_id`, issue 22): a pin made offline is
not stored over a re-pin made meanwhile; 409 with the reason and the current pin, nothing stored, no event."""

import json

import pytest
from citizeninfo_shared.outbox import OUTBOX_FIELD
from pin_service.adapters.geography import thai_geography
from pin_service.api.pin_batches import PinBatchItem
from pin_service.api.service_points import PinCreate
from pin_service.domain.pins import PinPrecondition, current_pin_id, idempotent_pin_id, precondition_holds
from pydantic import ValidationError

STAFF_DEPARTMENT = "D0702"  # the department of the conftest staff account
HOME = (18.7904, 98.9847)  # Mueang Chiang Mai
ELSEWHERE = (18.7950, 98.9900)


def _point(point_id: str) -> dict:
    return {
        "_id": point_id,
        "department_id": STAFF_DEPARTMENT,
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
    for number in range(1, 4):
        pin.db["service_points"].documents[f"P{number}"] = _point(f"P{number}")
    return pin


def _events(world, point_id: str) -> list[dict]:
    document = world.db["service_points"].documents[point_id]
    return [json.loads(entry["value"]) for entry in document.get(OUTBOX_FIELD, [])]


async def _pin(world, point_id: str, body: dict, user: str = "somsri"):
    async with world.client() as http:
        return await http.post(f"/service-points/{point_id}/pins", json=body, headers=world.bearer(user))


async def _batch(world, items: list[dict], user: str = "somsri"):
    async with world.client() as http:
        return await http.post("/pins:batch", json={"items": items}, headers=world.bearer(user))


# ------------------------------------------------------------------------------------ the rule
def test_no_precondition_always_holds_and_a_given_one_names_the_current_pin_or_none():
    assert precondition_holds(None, None) and precondition_holds("a", None)
    assert precondition_holds(None, PinPrecondition(None))  # "not pinned yet" and it is not
    assert not precondition_holds("a", PinPrecondition(None))
    assert precondition_holds("a", PinPrecondition("a")) and not precondition_holds("b", PinPrecondition("a"))
    assert current_pin_id([]) is None and current_pin_id([{"pin_id": "a"}, {"pin_id": "b"}]) == "b"


def test_the_field_is_optional_validated_and_an_explicit_null_means_not_pinned_yet():
    assert PinCreate.model_validate({"lat": 1, "lon": 1}).precondition() is None
    assert PinCreate.model_validate({"lat": 1, "lon": 1, "expected_current_pin_id": None}).precondition() == (
        PinPrecondition(None)
    )
    item = PinBatchItem.model_validate(
        {"service_point_id": "P1", "lat": 1, "lon": 1, "idempotency_key": "k", "expected_current_pin_id": "abc-1"}
    )
    assert item.precondition() == PinPrecondition("abc-1")
    for bad in ("", "has space", "x" * 65, 7):
        with pytest.raises(ValidationError):
            PinCreate.model_validate({"lat": 1, "lon": 1, "expected_current_pin_id": bad})


# ------------------------------------------------------------------------------- one pin
async def test_a_pin_based_on_the_current_pin_is_stored_and_one_based_on_an_older_is_409(world):
    first = (await _pin(world, "P1", {"lat": HOME[0], "lon": HOME[1], "expected_current_pin_id": None})).json()
    assert first["pinned_by"] == "somsri"
    second = await _pin(
        world, "P1", {"lat": ELSEWHERE[0], "lon": ELSEWHERE[1], "expected_current_pin_id": first["pin_id"]}
    )
    assert second.status_code == 201, second.text
    # Someone still looking at the first pin (or at none) is refused, and told what is there now.
    for stale in (first["pin_id"], None):
        refused = await _pin(world, "P1", {"lat": HOME[0], "lon": HOME[1], "expected_current_pin_id": stale})
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert problem["reason"] == "pin_changed" and "expected_current_pin_id" in problem["detail"]
        assert problem["current_pin"]["pin_id"] == second.json()["pin_id"]
        assert problem["current_pin"]["lat"] == ELSEWHERE[0]
    document = world.db["service_points"].documents["P1"]
    assert document["pin_count"] == 2 and len(_events(world, "P1")) == 2  # nothing stored, no event
    # Without the precondition the same pin is stored (the staff member chose to replace it).
    assert (await _pin(world, "P1", {"lat": HOME[0], "lon": HOME[1]})).status_code == 201
    assert world.db["service_points"].documents["P1"]["location"] == {"lat": HOME[0], "lon": HOME[1]}


async def test_a_precondition_of_an_unknown_pin_on_an_unpinned_point_is_409_with_no_current_pin(world):
    refused = await _pin(world, "P2", {"lat": HOME[0], "lon": HOME[1], "expected_current_pin_id": "gone"})
    assert refused.status_code == 409 and refused.json()["current_pin"] is None
    assert "location" not in world.db["service_points"].documents["P2"]


# ------------------------------------------------------------------------------- in a batch
async def test_a_batch_item_with_a_stale_precondition_is_refused_alone_with_the_current_pin(world):
    seen = (await _batch(world, [{"service_point_id": "P1", "lat": HOME[0], "lon": HOME[1]}])).json()
    seen_id = seen["items"][0]["pin"]["pin_id"]
    # Another client re-pins P1 after the offline pin was made against `seen_id`.
    other = (await _pin(world, "P1", {"lat": ELSEWHERE[0], "lon": ELSEWHERE[1]}, user="admin")).json()
    offline = {
        "service_point_id": "P1",
        "lat": HOME[0] + 0.001,
        "lon": HOME[1],
        "idempotency_key": "offline-1",
        "expected_current_pin_id": seen_id,
    }
    fresh = {"service_point_id": "P2", "lat": HOME[0], "lon": HOME[1], "expected_current_pin_id": None}
    report = (await _batch(world, [offline, fresh])).json()
    assert (report["created"], report["repeated"], report["refused"]) == (1, 0, 1)
    conflict, stored = report["items"]
    assert conflict["status"] == 409 and conflict["reason"] == "pin_changed"
    assert conflict["problem"]["status"] == 409 and "expected_current_pin_id" in conflict["problem"]["detail"]
    assert conflict["current_pin"]["pin_id"] == other["pin_id"] and conflict["current_pin"]["pinned_by"] == "admin"
    assert stored["status"] == 201 and stored["reason"] is None and stored["current_pin"] is None
    assert world.db["service_points"].documents["P1"]["pin_count"] == 2
    # The same item sent again (a retry) is refused again; sent without the precondition it is stored once.
    again = (await _batch(world, [offline])).json()["items"][0]
    assert again["status"] == 409 and again["reason"] == "pin_changed"
    anyway = {key: value for key, value in offline.items() if key != "expected_current_pin_id"}
    anyway["idempotency_key"] = "offline-1-anyway"
    placed = (await _batch(world, [anyway])).json()["items"][0]
    assert placed["status"] == 201
    assert (await _batch(world, [anyway])).json()["items"][0]["outcome"] == "repeated"
    assert world.db["service_points"].documents["P1"]["pin_count"] == 3


async def test_a_retry_of_a_stored_item_is_a_repeat_even_though_it_is_now_the_current_pin(world):
    item = {
        "service_point_id": "P3",
        "lat": HOME[0],
        "lon": HOME[1],
        "idempotency_key": "field-7",
        "expected_current_pin_id": None,
    }
    first = (await _batch(world, [item])).json()["items"][0]
    assert first["status"] == 201 and first["pin"]["pin_id"] == idempotent_pin_id("P3", "field-7")
    # The answer was lost in transit: the phone sends the same item again.
    again = (await _batch(world, [item])).json()["items"][0]
    assert again["outcome"] == "repeated" and again["pin"] == first["pin"]
    assert len(_events(world, "P3")) == 1


async def test_in_one_batch_a_precondition_sees_the_pins_placed_before_it(world):
    first = {"service_point_id": "P2", "lat": HOME[0], "lon": HOME[1], "idempotency_key": "a"}
    chained = {
        "service_point_id": "P2",
        "lat": ELSEWHERE[0],
        "lon": ELSEWHERE[1],
        "idempotency_key": "b",
        "expected_current_pin_id": idempotent_pin_id("P2", "a"),
    }
    stale = {**chained, "idempotency_key": "c", "expected_current_pin_id": None}
    report = (await _batch(world, [first, chained, stale])).json()
    assert [item["status"] for item in report["items"]] == [201, 201, 409]
    assert world.db["service_points"].documents["P2"]["pin_count"] == 2
