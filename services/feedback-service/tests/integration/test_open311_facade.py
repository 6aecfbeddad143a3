"""Open311 GeoReport v2 on /open311/v2/, through the gateway, mapped onto complaints."""

import pytest

pytestmark = pytest.mark.integration


def test_services_list_the_complaint_categories(gateway):
    response = gateway.get("/open311/v2/services.json")
    assert response.status_code == 200
    codes = {service["service_code"] for service in response.json()}
    assert {"asked_for_copy", "waiting_time", "other"} <= codes
    definition = gateway.get("/open311/v2/services/asked_for_copy.json").json()
    assert [a["code"] for a in definition["attributes"]] == ["consent_to_contact"]
    assert gateway.get("/open311/v2/services/aliens.json").status_code == 404


def test_an_open311_request_is_a_complaint(feedback_catalogue, citizen, gateway, complaint_system):
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

    [request] = gateway.get(f"/open311/v2/requests/{request_id}.json").json()
    assert request["status"] == "open"
    assert request["service_code"] == "asked_for_copy"
    assert request["address_id"] == point
    assert (request["lat"], request["long"]) == (18.79, 98.98)
    assert "somchai@example.com" not in request["description"]
    assert request["agency_responsible"] == feedback_catalogue.department_id

    listed = gateway.get("/open311/v2/requests.json", params={"service_request_id": request_id}).json()
    assert [r["service_request_id"] for r in listed] == [request_id]

    # The same complaint as the citizen API knows it, and on the topic for the complaint system.
    tracking_code = answer["token"]
    assert gateway.get(f"/api/feedback/v1/complaints/{tracking_code}").json()["complaint_id"] == request_id
    _, filed = complaint_system.receive({request_id})[request_id]
    assert filed.channel == "open311"
    assert filed.contact is not None and filed.contact.email == "somchai@example.com"
    assert "สมชาย" not in filed.model_dump_json()


def test_bad_open311_requests_are_problems(feedback_catalogue, citizen, gateway):
    client = citizen()
    base = {"service_code": "other", "address_id": feedback_catalogue.points[6], "description": "x"}
    assert client.post("/open311/v2/requests.json", data={**base, "service_code": "aliens"}).status_code == 422
    assert client.post("/open311/v2/requests.json", data={**base, "address_id": "PNOSUCH"}).status_code == 404
    assert client.post("/open311/v2/requests.json", data={**base, "attribute[colour]": "red"}).status_code == 422
    assert client.post("/open311/v2/requests.json", data={**base, "favourite": "x"}).status_code == 422
    assert gateway.get("/open311/v2/requests/cmp_0000000000.json").status_code == 404
