from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.privacy import PHONE_PLACEHOLDER
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.topics import TopicName
from citizeninfo_shared.visit_tokens import VisitTokenCodec
from httpx import AsyncClient

RATING = {
    "service_point_id": "P000001",
    "service_id": "S00001",
    "score": 2,
    "aspects": {"waiting_time": 1, "staff_courtesy": 4},
    "asked_for_copy": True,
    "comment": "ยังขอสำเนาบัตรอยู่ โทรกลับ 089-123-4567",
}


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


async def test_an_anonymous_rating_is_accepted_stored_and_announced(client: AsyncClient, store) -> None:
    response = await client.post("/ratings", json=RATING)

    assert response.status_code == 202
    body = response.json()
    assert body == {"rating_id": body["rating_id"], "verified": False}

    stored = store.ratings[body["rating_id"]].rating
    assert stored.comment == f"ยังขอสำเนาบัตรอยู่ โทรกลับ {PHONE_PLACEHOLDER}"
    assert (stored.score, stored.asked_for_copy, stored.service_id) == (2, True, "S00001")
    assert stored.aspects == {"waiting_time": 1, "staff_courtesy": 4}

    [entry] = store.events
    assert entry.topic == TopicName.RATINGS
    assert entry.key == "P000001"
    assert "089-123-4567" not in entry.value
    event = CloudEvent.from_json_bytes(entry.value)
    assert event.subject == "P000001"
    published = event.data_as(RatingSubmitted)
    assert published == stored
    assert (published.department_id, published.ministry_id, published.province_code) == ("D0702", "M07", "10")


async def test_an_unknown_point_is_404_and_an_unoffered_service_422(client: AsyncClient, store) -> None:
    assert _is_problem(await client.post("/ratings", json={**RATING, "service_point_id": "P404"}), 404)
    response = await client.post("/ratings", json={**RATING, "service_id": "S99999"})
    assert _is_problem(response, 422)
    assert "S99999" in response.json()["detail"]
    assert store.ratings == {}


async def test_a_visit_token_makes_a_verified_rating_once(client: AsyncClient, store, visit_tokens) -> None:
    token, _ = visit_tokens.issue(service_point_id="P000001", visit_id="v1")
    first = await client.post("/ratings", json={**RATING, "visit_token": token})
    assert first.status_code == 202
    assert first.json()["verified"] is True
    assert store.ratings[first.json()["rating_id"]].rating.verified is True

    again = await client.post("/ratings", json={**RATING, "score": 5, "visit_token": token})
    assert _is_problem(again, 409)
    assert len(store.ratings) == 1


@pytest.mark.parametrize(
    "make_token",
    [
        lambda codec: VisitTokenCodec("another-secret-of-sufficient-length-0000").issue(
            service_point_id="P000001", visit_id="v"
        )[0],
        lambda codec: codec.issue(
            service_point_id="P000001", visit_id="v", now=datetime.now(UTC) - timedelta(hours=25)
        )[0],
        lambda codec: codec.issue(service_point_id="P000002", visit_id="v")[0],
        lambda codec: "not-a-token",
    ],
    ids=["forged", "expired", "other point", "garbage"],
)
async def test_an_invalid_visit_token_is_refused(client: AsyncClient, store, visit_tokens, make_token) -> None:
    response = await client.post("/ratings", json={**RATING, "visit_token": make_token(visit_tokens)})
    assert _is_problem(response, 422)
    assert response.json()["title"] == "Invalid visit token"
    assert store.ratings == {}


async def test_an_idempotency_key_replays_the_same_answer(client: AsyncClient, store, limiter) -> None:
    headers = {"Idempotency-Key": "c0ffee-1"}
    first = await client.post("/ratings", json=RATING, headers=headers)
    second = await client.post("/ratings", json=RATING, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(store.ratings) == len(store.events) == 1
    # The replay was not counted against the client's limits.
    assert max(limiter.counts().values()) == 1

    different = await client.post("/ratings", json={**RATING, "score": 5}, headers=headers)
    assert _is_problem(different, 422)
    assert different.json()["title"] == "Idempotency-Key reused"
    assert len(store.ratings) == 1


async def test_a_malformed_idempotency_key_is_422(client: AsyncClient) -> None:
    response = await client.post("/ratings", json=RATING, headers={"Idempotency-Key": "x" * 101})
    assert _is_problem(response, 422)


async def test_a_burst_from_one_client_gets_429_with_retry_after(client: AsyncClient, settings, store) -> None:
    headers = {"X-Real-IP": "203.0.113.7"}
    statuses = []
    for i in range(settings.ratings_per_client_per_window + 1):
        point = "P000001" if i % 2 else "P000002"  # stay under the per-point daily cap
        body = {"service_point_id": point, "score": 3}
        statuses.append(await client.post("/ratings", json=body, headers=headers))
    refused = [r for r in statuses if r.status_code == 429]
    assert refused, [r.status_code for r in statuses]
    assert _is_problem(refused[0], 429)
    assert 1 <= int(refused[0].headers["Retry-After"]) <= settings.rate_limit_window_seconds
    assert "too many ratings from this client" in refused[0].json()["detail"]
    # Another client is not affected.
    other = await client.post(
        "/ratings", json={"service_point_id": "P000001", "score": 3}, headers={"X-Real-IP": "198.51.100.1"}
    )
    assert other.status_code == 202


async def test_the_daily_cap_per_client_and_point(client: AsyncClient, settings) -> None:
    headers = {"X-Real-IP": "203.0.113.8"}
    body = {"service_point_id": "P000001", "score": 4}
    answers = [
        (await client.post("/ratings", json=body, headers=headers)).status_code
        for _ in range(settings.ratings_per_client_per_point_per_day + 1)
    ]
    assert answers == [202] * settings.ratings_per_client_per_point_per_day + [429]
    other_point = await client.post("/ratings", json={**body, "service_point_id": "P000002"}, headers=headers)
    assert other_point.status_code == 202


async def test_verified_ratings_are_neither_refused_by_nor_counted_in_the_daily_cap(
    client: AsyncClient, settings, store, visit_tokens
) -> None:
    """Issue 17: a whole office's citizens rate over its Wi-Fi (one address); each holds a visit token."""
    office = {"X-Real-IP": "203.0.113.50"}
    body = {"service_point_id": "P000001", "score": 4}
    token, _ = visit_tokens.issue(service_point_id="P000001", visit_id="office-v1")
    verified_first = await client.post("/ratings", json={**body, "visit_token": token}, headers=office)
    assert verified_first.status_code == 202 and verified_first.json()["verified"] is True
    # The verified rating took no slot: the anonymous ones still have the whole cap.
    anonymous = [
        (await client.post("/ratings", json=body, headers=office)).status_code
        for _ in range(settings.ratings_per_client_per_point_per_day)
    ]
    assert anonymous == [202] * settings.ratings_per_client_per_point_per_day
    token, _ = visit_tokens.issue(service_point_id="P000001", visit_id="office-v2")
    fourth = await client.post("/ratings", json={**body, "visit_token": token}, headers=office)
    assert fourth.status_code == 202, fourth.text
    assert fourth.json()["verified"] is True
    assert len(store.daily_slots) == settings.ratings_per_client_per_point_per_day


async def test_the_client_is_the_last_forwarded_hop(client: AsyncClient, limiter, store) -> None:
    spoofed = {"X-Forwarded-For": "1.2.3.4, 10.9.8.7"}
    await client.post("/ratings", json={"service_point_id": "P000001", "score": 4}, headers=spoofed)
    again = {"X-Forwarded-For": "5.6.7.8, 10.9.8.7"}
    await client.post("/ratings", json={"service_point_id": "P000001", "score": 4}, headers=again)
    # Both took a slot of the same client's daily cap: the same client, whatever the client wrote.
    clients = {slot.split(":")[0] for slot in store.daily_slots}
    assert len(store.daily_slots) == 2 and len(clients) == 1
    assert not any("10.9.8.7" in key for key in [*limiter.counts(), *store.daily_slots])


@pytest.mark.parametrize(
    "body",
    [
        {**RATING, "verified": True},
        {**RATING, "score": 9},
        {**RATING, "comment": "x" * 1001},
        {**RATING, "aspects": {"parking": 3}},
        {**RATING, "aspects": {"waiting_time": 6}},
        {"score": 5},
    ],
    ids=[
        "unknown field",
        "score out of range",
        "comment too long",
        "unknown aspect",
        "aspect out of range",
        "no point",
    ],
)
async def test_bad_bodies_are_422_problems(client: AsyncClient, store, body: dict) -> None:
    response = await client.post("/ratings", json=body)
    assert _is_problem(response, 422)
    assert response.json()["errors"]
    assert store.ratings == {}


async def test_unparseable_json_is_a_400_problem(client: AsyncClient) -> None:
    response = await client.post("/ratings", content=b"score=5", headers={"content-type": "application/json"})
    assert _is_problem(response, 400)


async def test_a_rating_can_be_read_back(client: AsyncClient) -> None:
    accepted = (await client.post("/ratings", json=RATING)).json()
    response = await client.get(f"/ratings/{accepted['rating_id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["rating_id"] == accepted["rating_id"]
    assert body["verified"] is False
    assert body["comment"] == f"ยังขอสำเนาบัตรอยู่ โทรกลับ {PHONE_PLACEHOLDER}"
    assert body["comment_hidden"] is False and body["reply"] is None


async def test_a_points_ratings_are_listed_newest_first_with_hidden_comments_left_out(
    client: AsyncClient, admin_headers
) -> None:
    ids = []
    for n, address in enumerate(("203.0.113.20", "203.0.113.21", "203.0.113.22")):
        body = {**RATING, "score": n + 1}
        ids.append((await client.post("/ratings", json=body, headers={"X-Real-IP": address})).json()["rating_id"])
    await client.put(f"/ratings/{ids[0]}/moderation", json={"hidden": True, "reason": "สแปม"}, headers=admin_headers)
    other = await client.post("/ratings", json={**RATING, "service_point_id": "P000002", "service_id": None})
    assert other.status_code == 202

    listed = await client.get("/ratings", params={"service_point_id": RATING["service_point_id"], "limit": 2})
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 2 and all(item["service_point_id"] == RATING["service_point_id"] for item in items)
    assert items[0]["submitted_at"] >= items[1]["submitted_at"]
    everything = (await client.get("/ratings", params={"service_point_id": RATING["service_point_id"]})).json()
    hidden = next(item for item in everything["items"] if item["rating_id"] == ids[0])
    assert (hidden["comment"], hidden["hidden_reason"]) == (None, "สแปม")
    assert _is_problem(await client.get("/ratings", params={"service_point_id": "P404"}), 404)
    assert _is_problem(await client.get("/ratings"), 422)
    assert _is_problem(await client.get("/ratings", params={"service_point_id": "P000001", "limit": 101}), 422)


async def test_an_unknown_rating_is_a_404_problem(client: AsyncClient) -> None:
    assert _is_problem(await client.get("/ratings/no-such-rating"), 404)


async def test_an_admin_hides_and_shows_a_comment(client: AsyncClient, admin_headers, staff_headers) -> None:
    rating_id = (await client.post("/ratings", json=RATING)).json()["rating_id"]
    hide = {"hidden": True, "reason": "ถ้อยคำไม่สุภาพ"}
    assert _is_problem(await client.put(f"/ratings/{rating_id}/moderation", json=hide), 401)
    assert _is_problem(await client.put(f"/ratings/{rating_id}/moderation", json=hide, headers=staff_headers), 403)

    hidden = await client.put(f"/ratings/{rating_id}/moderation", json=hide, headers=admin_headers)
    assert hidden.status_code == 200
    public = (await client.get(f"/ratings/{rating_id}")).json()
    assert (public["comment"], public["comment_hidden"], public["hidden_reason"]) == (None, True, "ถ้อยคำไม่สุภาพ")

    shown = {"hidden": False, "reason": "ตรวจสอบแล้ว"}
    await client.put(f"/ratings/{rating_id}/moderation", json=shown, headers=admin_headers)
    public = (await client.get(f"/ratings/{rating_id}")).json()
    assert public["comment_hidden"] is False and public["comment"].startswith("ยังขอสำเนา")
    missing = await client.put("/ratings/nope/moderation", json=hide, headers=admin_headers)
    assert _is_problem(missing, 404)


async def test_staff_reply_once_to_ratings_of_their_own_points(client: AsyncClient, staff_headers) -> None:
    own = (await client.post("/ratings", json=RATING)).json()["rating_id"]
    other = (await client.post("/ratings", json={"service_point_id": "P000002", "score": 1})).json()["rating_id"]
    reply = {"text": "ขออภัย เราจะยกเลิกการขอสำเนา ติดต่อ 02-123-4567"}

    first = await client.post(f"/ratings/{own}/reply", json=reply, headers=staff_headers)
    assert first.status_code == 201
    assert first.json()["reply"]["text"] == f"ขออภัย เราจะยกเลิกการขอสำเนา ติดต่อ {PHONE_PLACEHOLDER}"
    assert _is_problem(await client.post(f"/ratings/{own}/reply", json=reply, headers=staff_headers), 409)
    assert _is_problem(await client.post(f"/ratings/{other}/reply", json=reply, headers=staff_headers), 403)
