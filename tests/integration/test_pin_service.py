"""pin-service through the gateway: accounts, import, pins with flags, rights on every id route, search."""

import json
import uuid

import httpx
import pytest
from citizeninfo_devstack.programs import SERVICES

from tests.integration.support import wait_until

pytestmark = pytest.mark.integration
NDJSON = {"Content-Type": "application/x-ndjson"}
PROBLEM = "application/problem+json"
# Chiang Mai old city (district 5001 Mueang Chiang Mai) and Hat Yai (district 9011, province 90).
CHIANG_MAI = (18.7883, 98.9853)


def catalogue(run: str) -> list[dict]:
    return [
        {"kind": "ministry", "id": f"M{run}", "name_th": "กระทรวงมหาดไทย", "name_en": "Ministry of Interior"},
        {"kind": "department", "id": f"D{run}", "ministry_id": f"M{run}", "name_th": "กรมการปกครอง"},
        {"kind": "department", "id": f"E{run}", "ministry_id": f"M{run}", "name_th": "กรมที่ดิน"},
        {
            "kind": "service",
            "id": f"S{run}",
            "department_id": f"D{run}",
            "name_th": "ทำบัตรประจำตัวประชาชน",
            "steps": ["ยื่นคำขอ", "ถ่ายรูป", "รับบัตร"],
            "documents": [{"name_th": "สำเนาทะเบียนบ้าน", "kind": "house_registration_copy", "copies": 1}],
        },
        *(
            {
                "kind": "service_point",
                "id": f"P{run}{n}",
                "department_id": f"D{run}",
                "name_th": name,
                "name_en": f"Registration office {run} {n}",
                "province_code": "50",
                "district_code": "5001",
                "address_th": "ถนนโชตนา ตำบลศรีภูมิ",
                "service_ids": [f"S{run}"],
            }
            for n, name in ((1, "ที่ว่าการอำเภอเมืองเชียงใหม่"), (2, "สำนักทะเบียนอำเภอเมือง"), (3, "ศูนย์บริการประชาชน"))
        ),
        {
            "kind": "service_point",
            "id": f"Q{run}1",
            "department_id": f"E{run}",
            "name_th": "สำนักงานที่ดินจังหวัดเชียงใหม่",
            "province_code": "50",
            "district_code": "5001",
        },
    ]


def ndjson(lines: list[dict]) -> bytes:
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()


@pytest.fixture(scope="module")
def run() -> str:
    return uuid.uuid4().hex[:6].upper()


@pytest.fixture(scope="module")
def imported(gateway: httpx.Client, admin_headers: dict, run: str) -> dict:
    response = gateway.post(
        "/api/pin/v1/catalogue:import", content=ndjson(catalogue(run)), headers={**admin_headers, **NDJSON}
    )
    assert response.status_code == 200, response.text
    return response.json()


def sign_in(gateway: httpx.Client, username: str, password: str) -> httpx.Response:
    return gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": password})


@pytest.fixture(scope="module")
def staff(gateway: httpx.Client, admin_headers: dict, run: str) -> dict[str, dict[str, str]]:
    """Bearer headers of one staff member of department D{run} and one of E{run}."""
    headers = {}
    for department in (f"D{run}", f"E{run}"):
        username = f"staff-{department.lower()}"
        created = gateway.post(
            "/api/pin/v1/users",
            json={
                "username": username,
                "password": "correct-horse-9",
                "role": "agency_staff",
                "department_id": department,
            },
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        token = sign_in(gateway, username, "correct-horse-9").json()["access_token"]
        headers[department[0]] = {"Authorization": f"Bearer {token}"}
    return headers


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and "detail" in body
    return body


# ------------------------------------------------------------------------------------- accounts
def test_sign_in_gives_a_short_lived_bearer_token(gateway, admin_credentials):
    response = sign_in(gateway, *admin_credentials)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and 0 < body["expires_in"] <= 3600


def test_wrong_passwords_slow_that_client_with_429_and_retry_after_never_the_owner_elsewhere(
    gateway, admin_headers, run
):
    username = f"guess-{run.lower()}"
    assert (
        gateway.post(
            "/api/pin/v1/users",
            json={
                "username": username,
                "password": "right-password-1",
                "role": "agency_staff",
                "department_id": f"D{run}",
            },
            headers=admin_headers,
        ).status_code
        == 201
    )
    for _ in range(5):
        assert_problem(sign_in(gateway, username, "wrong-password"), 401)
    throttled = assert_problem(sign_in(gateway, username, "wrong-password"), 429)
    assert "try again" in throttled["detail"]
    # From this address even the right password waits its turn...
    refused = sign_in(gateway, username, "right-password-1")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    # ...but the account is not locked: its owner at another address (as the gateway forwards it) gets in.
    pin_port = next(spec.port for spec in SERVICES if spec.name == "pin-service")
    owner = httpx.post(
        f"http://127.0.0.1:{pin_port}/auth/token",
        data={"username": username, "password": "right-password-1"},
        headers={"X-Real-IP": "198.51.100.23"},
        timeout=30,
    )
    assert owner.status_code == 200, owner.text


def test_an_admin_token_changes_its_own_password_only_with_the_current_one(gateway, admin_headers, admin_credentials):
    # (The last-administrator rule is unit tested: demoting the shared administrator here is no test to risk.)
    admin_user = admin_credentials[0]
    own = gateway.patch(f"/api/pin/v1/users/{admin_user}", json={"password": "taken-over-123"}, headers=admin_headers)
    assert_problem(own, 403)
    wrong = {"current_password": "not-the-password", "new_password": "taken-over-123"}
    assert_problem(gateway.post("/api/pin/v1/auth/password", json=wrong, headers=admin_headers), 403)
    assert sign_in(gateway, *admin_credentials).status_code == 200  # unchanged


def test_a_password_change_with_the_current_one_revokes_older_tokens(gateway, admin_headers, run):
    username = f"mover-{run.lower()}"
    body = {"username": username, "password": "first-password-1", "role": "agency_staff", "department_id": f"D{run}"}
    assert gateway.post("/api/pin/v1/users", json=body, headers=admin_headers).status_code == 201
    old = {"Authorization": f"Bearer {sign_in(gateway, username, 'first-password-1').json()['access_token']}"}
    change = {"current_password": "first-password-1", "new_password": "second-password-2"}
    changed = gateway.post("/api/pin/v1/auth/password", json=change, headers=old)
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert_problem(gateway.get("/api/pin/v1/pins/flagged", headers=old), 401)
    assert_problem(gateway.get("/api/pin/v1/pins/flagged", headers=fresh), 403)  # signed in; not an admin
    assert sign_in(gateway, username, "second-password-2").status_code == 200


def test_a_username_with_a_nul_is_wrong_credentials_not_a_database_error(gateway):
    assert_problem(sign_in(gateway, "admin\x00", "any-password"), 401)


def test_a_disabled_account_cannot_sign_in_and_can_be_enabled_again(gateway, admin_headers, run):
    username = f"leaver-{run.lower()}"
    body = {"username": username, "password": "right-password-1", "role": "agency_staff", "department_id": f"D{run}"}
    assert gateway.post("/api/pin/v1/users", json=body, headers=admin_headers).status_code == 201
    disabled = gateway.patch(f"/api/pin/v1/users/{username}", json={"disabled": True}, headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert "disabled" in assert_problem(sign_in(gateway, username, "right-password-1"), 401)["detail"]
    gateway.patch(f"/api/pin/v1/users/{username}", json={"disabled": False}, headers=admin_headers)
    assert sign_in(gateway, username, "right-password-1").status_code == 200


def test_account_rules(gateway, admin_headers, staff, run):
    assert_problem(gateway.post("/api/pin/v1/users", json={"username": "x"}, headers=admin_headers), 422)
    no_department = {"username": f"nodept-{run.lower()}", "password": "long-enough-1", "role": "agency_staff"}
    assert_problem(gateway.post("/api/pin/v1/users", json=no_department, headers=admin_headers), 422)
    assert_problem(gateway.post("/api/pin/v1/users", json={**no_department, "extra": 1}, headers=admin_headers), 422)
    staff_made = {**no_department, "department_id": f"D{run}"}
    assert_problem(gateway.post("/api/pin/v1/users", json=staff_made, headers=staff["D"]), 403)
    assert_problem(gateway.post("/api/pin/v1/users", json=staff_made), 401)
    assert_problem(
        gateway.patch("/api/pin/v1/users/nobody-at-all", json={"disabled": True}, headers=admin_headers), 404
    )


# -------------------------------------------------------------------------------------- import
def test_import_reports_bad_lines_and_area_codes_and_is_idempotent(gateway, admin_headers, imported, run):
    assert imported["created"] == {"ministry": 1, "department": 2, "service": 1, "service_point": 4}
    bad = [
        "{not json",
        json.dumps({"kind": "service_point", "id": f"B{run}1", "department_id": f"D{run}", "name_th": "x",
                    "province_code": "99"}),
        json.dumps({"kind": "service_point", "id": f"B{run}2", "department_id": f"D{run}", "name_th": "x",
                    "province_code": "50", "district_code": "9011"}),
        json.dumps({"kind": "service_point", "id": f"B{run}3", "department_id": "NO-SUCH-DEPT", "name_th": "x",
                    "province_code": "50"}),
    ]  # fmt: skip
    again = gateway.post(
        "/api/pin/v1/catalogue:import",
        content=ndjson(catalogue(run)) + b"\n" + "\n".join(bad).encode(),
        headers={**admin_headers, **NDJSON},
    )
    assert again.status_code == 200
    report = again.json()
    assert sum(report["created"].values()) == 0 and sum(report["updated"].values()) == 0
    errors = {e["line"]: e["detail"] for e in report["errors"]}
    first_bad = len(catalogue(run)) + 1
    assert set(errors) == {first_bad, first_bad + 1, first_bad + 2, first_bad + 3}
    assert "JSON" in errors[first_bad]
    assert "'99'" in errors[first_bad + 1]
    assert "not in province" in errors[first_bad + 2]
    assert "NO-SUCH-DEPT" in errors[first_bad + 3]


def test_import_needs_an_admin_and_ndjson(gateway, admin_headers, staff, run):
    body = ndjson(catalogue(run))
    assert_problem(gateway.post("/api/pin/v1/catalogue:import", content=body, headers=NDJSON), 401)
    assert_problem(gateway.post("/api/pin/v1/catalogue:import", content=body, headers={**staff["D"], **NDJSON}), 403)
    assert_problem(
        gateway.post(
            "/api/pin/v1/catalogue:import", content=body, headers={**admin_headers, "Content-Type": "text/csv"}
        ),
        415,
    )


# ---------------------------------------------------------------------------------------- pins
def test_pins_move_the_point_keep_history_and_raise_flags(gateway, admin_headers, staff, imported, run):
    first = gateway.post(
        f"/api/pin/v1/service-points/P{run}1/pins",
        json={"lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1], "accuracy_m": 6},
        headers=staff["D"],
    )
    assert first.status_code == 201, first.text
    assert first.json()["flags"] == []
    # A second point of the same department 10 m away: a possible duplicate, and a poor GPS fix.
    near = gateway.post(
        f"/api/pin/v1/service-points/P{run}2/pins",
        json={"lat": CHIANG_MAI[0] + 0.00009, "lon": CHIANG_MAI[1], "accuracy_m": 350},
        headers=staff["D"],
    )
    assert near.status_code == 201
    assert near.json()["flags"] == ["possible_duplicate", "low_accuracy"]
    # Another department's point at the same spot is not a duplicate of ours.
    other = gateway.post(
        f"/api/pin/v1/service-points/Q{run}1/pins",
        json={"lat": CHIANG_MAI[0], "lon": CHIANG_MAI[1]},
        headers=staff["E"],
    )
    assert other.status_code == 201 and other.json()["flags"] == []
    # Hat Yai is 1,000 km from Chiang Mai; Vientiane is in Laos.
    far = gateway.post(
        f"/api/pin/v1/service-points/P{run}3/pins", json={"lat": 7.0086, "lon": 100.4747}, headers=admin_headers
    )
    assert far.json()["flags"] == ["far_from_district"]
    abroad = gateway.post(
        f"/api/pin/v1/service-points/P{run}3/pins", json={"lat": 17.9667, "lon": 102.6}, headers=admin_headers
    )
    assert abroad.json()["flags"] == ["outside_thailand"]
    moved = gateway.post(
        f"/api/pin/v1/service-points/P{run}3/pins", json={"lat": 18.7953, "lon": 98.9620}, headers=admin_headers
    )
    assert moved.json()["flags"] == []

    point = gateway.get(f"/api/pin/v1/service-points/P{run}3").json()
    assert point["pinned"] is True and point["location"] == {"lat": 18.7953, "lon": 98.9620}
    assert point["pin_count"] == 3 and "pin_history" not in point  # anonymous: no history
    history = gateway.get(f"/api/pin/v1/service-points/P{run}3/pins", headers=staff["D"]).json()["items"]
    assert [h["flags"] for h in history] == [["far_from_district"], ["outside_thailand"], []]
    assert all(h["pinned_by"] == "admin" and h["pinned_at"] for h in history)


def test_point_detail_carries_department_ministry_services_and_directions(gateway, imported, run):
    point = gateway.get(f"/api/pin/v1/service-points/P{run}1").json()
    assert point["department"] == {"id": f"D{run}", "name_th": "กรมการปกครอง", "name_en": None}
    assert point["ministry"]["name_en"] == "Ministry of Interior"
    assert point["province"] == {"code": "50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai"}
    assert point["district"]["name_th"] == "เมืองเชียงใหม่"
    [service] = point["services"]
    assert service["steps"] == ["ยื่นคำขอ", "ถ่ายรูป", "รับบัตร"]
    assert service["documents"][0]["kind"] == "house_registration_copy"
    if point["pinned"]:
        assert point["directions"]["google_maps"].startswith("https://www.google.com/maps/dir/?api=1&destination=")
        assert point["directions"]["apple_maps"].startswith("https://maps.apple.com/?daddr=")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/pin/v1/service-points/{point}/pins", {"lat": 18.79, "lon": 98.98}),
        ("GET", "/api/pin/v1/service-points/{point}/pins", None),
    ],
)
def test_staff_of_another_department_get_403_on_every_id_route(gateway, staff, imported, run, method, path, body):
    response = gateway.request(method, path.format(point=f"P{run}1"), json=body, headers=staff["E"])
    assert_problem(response, 403)
    # and an unknown id is 404, an anonymous caller 401
    assert_problem(gateway.request(method, path.format(point="NO-SUCH-POINT"), json=body, headers=staff["E"]), 404)
    assert_problem(gateway.request(method, path.format(point=f"P{run}1"), json=body), 401)


def test_flag_review_is_for_admins(gateway, admin_headers, staff, imported, run):
    pinned = gateway.post(
        f"/api/pin/v1/service-points/P{run}2/pins",
        json={"lat": 18.79, "lon": 98.98, "accuracy_m": 900},
        headers=staff["D"],
    ).json()
    resolve = f"/api/pin/v1/service-points/P{run}2/pins/{pinned['pin_id']}:resolve"
    assert_problem(gateway.post(resolve, json={"note": "ok"}, headers=staff["D"]), 403)
    assert_problem(gateway.get("/api/pin/v1/pins/flagged", headers=staff["D"]), 403)
    flagged = gateway.get("/api/pin/v1/pins/flagged", params={"limit": 1000}, headers=admin_headers).json()["items"]
    assert f"P{run}2" in {item["service_point_id"] for item in flagged}
    resolved = gateway.post(resolve, json={"note": "ตรวจแล้ว ถูกต้อง"}, headers=admin_headers)
    assert resolved.status_code == 200 and resolved.json()["resolution"]["resolved_by"] == "admin"
    flagged = gateway.get("/api/pin/v1/pins/flagged", params={"limit": 1000}, headers=admin_headers).json()["items"]
    assert f"P{run}2" not in {item["service_point_id"] for item in flagged}
    assert_problem(
        gateway.post(f"/api/pin/v1/service-points/P{run}2/pins/no-such-pin:resolve", json={}, headers=admin_headers),
        404,
    )


@pytest.mark.parametrize(
    "body", [{"lat": 91, "lon": 0}, {"lat": 18.0}, {"lat": "x", "lon": 1}, {"lat": 1, "lon": 1, "id": 2}]
)
def test_bad_pins_are_422(gateway, admin_headers, imported, run, body):
    assert_problem(gateway.post(f"/api/pin/v1/service-points/P{run}1/pins", json=body, headers=admin_headers), 422)


# -------------------------------------------------------------------------------------- search
def test_nearby_is_sorted_by_distance_with_directions(gateway, staff, imported, run):
    gateway.post(f"/api/pin/v1/service-points/Q{run}1/pins", json={"lat": 18.80, "lon": 98.99}, headers=staff["E"])
    items = wait_until(
        lambda: (
            (
                found := gateway.get(
                    "/api/pin/v1/service-points/nearby",
                    params={"lat": 18.7885, "lon": 98.9855, "radius_m": 3000, "limit": 100, "department_id": f"E{run}"},
                ).json()["items"]
            )
            and found[0]["location"] == {"lat": 18.80, "lon": 98.99}
            and found
        ),
        timeout=10,
    )
    assert [i["id"] for i in items] == [f"Q{run}1"]
    everyone = gateway.get(
        "/api/pin/v1/service-points/nearby", params={"lat": 18.7885, "lon": 98.9855, "radius_m": 5000, "limit": 50}
    ).json()["items"]
    distances = [i["distance_m"] for i in everyone]
    assert distances == sorted(distances) and distances[-1] <= 5000
    assert all(i["directions"]["google_maps"] for i in everyone)
    assert_problem(gateway.get("/api/pin/v1/service-points/nearby", params={"lat": 18.7}), 422)
    assert_problem(
        gateway.get("/api/pin/v1/service-points/nearby", params={"lat": 18.7, "lon": 98.9, "radius_m": -1}), 422
    )


def test_text_search_finds_thai_words_inside_compounds_and_english(gateway, imported, run):
    def ids(**params) -> set[str]:
        return {
            i["id"] for i in gateway.get("/api/pin/v1/service-points", params={"limit": 100, **params}).json()["items"]
        }

    ours = {f"P{run}1", f"P{run}2", f"P{run}3"}
    # "อำเภอ" is inside the dictionary word "ที่ว่าการอำเภอ" and "สำนักทะเบียนอำเภอ…".
    wait_until(lambda: {f"P{run}1", f"P{run}2"} <= ids(q="อำเภอ", department_id=f"D{run}"), timeout=10)
    assert ids(q="อำเภอ", department_id=f"D{run}") == {f"P{run}1", f"P{run}2"}
    assert ids(q="ทะเบียน", department_id=f"D{run}") == {f"P{run}2"}
    assert ids(q=f"registration office {run}") == ours
    assert ids(q="กรมการปกครอง", province_code="50", department_id=f"D{run}") == ours
    assert ids(department_id=f"D{run}", service_id=f"S{run}") == ours
    assert ids(department_id=f"E{run}", pinned="false") == set() or ids(department_id=f"E{run}", pinned="true") == {
        f"Q{run}1"
    }
    assert_problem(gateway.get("/api/pin/v1/service-points", params={"province_code": "Bangkok"}), 422)
    assert_problem(gateway.get("/api/pin/v1/service-points", params={"lat": 18.0}), 422)


def test_a_search_page_beyond_elasticsearchs_result_window_is_422_not_503(gateway):
    deep = gateway.get("/api/pin/v1/service-points", params={"offset": 9_990, "limit": 20})
    assert "offset + limit" in assert_problem(deep, 422)["detail"]
    assert gateway.get("/api/pin/v1/service-points", params={"offset": 9_980, "limit": 20}).status_code == 200
