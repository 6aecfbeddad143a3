"""A catalogue import does not hold back the pins placed meanwhile: pin-service's search index follows
the catalogue and the pins with one consumer each, so a pin shows in nearby search within the
contract's 5 s while thousands of imported records still wait to be indexed."""

import json
import time
import uuid

import httpx
import pytest

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration
IMPORTED_POINTS = 3_000
FRESHNESS_SECONDS = 5.0


def _nearby(gateway: httpx.Client, lat: float, lon: float, department: str) -> set[str]:
    params = {"lat": lat, "lon": lon, "radius_m": 500, "limit": 50, "department_id": department}
    response = gateway.get("/api/pin/v1/service-points/nearby", params=params)
    return {item["id"] for item in response.json()["items"]} if response.status_code == 200 else set()


def test_a_pin_placed_during_a_catalogue_flood_is_found_nearby_within_five_seconds(gateway, admin_headers) -> None:
    run = uuid.uuid4().hex[:6].upper()
    ministry, department, flooded = f"MISO{run}", f"DISO{run}", f"DFLD{run}"
    first = [
        {"kind": "ministry", "id": ministry, "name_th": "กระทรวงทดสอบ"},
        {"kind": "department", "id": department, "ministry_id": ministry, "name_th": "กรมปักหมุด"},
        {"kind": "department", "id": flooded, "ministry_id": ministry, "name_th": "กรมนำเข้า"},
        {"kind": "service_point", "id": f"PISO{run}", "department_id": department, "name_th": "จุดที่ปักหมุด",
         "province_code": "10", "district_code": "1001"},
    ]  # fmt: skip
    headers = {**admin_headers, "Content-Type": "application/x-ndjson"}
    body = "\n".join(json.dumps(line, ensure_ascii=False) for line in first)
    assert gateway.post("/api/pin/v1/catalogue:import", content=body.encode(), headers=headers).status_code == 200
    wait_until(
        lambda: gateway.get(f"/api/pin/v1/service-points/PISO{run}", headers=admin_headers).status_code == 200,
        timeout=30,
    )

    flood = "\n".join(
        json.dumps(
            {"kind": "service_point", "id": f"PFLD{run}{n}", "department_id": flooded,
             "name_th": f"สำนักงานทดสอบการนำเข้า {n}", "province_code": "10", "district_code": "1001"},
            ensure_ascii=False,
        )
        for n in range(IMPORTED_POINTS)
    )  # fmt: skip
    imported = gateway.post("/api/pin/v1/catalogue:import", content=flood.encode(), headers=headers, timeout=600)
    assert imported.status_code == 200 and not imported.json()["errors"], imported.text[:500]

    pin = {"lat": 13.7563, "lon": 100.5018, "accuracy_m": 5}
    pinned = gateway.post(f"/api/pin/v1/service-points/PISO{run}/pins", json=pin, headers=admin_headers)
    assert pinned.status_code == 201, pinned.text
    placed = time.monotonic()
    wait_until(lambda: f"PISO{run}" in _nearby(gateway, pin["lat"], pin["lon"], department), timeout=60, interval=0.2)
    found_after = time.monotonic() - placed
    assert found_after <= FRESHNESS_SECONDS, f"the pin showed in nearby search after {found_after:.1f} s"
