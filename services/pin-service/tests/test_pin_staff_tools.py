"""Issue 23, staff tools: a department's list (search, filters, page and total), a pin checked without
saving (flags in words), a map that opens on the point's district, and who may edit a point."""

import pytest
from pin_service.adapters.geography import thai_geography
from pin_service.domain.pins import FLAG_ORDER, FLAG_WORDS, flag_notes
from pin_service.domain.point_lists import PointQuery, page_of

STAFF_DEPARTMENT = "D0702"  # the department of the conftest staff account

CHIANG_MAI = {"province_code": "50", "district_code": "5001"}


def _point(number: int, department: str = STAFF_DEPARTMENT, **fields) -> dict:
    return {
        "_id": f"P{number:06d}",
        "department_id": department,
        "name_th": f"สำนักงานทดสอบ {number}",
        "name_en": f"Test office {number}",
        "address_th": "ถนนช้างเผือก",
        "service_ids": [],
        **CHIANG_MAI,
        **fields,
    }


class _Cursor:
    def __init__(self, documents) -> None:
        self._documents = documents

    async def to_list(self, _length=None) -> list:
        return [document async for document in self._documents]

    def __aiter__(self):
        return self._documents.__aiter__()


@pytest.fixture
def world(pin):
    pin.app.state.geography = thai_geography()
    fake = type(pin.db["service_points"])

    class PointCollection(fake):
        """The conftest collection with a cursor's to_list (the duplicate check reads blocks with it)."""

        def find(self, query, projection=None):
            return _Cursor(super().find(query, projection))

    points = pin.db.collections["service_points"] = PointCollection("service_points")
    for number in range(1, 337):
        located = {"location": {"lat": 18.79, "lon": 98.98}, "latest_flags": []} if number % 3 == 0 else {}
        points.documents[f"P{number:06d}"] = _point(number, **located)
    points.documents["P000900"] = _point(900, department="D9999", name_th="ของกรมอื่น")
    points.documents["P000337"] = _point(
        337, name_th="ศาลากลางจังหวัดเชียงใหม่", location={"lat": 0.0, "lon": 0.0}, latest_flags=["outside_thailand"]
    )
    return pin


def test_the_list_pages_searches_and_filters_with_a_real_total():
    points = [_point(n, location={"lat": 1, "lon": 1} if n % 2 else None) for n in range(1, 101)]
    total, page = page_of(points, PointQuery(limit=10, offset=90))
    assert total == 100 and [p["id"] for p in page] == [f"P{n:06d}" for n in range(91, 101)]
    assert page_of(points, PointQuery(pinned=True))[0] == 50
    assert page_of(points, PointQuery(pinned=False, limit=1))[1][0]["pinned"] is False
    assert page_of(points, PointQuery(q="p000042"))[0] == 1  # a code, any case
    assert page_of(points, PointQuery(q="ทดสอบ 77"))[0] == 1  # words of the name
    assert page_of(points, PointQuery(q="Office 100"))[0] == 1
    assert page_of(points, PointQuery(q="ไม่มีชื่อนี้"))[0] == 0


def test_flags_have_words_in_thai_and_english():
    assert set(FLAG_WORDS) == set(FLAG_ORDER)
    notes = flag_notes(["outside_thailand"])
    assert notes[0]["flag"] == "outside_thailand" and "นอกประเทศไทย" in notes[0]["th"] and "outside" in notes[0]["en"]


async def test_staff_find_their_336th_point_and_nobody_else_lists_it(world):
    async with world.client() as http:
        url = f"/departments/{STAFF_DEPARTMENT}/service-points"
        staff = world.bearer("somsri")
        last = await http.get(url, params={"limit": 50, "offset": 300}, headers=staff)
        assert last.status_code == 200, last.text
        assert last.json()["total"] == 337
        assert "P000336" in [p["id"] for p in last.json()["items"]]
        found = await http.get(url, params={"q": "P000336"}, headers=staff)
        assert [p["id"] for p in found.json()["items"]] == ["P000336"]
        assert found.json()["items"][0]["pinned"] is True
        unpinned = await http.get(url, params={"pinned": "false", "limit": 1}, headers=staff)
        assert unpinned.json()["total"] == 224
        flagged = await http.get(url, params={"flagged": "true"}, headers=staff)
        assert [p["id"] for p in flagged.json()["items"]] == ["P000337"]
        assert (await http.get("/departments/D9999/service-points", headers=staff)).status_code == 403
        assert (await http.get(url)).status_code == 401
        admin = await http.get("/departments/D9999/service-points", headers=world.bearer("admin"))
        assert admin.json()["total"] == 1


async def test_a_pin_is_checked_without_being_saved(world):
    async with world.client() as http:
        staff = world.bearer("somsri")
        url = "/service-points/P000001/pins:check"
        at_sea = await http.post(url, json={"lat": 0, "lon": 0}, headers=staff)
        assert at_sea.status_code == 200, at_sea.text
        assert at_sea.json()["flags"] == ["outside_thailand"]
        assert "นอกประเทศไทย" in at_sea.json()["notes"][0]["th"]
        bangkok = await http.post(url, json={"lat": 13.7563, "lon": 100.5018}, headers=staff)
        assert bangkok.json()["flags"] == ["far_from_district"]
        assert bangkok.json()["distance_to_area_km"] > 500
        home = await http.post(url, json={"lat": 18.7904, "lon": 98.9847, "accuracy_m": 8}, headers=staff)
        assert home.json()["flags"] == [] and home.json()["notes"] == []
        assert world.db["service_points"].documents["P000001"].get("location") is None  # nothing saved
        other = await http.post("/service-points/P000900/pins:check", json={"lat": 18.79, "lon": 98.98}, headers=staff)
        assert other.status_code == 403
        assert (await http.post(url, json={"lat": 91, "lon": 0}, headers=staff)).status_code == 422
        assert (await http.post(url, json={"lat": 18.79, "lon": 98.98})).status_code == 401


async def test_a_point_opens_its_map_on_its_district_and_says_who_may_edit_it(world):
    async with world.client() as http:
        staff = world.bearer("somsri")
        mine = (await http.get("/service-points/P000001", headers=staff)).json()
        assert mine["map_area"]["level"] == "district"
        assert mine["map_area"]["lat"] == pytest.approx(18.79, abs=0.1)
        assert mine["map_area"]["lon"] == pytest.approx(98.98, abs=0.1)
        assert mine["may_edit"] is True
        assert (await http.get("/service-points/P000900", headers=staff)).json()["may_edit"] is False
        assert (await http.get("/service-points/P000001")).json()["may_edit"] is False
        flagged = (await http.get("/service-points/P000337", headers=staff)).json()
        assert flagged["flag_notes"][0]["flag"] == "outside_thailand"
