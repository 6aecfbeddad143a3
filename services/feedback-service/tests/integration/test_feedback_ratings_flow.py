"""Ratings through the gateway against the running stack: privacy, verified visits, abuse control."""

import time
import uuid

import pytest
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.privacy import CITIZEN_ID_PLACEHOLDER, EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.topics import TopicName
from citizeninfo_shared.visit_tokens import VisitTokenCodec

pytestmark = pytest.mark.integration
RATINGS = "/api/feedback/v1/ratings"
PERSONAL_COMMENT = "ยังขอสำเนาบัตร โทร 081-234-5678 อีเมล somchai@example.com บัตร 1 1017 00230 70 8"


def is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


def test_a_rating_is_redacted_in_the_stored_document_and_the_event(
    feedback_catalogue, citizen, topic_tail, feedback_db
):
    point = feedback_catalogue.points[0]
    tail = topic_tail(TopicName.RATINGS)
    body = {
        "service_point_id": point,
        "service_id": feedback_catalogue.service_id,
        "score": 2,
        "aspects": {"waiting_time": 1, "facilities": 3},
        "asked_for_copy": True,
        "comment": PERSONAL_COMMENT,
    }
    response = citizen().post(RATINGS, json=body)
    assert response.status_code == 202, response.text
    rating_id = response.json()["rating_id"]
    assert response.json()["verified"] is False

    expected = f"ยังขอสำเนาบัตร โทร {PHONE_PLACEHOLDER} อีเมล {EMAIL_PLACEHOLDER} บัตร {CITIZEN_ID_PLACEHOLDER}"
    stored = feedback_db["ratings"].find_one({"_id": rating_id})
    assert stored["comment"] == expected
    assert "081-234-5678" not in str(stored) and "somchai@example.com" not in str(stored)

    records = tail.collect(lambda rs: any(rating_id.encode() in r.value for r in rs))
    [record] = [r for r in records if rating_id.encode() in r.value]
    assert record.key == point.encode()
    assert b"081-234-5678" not in record.value and b"somchai" not in record.value
    event = CloudEvent.from_json_bytes(record.value).data_as(RatingSubmitted)
    assert event.comment == expected
    assert (event.department_id, event.ministry_id, event.province_code) == (
        feedback_catalogue.department_id,
        feedback_catalogue.ministry_id,
        "50",
    )
    assert event.aspects == {"waiting_time": 1, "facilities": 3}


def test_unknown_points_are_404_and_services_the_point_lacks_422(feedback_catalogue, citizen):
    client = citizen()
    assert is_problem(client.post(RATINGS, json={"service_point_id": "PNOSUCHPOINT", "score": 3}), 404)
    wrong_service = {"service_point_id": feedback_catalogue.other_point, "score": 3, "service_id": "SNOPE"}
    assert is_problem(client.post(RATINGS, json=wrong_service), 422)


def test_a_visit_token_verifies_one_rating_and_is_refused_after(feedback_catalogue, citizen, stack_secrets):
    codec = VisitTokenCodec(stack_secrets["visit_token_secret"])
    point = feedback_catalogue.points[1]
    token, _ = codec.issue(service_point_id=point, visit_id=uuid.uuid4().hex)
    client = citizen()

    first = client.post(RATINGS, json={"service_point_id": point, "score": 5, "visit_token": token})
    assert first.status_code == 202, first.text
    assert first.json()["verified"] is True
    assert client.get(f"{RATINGS}/{first.json()['rating_id']}").json()["verified"] is True

    reused = citizen().post(RATINGS, json={"service_point_id": point, "score": 1, "visit_token": token})
    assert is_problem(reused, 409)

    forged, _ = VisitTokenCodec("not-the-stack-secret-but-long-enough-000").issue(service_point_id=point, visit_id="v")
    assert is_problem(client.post(RATINGS, json={"service_point_id": point, "score": 5, "visit_token": forged}), 422)
    elsewhere, _ = codec.issue(service_point_id=feedback_catalogue.points[2], visit_id="v")
    response = client.post(RATINGS, json={"service_point_id": point, "score": 5, "visit_token": elsewhere})
    assert is_problem(response, 422)
    assert "another service point" in response.json()["detail"]


def test_an_idempotency_key_makes_a_retry_the_same_rating(feedback_catalogue, citizen, topic_tail):
    tail = topic_tail(TopicName.RATINGS)
    client = citizen()
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"service_point_id": feedback_catalogue.points[3], "score": 4}
    first = client.post(RATINGS, json=body, headers=key)
    retry = client.post(RATINGS, json=body, headers=key)
    assert first.status_code == retry.status_code == 202
    assert first.json() == retry.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert is_problem(client.post(RATINGS, json={**body, "score": 1}, headers=key), 422)

    rating_id = first.json()["rating_id"].encode()
    records = tail.collect(lambda rs: any(rating_id in r.value for r in rs))
    assert len([r for r in records if rating_id in r.value]) == 1


def test_a_burst_from_one_client_is_refused_with_429_and_retry_after(feedback_catalogue, citizen):
    client = citizen()
    statuses = []
    # The limits count in fixed one-minute windows: start the burst well inside one.
    left_in_window = 60 - time.time() % 60
    if left_in_window < 5:
        time.sleep(left_in_window + 0.1)
    # Spread over the points so the daily per-point cap is not what stops it: the per-client limit is.
    for i in range(36):
        point = feedback_catalogue.points[i % len(feedback_catalogue.points)]
        response = client.post(RATINGS, json={"service_point_id": point, "score": 3})
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {202}
    assert is_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert "too many ratings from this client" in response.json()["detail"]
    # Another citizen at the same points is not affected.
    assert (
        citizen().post(RATINGS, json={"service_point_id": feedback_catalogue.points[4], "score": 3}).status_code == 202
    )


def test_the_daily_cap_per_client_and_point(feedback_catalogue, citizen):
    client = citizen()
    body = {"service_point_id": feedback_catalogue.points[11], "score": 4}
    statuses = [client.post(RATINGS, json=body).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]


def test_moderation_and_the_one_staff_reply(feedback_catalogue, citizen, gateway, admin_headers):
    own = citizen().post(
        RATINGS, json={"service_point_id": feedback_catalogue.points[0], "score": 1, "comment": "แย่มาก"}
    )
    other = citizen().post(RATINGS, json={"service_point_id": feedback_catalogue.other_point, "score": 2})
    own_id, other_id = own.json()["rating_id"], other.json()["rating_id"]

    hide = {"hidden": True, "reason": "ถ้อยคำไม่เหมาะสม"}
    assert is_problem(gateway.put(f"{RATINGS}/{own_id}/moderation", json=hide), 401)
    assert gateway.put(f"{RATINGS}/{own_id}/moderation", json=hide, headers=admin_headers).status_code == 200
    public = gateway.get(f"{RATINGS}/{own_id}").json()
    assert public["comment"] is None and public["comment_hidden"] is True
    show = {"hidden": False, "reason": "ทบทวนแล้ว"}
    assert gateway.put(f"{RATINGS}/{own_id}/moderation", json=show, headers=admin_headers).status_code == 200
    assert gateway.get(f"{RATINGS}/{own_id}").json()["comment"] == "แย่มาก"

    username = f"staff{feedback_catalogue.run.lower()}"
    password = uuid.uuid4().hex
    created = gateway.post(
        "/api/pin/v1/users",
        json={
            "username": username,
            "password": password,
            "role": "agency_staff",
            "department_id": feedback_catalogue.department_id,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    signed_in = gateway.post("/api/pin/v1/auth/token", data={"username": username, "password": password})
    staff = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    reply = {"text": "ขออภัยครับ เราเลิกขอสำเนาแล้ว"}
    first = gateway.post(f"{RATINGS}/{own_id}/reply", json=reply, headers=staff)
    assert first.status_code == 201, first.text
    assert gateway.get(f"{RATINGS}/{own_id}").json()["reply"]["text"] == reply["text"]
    assert is_problem(gateway.post(f"{RATINGS}/{own_id}/reply", json=reply, headers=staff), 409)
    assert is_problem(gateway.post(f"{RATINGS}/{other_id}/reply", json=reply, headers=staff), 403)


def test_a_points_ratings_are_listed_newest_first(feedback_catalogue, citizen, gateway):
    point = feedback_catalogue.points[4]
    accepted = []
    for score in (1, 2, 3):
        response = citizen().post(RATINGS, json={"service_point_id": point, "score": score, "comment": f"ครั้งที่ {score}"})
        assert response.status_code == 202, response.text
        accepted.append(response.json()["rating_id"])
        time.sleep(0.01)  # distinct submission times
    listed = gateway.get(RATINGS, params={"service_point_id": point, "limit": 100})
    assert listed.status_code == 200
    items = listed.json()["items"]
    ours = [item["rating_id"] for item in items if item["rating_id"] in accepted]
    assert ours == accepted[::-1]
    times = [item["submitted_at"] for item in items]
    assert times == sorted(times, reverse=True)
    assert all(item["service_point_id"] == point for item in items)
    assert is_problem(gateway.get(RATINGS, params={"service_point_id": f"P404{uuid.uuid4().hex[:6]}"}), 404)
