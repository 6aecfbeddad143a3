import pytest
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.ratings import RatingSubmitted
from citizeninfo_shared.privacy import PHONE_PLACEHOLDER
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.topics import TopicName
from httpx import AsyncClient

RATING = {
    "service_point_id": "P000001",
    "service_id": "S00001",
    "score": 2,
    "asked_for_copy": True,
    "comment": "ยังขอสำเนาบัตรอยู่ โทรกลับ 089-123-4567",
}


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


async def test_an_anonymous_rating_is_accepted_stored_and_announced(client: AsyncClient, store, relay) -> None:
    response = await client.post("/ratings", json=RATING)

    assert response.status_code == 202
    body = response.json()
    assert body == {"rating_id": body["rating_id"], "verified": False}

    stored = store.ratings[body["rating_id"]]
    assert stored.comment == f"ยังขอสำเนาบัตรอยู่ โทรกลับ {PHONE_PLACEHOLDER}"
    assert (stored.score, stored.asked_for_copy, stored.service_id) == (2, True, "S00001")

    [entry] = store.events
    assert entry.topic == TopicName.RATINGS
    assert entry.key == "P000001"
    assert "089-123-4567" not in entry.value
    event = CloudEvent.from_json_bytes(entry.value)
    assert event.subject == "P000001"
    assert event.data_as(RatingSubmitted) == stored

    assert relay.notified == [("ratings", body["rating_id"])]


async def test_a_visit_token_cannot_be_verified_yet(client: AsyncClient, store, relay) -> None:
    response = await client.post("/ratings", json={**RATING, "visit_token": "t0k3n"})
    assert _is_problem(response, 422)
    assert response.json()["detail"] == "unknown or expired visit token"
    assert store.ratings == {}
    assert relay.notified == []


@pytest.mark.parametrize(
    "body",
    [
        {**RATING, "verified": True},
        {**RATING, "score": 9},
        {**RATING, "comment": "x" * 1001},
        {"score": 5},
    ],
    ids=["unknown field", "score out of range", "comment too long", "no point"],
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
    assert set(body) == {
        "rating_id",
        "service_point_id",
        "service_id",
        "score",
        "asked_for_copy",
        "comment",
        "verified",
        "submitted_at",
    }


async def test_an_unknown_rating_is_a_404_problem(client: AsyncClient) -> None:
    assert _is_problem(await client.get("/ratings/no-such-rating"), 404)
