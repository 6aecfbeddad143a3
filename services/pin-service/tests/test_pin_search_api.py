"""The search route turns the citizen's words into the engine's query and says how it read them."""

from .conftest import PinWorld


async def test_a_service_and_a_province_become_a_phrase_and_an_area_filter(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/service-points", params={"q": "ทำบัตรประชาชน เชียงใหม่", "limit": 20})
    assert answer.status_code == 200
    body = answer.json()
    assert body["query"]["services"] == ["id_card"]
    assert body["query"]["places"][0]["code"] == "50"
    assert (body["total"], body["total_relation"], body["offset"]) == (0, "eq", 0)
    query = pin.app.state.elasticsearch.searches[0]["query"]["bool"]
    assert {"terms": {"province_code": ["50"]}} in query["filter"]
    [service] = query["must"]
    phrases = [s["match_phrase"]["search_text"]["query"] for s in service["bool"]["should"] if "match_phrase" in s]
    assert phrases == ["บัตรประจำตัวประชาชน"]


async def test_near_me_keeps_the_words_and_limits_the_radius(pin: PinWorld):
    params = {"q": "ID card", "lat": 18.79, "lon": 98.98, "radius_m": 50_000}
    async with pin.client() as client:
        answer = await client.get("/service-points", params=params)
    assert answer.status_code == 200
    request = pin.app.state.elasticsearch.searches[0]
    assert request["query"]["bool"]["must"], "the words still count near me"
    assert any("geo_distance" in f for f in request["query"]["bool"]["filter"])
    assert "_geo_distance" in request["sort"][0]


async def test_a_radius_without_a_place_is_refused(pin: PinWorld):
    async with pin.client() as client:
        answer = await client.get("/service-points", params={"radius_m": 1000})
    assert answer.status_code == 422
    assert pin.app.state.elasticsearch.searches == []
