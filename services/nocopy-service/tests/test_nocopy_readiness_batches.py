"""Many points' surveys in one request (`POST /readiness:batch`): the same rights, rules and events as
`PUT /service-points/{id}/readiness`, a result per item, idempotency keys and a clear limit."""

import json

import pytest
from citizeninfo_shared.topics import TopicName
from httpx import AsyncClient
from nocopy_service.api.readiness_batches import MAX_SURVEYS_PER_REQUEST, SurveyBatch, SurveyBatchItem
from nocopy_service.service_layer.answering import idempotent_answer_id
from pydantic import ValidationError

SURVEY = {
    "mou_with_dopa": True,
    "card_readers": 2,
    "services": [{"service_id": "S00001", "id_card_copy": "cancelled", "house_registration_copy": "cancelled"}],
    "obstacles": [{"kind": "budget", "detail": "โทร 081-234-5678"}],
}
IN_PROGRESS = {**SURVEY, "services": [{**SURVEY["services"][0], "id_card_copy": "in_progress"}]}


def _item(point_id: str, survey: dict = SURVEY, **extra) -> dict:
    return {"service_point_id": point_id, **survey, **extra}


async def _batch(client: AsyncClient, headers: dict, items: list[dict]):
    return await client.post("/readiness:batch", json={"items": items}, headers=headers)


def test_an_item_is_the_survey_body_with_a_point_id_and_an_optional_key():
    item = SurveyBatchItem.model_validate(_item("P000001", idempotency_key="k-1"))
    assert item.service_point_id == "P000001" and item.idempotency_key == "k-1" and item.card_readers == 2
    for bad in (
        _item("P000001", card_readers=-1),  # the survey's own rules
        {**_item("P000001"), "services": SURVEY["services"] * 2},  # a service twice
        _item("P 1"),
        _item("P000001", idempotency_key="has space"),
        _item("P000001", extra_field=1),
    ):
        with pytest.raises(ValidationError):
            SurveyBatchItem.model_validate(bad)
    SurveyBatch(items=[{}] * MAX_SURVEYS_PER_REQUEST)
    for size in (0, MAX_SURVEYS_PER_REQUEST + 1):
        with pytest.raises(ValidationError):
            SurveyBatch(items=[{}] * size)


async def test_a_mixed_batch_gets_a_result_per_item_and_an_event_per_stored_answer(
    client: AsyncClient, staff_headers, store, relay
) -> None:
    not_offered = {**SURVEY, "services": [{**SURVEY["services"][0], "service_id": "S09999"}]}
    response = await _batch(
        client,
        staff_headers,
        [
            _item("P000001", idempotency_key="a"),
            _item("P000001", idempotency_key="a"),  # the same again in the same request
            _item("P000002", card_readers="two"),
            _item("P404404"),
            _item("P900001"),  # another department's point
            _item("P000003", not_offered),
            _item("P000002", IN_PROGRESS),
        ],
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["answered"], report["repeated"], report["refused"]) == (2, 1, 4)
    first, again, bad, unknown, foreign, unoffered, last = report["items"]
    assert first["status"] == 200 and first["outcome"] == "answered"
    assert first["answer"]["answer_id"] == idempotent_answer_id("P000001", "a")
    assert first["answer"]["copy_status"] == "cancelled" and first["answer"]["mode"] == "online_and_on_card"
    assert again["outcome"] == "repeated" and again["answer"] == first["answer"]
    assert bad["status"] == 422 and bad["problem"]["errors"][0]["loc"][:4] == ["body", "items", 2, "card_readers"]
    assert unknown["status"] == 404 and unknown["problem"]["detail"] == "No service point 'P404404' in the catalogue."
    assert foreign["status"] == 403 and "their own department" in foreign["problem"]["detail"]
    assert unoffered["status"] == 422 and "S09999" in unoffered["problem"]["detail"]
    assert unoffered["problem"]["errors"][0]["loc"] == ["body", "items", 5, "services", 0, "service_id"]
    assert last["answer"]["copy_status"] == "in_progress"

    assert set(store.answers) == {"P000001", "P000002"}
    assert store.answers["P000001"].answered_by == "somsri"
    assert store.answers["P000001"].obstacles[0].detail != SURVEY["obstacles"][0]["detail"]  # redacted
    events = [json.loads(e.value) for e in store.events]
    assert [(e["subject"], e["data"]["answer_id"]) for e in events] == [
        ("P000001", first["answer"]["answer_id"]),
        ("P000002", last["answer"]["answer_id"]),
    ]
    assert {e.topic for e in store.events} == {str(TopicName.READINESS)}
    assert sorted(point for _, point in relay.notified) == ["P000001", "P000002"]


async def test_the_same_batch_again_stores_and_announces_nothing_new(client: AsyncClient, admin_headers, store) -> None:
    items = [_item(f"P00000{n}", idempotency_key=f"demo-{n}") for n in (1, 2, 3)]
    first = (await _batch(client, admin_headers, items)).json()
    assert first["answered"] == 3 and len(store.events) == 3
    second = (await _batch(client, admin_headers, items)).json()
    assert (second["answered"], second["repeated"], second["refused"]) == (0, 3, 0)
    assert [i["answer"] for i in second["items"]] == [i["answer"] for i in first["items"]]
    assert len(store.events) == 3 and store.previous == {}
    # The key of an earlier answer, now under a newer one, still finds its own answer.
    await _batch(client, admin_headers, [_item("P000001", IN_PROGRESS, idempotency_key="later")])
    old = (await _batch(client, admin_headers, items[:1])).json()["items"][0]
    assert old["outcome"] == "repeated" and old["answer"]["copy_status"] == "cancelled"
    assert store.answers["P000001"].copy_status == "in_progress"
    # The same key with other answers is refused, not taken for a repeat.
    reused = (await _batch(client, admin_headers, [_item("P000002", IN_PROGRESS, idempotency_key="demo-2")])).json()
    assert reused["items"][0]["status"] == 409 and "different answer" in reused["items"][0]["problem"]["detail"]
    assert store.answers["P000002"].copy_status == "cancelled"


async def test_a_point_answered_twice_in_a_batch_keeps_the_later_answer_and_its_history(
    client: AsyncClient, admin_headers, store
) -> None:
    report = (await _batch(client, admin_headers, [_item("P000001"), _item("P000001", IN_PROGRESS)])).json()
    assert [i["outcome"] for i in report["items"]] == ["answered", "answered"]
    assert store.answers["P000001"].copy_status == "in_progress"
    assert [a.copy_status for a in store.previous["P000001"]] == ["cancelled"]


async def test_a_lost_race_fails_only_its_item_with_409(client: AsyncClient, admin_headers, store) -> None:
    store.conflict = True
    report = (await _batch(client, admin_headers, [_item("P000001"), _item("P404404")])).json()
    assert [i["status"] for i in report["items"]] == [409, 404]
    assert "send it again" in report["items"][0]["problem"]["detail"]


async def test_anonymous_callers_and_oversized_batches_are_refused_whole(client: AsyncClient, admin_headers, store):
    assert (await client.post("/readiness:batch", json={"items": [_item("P000001")]})).status_code == 401
    too_many = await _batch(client, admin_headers, [_item("P000001")] * (MAX_SURVEYS_PER_REQUEST + 1))
    assert too_many.status_code == 422 and too_many.headers["content-type"].startswith("application/problem+json")
    assert str(MAX_SURVEYS_PER_REQUEST) in too_many.json()["errors"][0]["msg"]
    assert store.answers == {}
