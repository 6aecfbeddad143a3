"""Open311 GeoReport v2 on /open311/v2/, through the gateway, mapped onto complaints."""

import base64

import pytest
from feedback_service.domain.contact_sealing import unseal

pytestmark = pytest.mark.integration


def test_services_list_the_complaint_categories(gateway):
    response = gateway.get("/open311/v2/services.json")
    assert response.status_code == 200
    codes = {service["service_code"] for service in response.json()}
    assert {"asked_for_copy", "waiting_time", "other"} <= codes
    definition = gateway.get("/open311/v2/services/asked_for_copy.json").json()
    assert [a["code"] for a in definition["attributes"]] == ["consent_to_contact"]
    assert gateway.get("/open311/v2/services/aliens.json").status_code == 404


def test_an_open311_request_is_a_complaint(feedback_catalogue, citizen, gateway, complaint_system, admin_headers):
    point = feedback_catalogue.points[6]
    form = {
        "service_code": "asked_for_copy",
        "address_id": point,
        "lat": "18.79",
        "long": "98.98",
        "description": "ขอสำเนาทะเบียนบ้าน อีเมล somchai@example.com",
        "email": "somchai@example.com",
        "first_name": "สมชาย",
        "attribute[consent_to_contact]": "true",
    }
    created = citizen().post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.text
    [answer] = created.json()
    request_id = answer["service_request_id"]

    # Anonymous: the public view (a public id, never the tracking code or the complainant's location).
    [request] = gateway.get(f"/open311/v2/requests/{request_id}.json").json()
    assert request["status"] == "open"
    assert request["service_code"] == "asked_for_copy"
    assert request["address_id"] == point
    assert (request["lat"], request["long"]) == (None, None)
    assert request["service_request_id"].startswith("req_")
    assert answer["token"].replace("-", "") not in str(request) and answer["token"] not in str(request)
    assert "somchai@example.com" not in request["description"]
    assert request["agency_responsible"] == feedback_catalogue.department_id
    public_id = request["service_request_id"]

    listed = gateway.get("/open311/v2/requests.json", params={"service_request_id": public_id}).json()
    assert [r["service_request_id"] for r in listed] == [public_id]
    assert public_id in {r["service_request_id"] for r in gateway.get("/open311/v2/requests.json").json()}

    # An admin (or the department's staff) sees the whole complaint.
    [whole] = gateway.get(f"/open311/v2/requests/{request_id}.json", headers=admin_headers).json()
    assert (whole["service_request_id"], whole["lat"], whole["long"]) == (request_id, 18.79, 98.98)
    assert whole["tracking_code"] == answer["token"]

    # The same complaint as the citizen API knows it, and on the topic for the complaint system.
    tracking_code = answer["token"]
    assert gateway.get(f"/api/feedback/v1/complaints/{tracking_code}").json()["complaint_id"] == request_id
    _, filed = complaint_system.receive({request_id})[request_id]
    assert filed.channel == "open311"
    # The contact travels sealed under this complaint's own key, which the complaint system asks for.
    assert filed.contact is None and filed.contact_sealed is not None
    key = gateway.get(f"/api/feedback/v1/complaints/{request_id}/contact-key", headers=admin_headers)
    assert key.status_code == 200, key.text
    contact = unseal(filed.contact_sealed, base64.urlsafe_b64decode(key.json()["key"] + "=="), complaint_id=request_id)
    assert contact.email == "somchai@example.com"
    assert "สมชาย" not in filed.model_dump_json()


def test_bad_open311_requests_are_problems(feedback_catalogue, citizen, gateway):
    client = citizen()
    base = {"service_code": "other", "address_id": feedback_catalogue.points[6], "description": "x"}
    assert client.post("/open311/v2/requests.json", data={**base, "service_code": "aliens"}).status_code == 422
    assert client.post("/open311/v2/requests.json", data={**base, "address_id": "PNOSUCH"}).status_code == 404
    assert client.post("/open311/v2/requests.json", data={**base, "attribute[colour]": "red"}).status_code == 422
    assert client.post("/open311/v2/requests.json", data={**base, "favourite": "x"}).status_code == 422
    assert gateway.get("/open311/v2/requests/cmp_0000000000.json").status_code == 404


def test_complaints_that_could_expose_their_author_are_never_shown_anonymously(
    feedback_catalogue, citizen, gateway, admin_headers
):
    point = feedback_catalogue.points[6]
    form = {"service_code": "corruption", "address_id": point, "description": "เจ้าหน้าที่เรียกเงิน 500 บาท"}
    created = citizen().post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.text
    [answer] = created.json()
    request_id = answer["service_request_id"]
    assert gateway.get(f"/open311/v2/requests/{request_id}.json").status_code == 404
    assert gateway.get("/open311/v2/requests.json", params={"service_request_id": request_id}).json() == []
    anonymous = gateway.get("/open311/v2/requests.json").json()
    assert all(r["service_code"] not in {"corruption", "staff_conduct", "fees"} for r in anonymous)
    assert all("cmp_" not in r["service_request_id"] and r["lat"] is None for r in anonymous)
    [whole] = gateway.get(f"/open311/v2/requests/{request_id}.json", headers=admin_headers).json()
    assert whole["service_code"] == "corruption"
