"""Provinces and districts by name through the gateway: anonymous, cached, and the codes they give are
the codes search filters on."""

import httpx
import pytest

from tests.integration.conftest import gateway, stack

pytestmark = pytest.mark.integration
__all__ = ["gateway", "stack"]  # the system's fixtures, used by name


def test_provinces_then_districts_by_name_anonymously_and_cached(gateway: httpx.Client) -> None:
    provinces = gateway.get("/api/pin/v1/geography/provinces")
    assert provinces.status_code == 200, provinces.text
    assert provinces.headers["cache-control"] == "public, max-age=86400"
    items = provinces.json()["items"]
    assert len(items) == 77
    chiang_mai = next(item for item in items if item["name_en"] == "Chiang Mai")
    assert chiang_mai == {"code": "50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai"}

    districts = gateway.get(f"/api/pin/v1/geography/provinces/{chiang_mai['code']}/districts")
    assert districts.status_code == 200, districts.text
    assert districts.headers["cache-control"] == "public, max-age=86400"
    named = {item["name_th"]: item["code"] for item in districts.json()["items"]}
    assert named["เมืองเชียงใหม่"] == "5001"

    unknown = gateway.get("/api/pin/v1/geography/provinces/99/districts")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


def test_the_codes_chosen_by_name_are_those_search_filters_on(gateway: httpx.Client) -> None:
    districts = gateway.get("/api/pin/v1/geography/provinces/50/districts").json()["items"]
    mueang = next(item for item in districts if item["name_en"] == "Mueang Chiang Mai")
    found = gateway.get(
        "/api/pin/v1/service-points", params={"province_code": "50", "district_code": mueang["code"], "limit": 20}
    )
    assert found.status_code == 200, found.text
    for item in found.json()["items"]:
        assert (item["province_code"], item["district_code"]) == ("50", mueang["code"])
        assert item["district_name_en"] == "Mueang Chiang Mai"
