from datetime import datetime

import pytest
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.privacy import EMAIL_PLACEHOLDER
from citizeninfo_shared.problems import PROBLEM_JSON
from citizeninfo_shared.topics import TopicName
from httpx import AsyncClient

URL = "/service-points/P000001/readiness"
SURVEY = {
    "mou_with_dopa": False,
    "card_readers": 1,
    "services": [
        {"service_id": "S00001", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"},
        {"service_id": "S00002", "id_card_copy": "in_progress", "house_registration_copy": "cancelled"},
    ],
    "obstacles": [{"kind": "personnel", "detail": "ถาม somchai@example.go.th"}],
    "planned_cancel_date": "2019-03-01",
}


def _is_problem(response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == PROBLEM_JSON


async def test_answering_needs_a_bearer_token(client: AsyncClient, store) -> None:
    response = await client.put(URL, json=SURVEY)
    assert _is_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert store.answers == {}


async def test_a_forged_token_is_refused(client: AsyncClient) -> None:
    response = await client.put(URL, json=SURVEY, headers={"Authorization": "Bearer not.a.jwt"})
    assert _is_problem(response, 401)


async def test_staff_answer_for_a_point_of_their_department(client: AsyncClient, staff_headers, store) -> None:
    response = await client.put(URL, json=SURVEY, headers=staff_headers)
    assert response.status_code == 200
    assert store.answers["P000001"].answered_by == "somsri"


async def test_staff_of_another_department_get_a_403_problem(client: AsyncClient, staff_headers, store, relay) -> None:
    response = await client.put("/service-points/P900001/readiness", json=SURVEY, headers=staff_headers)
    assert _is_problem(response, 403)
    assert response.json()["title_th"]
    assert store.answers == {}
    assert relay.notified == []


async def test_a_point_missing_from_the_catalogue_is_a_404_problem(client: AsyncClient, admin_headers, store) -> None:
    response = await client.put("/service-points/P404404/readiness", json=SURVEY, headers=admin_headers)
    assert _is_problem(response, 404)
    assert "P404404" in response.json()["detail"]
    assert store.answers == {}


async def test_a_service_the_point_does_not_offer_is_a_422_problem(client: AsyncClient, admin_headers, store) -> None:
    body = {
        **SURVEY,
        "services": [
            *SURVEY["services"],
            {"service_id": "S77777", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"},
        ],
    }
    response = await client.put(URL, json=body, headers=admin_headers)
    assert _is_problem(response, 422)
    assert "S77777" in response.json()["detail"]
    assert response.json()["errors"] == [
        {
            "loc": ["body", "services", 2, "service_id"],
            "msg": "service S77777 is not offered at this service point",
            "type": "service_not_offered",
        }
    ]
    assert store.answers == {}


@pytest.mark.parametrize(
    "body",
    [
        {**SURVEY, "answered_by": "someone-else"},
        {**SURVEY, "card_readers": -1},
        {**SURVEY, "obstacles": [{"kind": "other", "detail": "x" * 1001}]},
        {"mou_with_dopa": True},
    ],
    ids=["unknown field", "negative readers", "detail too long", "missing fields"],
)
async def test_bad_bodies_are_422_problems(client: AsyncClient, admin_headers, store, body: dict) -> None:
    response = await client.put(URL, json=body, headers=admin_headers)
    assert _is_problem(response, 422)
    assert response.json()["errors"]
    assert store.answers == {}


async def test_unparseable_json_is_a_400_problem(client: AsyncClient, admin_headers) -> None:
    response = await client.put(
        URL, content=b"{not json", headers={**admin_headers, "content-type": "application/json"}
    )
    assert _is_problem(response, 400)


async def test_a_malformed_point_id_is_a_422_problem(client: AsyncClient, admin_headers) -> None:
    response = await client.put("/service-points/P 1;drop/readiness", json=SURVEY, headers=admin_headers)
    assert _is_problem(response, 422)


async def test_admin_answer_is_stored_with_its_event_and_the_relay_is_told(
    client: AsyncClient, admin_headers, store, relay
) -> None:
    response = await client.put(URL, json=SURVEY, headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["service_point_id"] == "P000001"
    assert body["copy_status"] == "in_progress"
    assert body["mode"] == "on_card"
    assert body["planned_cancel_date"] == "2019-03-01"
    assert body["obstacles"] == [{"kind": "personnel", "detail": f"ถาม {EMAIL_PLACEHOLDER}"}]
    assert "answered_by" not in body
    assert datetime.fromisoformat(body["answered_at"]).microsecond % 1000 == 0

    stored = store.answers["P000001"]
    assert stored.answer_id == body["answer_id"]
    assert stored.answered_by == "admin"

    [entry] = store.events
    assert entry.topic == TopicName.READINESS
    assert entry.key == "P000001"
    event = CloudEvent.from_json_bytes(entry.value)
    published = event.data_as(ReadinessAnswered)
    assert event.subject == "P000001"
    assert event.source == "/citizeninfo/nocopy-service/readiness"
    assert published == stored
    assert (published.department_id, published.ministry_id, published.province_code) == ("D0702", "M07", "10")
    assert "somchai@example.go.th" not in entry.value

    assert relay.notified == [("readiness", "P000001")]


async def test_a_new_answer_replaces_the_current_one(client: AsyncClient, admin_headers) -> None:
    first = await client.put(URL, json=SURVEY, headers=admin_headers)
    all_cancelled = {
        **SURVEY,
        "mou_with_dopa": True,
        "services": [{"service_id": "S00001", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"}],
    }
    second = await client.put(URL, json=all_cancelled, headers=admin_headers)

    current = await client.get(URL)
    assert current.status_code == 200
    assert current.json()["answer_id"] == second.json()["answer_id"] != first.json()["answer_id"]
    assert current.json()["copy_status"] == "cancelled"
    assert current.json()["mode"] == "online_and_on_card"


async def test_reading_an_answer_is_public(client: AsyncClient, admin_headers) -> None:
    answered = await client.put(URL, json=SURVEY, headers=admin_headers)
    response = await client.get(URL)
    assert response.status_code == 200
    assert response.json() == answered.json()


async def test_a_point_without_an_answer_is_a_404_problem(client: AsyncClient) -> None:
    response = await client.get("/service-points/P999999/readiness")
    assert _is_problem(response, 404)
    assert "P999999" in response.json()["detail"]


async def test_losing_every_concurrent_retry_is_a_409_problem(client: AsyncClient, admin_headers, store, relay) -> None:
    store.conflict = True
    response = await client.put(URL, json=SURVEY, headers=admin_headers)
    assert _is_problem(response, 409)
    assert relay.notified == []


async def test_the_app_still_answers_health_checks(client: AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_history_keeps_every_answer_newest_first(client: AsyncClient, admin_headers, staff_headers) -> None:
    first = await client.put(URL, json=SURVEY, headers=admin_headers)
    second = await client.put(URL, json={**SURVEY, "card_readers": 0}, headers=staff_headers)

    response = await client.get(f"{URL}/history", headers=staff_headers)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["answer_id"] for i in items] == [second.json()["answer_id"], first.json()["answer_id"]]
    assert [i["answered_by"] for i in items] == ["somsri", "admin"]
    assert [i["mode"] for i in items] == ["needs_reader", "on_card"]
    # the current answer is the newest entry and the one counted
    assert (await client.get(URL)).json()["answer_id"] == items[0]["answer_id"]


async def test_history_of_a_point_never_answered_is_empty(client: AsyncClient, admin_headers) -> None:
    response = await client.get(f"{URL}/history", headers=admin_headers)
    assert response.status_code == 200
    assert response.json() == {"service_point_id": "P000001", "items": []}


async def test_history_is_for_the_points_department_only(client: AsyncClient, staff_headers) -> None:
    assert _is_problem(await client.get("/service-points/P900001/readiness/history", headers=staff_headers), 403)
    assert _is_problem(await client.get(f"{URL}/history"), 401)
    assert _is_problem(await client.get("/service-points/P404404/readiness/history", headers=staff_headers), 404)
