"""Elasticsearch 8.19 indexes service points as geo_points and answers nearby queries in order.

Why a cluster of its own: a fresh single node of the Elasticsearch image compose runs here, with
docker-compose.yml's settings as they are (security on: the `elastic` user's password), so the test
proves that image and those settings, with no index, template or mapping of any other test or service
in the way; the native stack's Elasticsearch is used by every service-level test anyway.
"""

import uuid

import pytest
from elasticsearch import AsyncElasticsearch, AuthenticationException, NotFoundError

from tests.integration import throwaway
from tests.integration.throwaway import ThrowawayElasticsearch

pytestmark = pytest.mark.integration
# The throw-away fixture, found by pytest under this name.
throwaway_elasticsearch = throwaway.throwaway_elasticsearch


async def test_a_request_without_the_password_is_refused(throwaway_elasticsearch: ThrowawayElasticsearch):
    anonymous = AsyncElasticsearch(throwaway_elasticsearch.anonymous_url)
    try:
        with pytest.raises(AuthenticationException):
            await anonymous.cluster.health()
    finally:
        await anonymous.close()


async def test_index_and_geo_distance_query(throwaway_elasticsearch: ThrowawayElasticsearch):
    client = AsyncElasticsearch(throwaway_elasticsearch.url)
    index = f"citizeninfo-test-{uuid.uuid4().hex[:10]}"
    try:
        # This distribution has no `GET /` handler; the nodes API says the version.
        nodes = (await client.nodes.info(metric="_none"))["nodes"]
        assert all(node["version"].startswith("8.19") for node in nodes.values())
        await client.indices.create(
            index=index,
            mappings={"properties": {"name_th": {"type": "text"}, "location": {"type": "geo_point"}}},
        )
        points = {
            "P-near": (13.7563, 100.5018),  # Bangkok city hall area
            "P-mid": (13.80, 100.55),
            "P-far": (18.7883, 98.9853),  # Chiang Mai
        }
        for point_id, (lat, lon) in points.items():
            await client.index(
                index=index, id=point_id, document={"name_th": "สำนักงานเขต", "location": {"lat": lat, "lon": lon}}
            )
        # The same id again replaces, never duplicates: what idempotent writers rely on.
        await client.index(
            index=index,
            id="P-near",
            document={"name_th": "สำนักงานเขตพระนคร", "location": {"lat": 13.7563, "lon": 100.5018}},
        )
        await client.indices.refresh(index=index)
        assert (await client.count(index=index))["count"] == 3
        result = await client.search(
            index=index,
            query={"geo_distance": {"distance": "20km", "location": {"lat": 13.75, "lon": 100.50}}},
            sort=[{"_geo_distance": {"location": {"lat": 13.75, "lon": 100.50}, "order": "asc", "unit": "m"}}],
        )
        hits = result["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["P-near", "P-mid"]
        assert hits[0]["sort"][0] < hits[1]["sort"][0]
    finally:
        try:
            await client.indices.delete(index=index)
        except NotFoundError:
            pass
        await client.close()
