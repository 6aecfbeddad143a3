import json

import geothai
import pytest
from pin_service.adapters.geography import ThaiGeography, distance_km
from pin_service.demo.catalogue import NATIONAL_POINTS_2018, generate_catalogue
from pin_service.demo.pins import plan_pins
from pin_service.domain.catalogue import ServiceLine, ServicePointLine, parse_line


@pytest.fixture(scope="module")
def national():
    return list(generate_catalogue(NATIONAL_POINTS_2018, seed=2018))


def _points(lines):
    return [line for line in lines if line["kind"] == "service_point"]


def test_the_same_seed_gives_the_same_catalogue_and_another_seed_another():
    first = list(generate_catalogue(1000, seed=7))
    assert first == list(generate_catalogue(1000, seed=7))
    assert _points(first) != _points(list(generate_catalogue(1000, seed=8)))


def test_a_smaller_catalogue_is_the_beginning_of_a_larger_one(national):
    small = list(generate_catalogue(3000, seed=2018))
    assert small == national[: len(small)]


def test_exactly_n_points_over_every_province_and_district(national):
    points = _points(national)
    assert len(points) == NATIONAL_POINTS_2018
    assert len({p["id"] for p in points}) == NATIONAL_POINTS_2018
    all_districts = {d.code for p in geothai.provinces() for d in geothai.districts(p.code)}
    assert len(all_districts) == 928
    assert {p["district_code"] for p in points} == all_districts
    assert {p["province_code"] for p in points} == {p.code for p in geothai.provinces()}
    assert sum(p["province_code"] == "10" for p in points) > 50  # Bangkok's khet are in it


def test_every_line_is_valid_with_real_codes_and_known_parents(national):
    ids = {kind: set() for kind in ("ministry", "department", "service")}
    for line in national:
        if line["kind"] in ids:
            ids[line["kind"]].add(line["id"])
    assert len(ids["ministry"]) == 20 and len(ids["department"]) >= 130
    for line in national:
        parsed = parse_line(json.dumps(line, ensure_ascii=False))
        if isinstance(parsed, ServicePointLine):
            assert ThaiGeography.area_problem(parsed.province_code, parsed.district_code) is None
            assert parsed.department_id in ids["department"]
            assert parsed.service_ids and set(parsed.service_ids) <= ids["service"]
        elif isinstance(parsed, ServiceLine):
            assert parsed.department_id in ids["department"] and parsed.steps and parsed.documents


def test_most_services_still_demand_copies_and_names_are_unique_and_real(national):
    services = [line for line in national if line["kind"] == "service"]
    with_id_copy = sum(any(d["kind"] == "id_card_copy" for d in s["documents"]) for s in services)
    assert with_id_copy / len(services) > 0.7
    points = _points(national)
    assert len({p["name_th"] for p in points}) == len(points)
    chiang_mai_land_offices = [
        p["name_th"] for p in points if p["department_id"] == "D1302" and p["province_code"] == "50"
    ]
    assert any(name.startswith("สำนักงานที่ดินจังหวัดเชียงใหม่ สาขา") for name in chiang_mai_land_offices)
    bangkok = [p for p in points if p["province_code"] == "10"]
    assert all("กรุงเทพมหานคร" in p["address_th"] and "จังหวัดกรุงเทพมหานคร" not in p["name_th"] for p in bangkok)


def test_about_half_the_points_are_pinned_near_a_real_place_of_their_district():
    points = _points(list(generate_catalogue(2000, seed=2018)))
    geography = ThaiGeography()
    plan = plan_pins(points, geography, seed=2018, share=0.5)
    assert 0.45 < len(plan) / len(points) < 0.55
    assert plan == plan_pins(points, geography, seed=2018, share=0.5)
    by_id = {p["id"]: p for p in points}
    for pin in plan:
        point = by_id[pin.service_point_id]
        places, _level = geography.places_of(point["province_code"], point["district_code"])
        nearest = min(distance_km(pin.lat, pin.lon, place.lat, place.lon) for place in places)
        assert nearest < 0.5
        assert not geography.far_from_district(pin.lat, pin.lon, point["province_code"], point["district_code"])
