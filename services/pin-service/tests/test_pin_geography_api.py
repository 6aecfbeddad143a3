"""Provinces and districts by name, for choosing a place without knowing its DOPA code."""

import pytest

from .conftest import PinWorld


async def test_every_province_is_listed_with_both_names_and_cached(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/geography/provinces")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=86400"
    items = answer.json()["items"]
    assert len(items) == 77
    assert [item["code"] for item in items] == sorted(item["code"] for item in items)
    assert {"code": "50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai"} in items
    assert items[0] == {"code": "10", "name_th": "กรุงเทพมหานคร", "name_en": "Bangkok"}


async def test_a_provinces_districts_are_its_own_and_named(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/geography/provinces/50/districts")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=86400"
    body = answer.json()
    assert body["province"] == {"code": "50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai"}
    assert len(body["items"]) == 25
    assert all(item["code"].startswith("50") and len(item["code"]) == 4 for item in body["items"])
    assert body["items"][0] == {"code": "5001", "name_th": "เมืองเชียงใหม่", "name_en": "Mueang Chiang Mai"}


async def test_bangkoks_districts_are_its_khet(pin: PinWorld):
    async with pin.client() as client:
        body = (await client.get("/geography/provinces/10/districts")).json()
    assert len(body["items"]) == 50
    assert body["items"][0]["code"] == "1001"


async def test_an_unknown_province_is_a_problem_404_and_not_cached(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/geography/provinces/99/districts")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "99" in answer.json()["detail"]
    assert "cache-control" not in answer.headers


@pytest.mark.parametrize("code", ["5", "500", "ab", "5a"])
async def test_a_malformed_province_code_is_refused(pin: PinWorld, code: str):
    async with pin.client() as client:
        answer = await client.get(f"/geography/provinces/{code}/districts")
    assert answer.status_code == 422


async def test_geography_needs_no_account(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/geography/provinces", headers={"Authorization": "Bearer nonsense"})
    # A bad token on an anonymous route is not asked for, so it is not read.
    assert answer.status_code == 200
