"""GET /overview: the query it sends, how it reads the answer, and the route's shape and errors."""

from datetime import UTC, datetime

import httpx
import pytest
from elasticsearch import ConnectionError as ElasticsearchConnectionError
from stats_service.adapters.overview_reader import (
    Overview,
    latest_event_time,
    progress_from_response,
    progress_search_body,
    ratings_search_body,
    total_hits,
)
from stats_service.api.deps import get_overview_reader
from stats_service.domain.progress import ProgressCounts
from stats_service.main import create_app


def test_only_listed_points_are_counted_and_copy_columns_need_a_survey():
    body = progress_search_body()

    assert body["size"] == 0
    assert body["track_total_hits"] is True
    assert body["query"] == {"bool": {"filter": [{"term": {"listed": True}}]}}
    filters = body["aggs"]["progress"]["filters"]["filters"]
    assert filters["pinned"] == {"term": {"pinned": True}}
    assert filters["surveyed"] == {"term": {"surveyed": True}}
    for column, status in (("copy_cancelled", "cancelled"), ("copy_in_progress", "in_progress")):
        assert filters[column] == {
            "bool": {"filter": [{"term": {"surveyed": True}}, {"term": {"copy_status": status}}]}
        }


def test_ratings_are_counted_exactly():
    assert ratings_search_body()["track_total_hits"] is True
    assert ratings_search_body()["size"] == 0


def test_an_aggregation_answer_becomes_progress_counts():
    response = {
        "hits": {"total": {"value": 77963, "relation": "eq"}},
        "aggregations": {
            "progress": {
                "buckets": {
                    "pinned": {"doc_count": 39250},
                    "surveyed": {"doc_count": 29971},
                    "copy_cancelled": {"doc_count": 1200},
                    "copy_in_progress": {"doc_count": 800},
                }
            },
            "last_event_time": {"value": 1534411800000.0, "value_as_string": "2018-08-16T09:30:00.000Z"},
        },
    }

    counts = progress_from_response(response)

    assert counts == ProgressCounts(77963, 39250, 29971, 1200, 800)
    assert (counts.not_pinned, counts.not_surveyed, counts.copy_not_cancelled) == (38713, 47992, 76763)
    assert latest_event_time(response) == datetime(2018, 8, 16, 9, 30, tzinfo=UTC)


def test_an_answer_from_no_index_at_all_reads_as_zero():
    # What Elasticsearch answers with ignore_unavailable when the index does not exist yet.
    response = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}

    assert progress_from_response(response) == ProgressCounts()
    assert total_hits(response) == 0
    assert latest_event_time(response) is None


class FixedReader:
    def __init__(self, result: Overview | Exception) -> None:
        self.result = result

    async def overview(self) -> Overview:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def client_with(reader: FixedReader) -> httpx.AsyncClient:
    app = create_app()
    app.dependency_overrides[get_overview_reader] = lambda: reader
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://stats")


async def test_the_overview_lists_every_contract_field():
    reader = FixedReader(
        Overview(
            progress=ProgressCounts(10, 6, 5, 2, 1),
            ratings=42,
            last_event_time=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        )
    )
    async with client_with(reader) as client:
        response = await client.get("/overview")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("service_points", "pinned", "surveyed", "copy_cancelled")} == {
        "service_points": 10,
        "pinned": 6,
        "surveyed": 5,
        "copy_cancelled": 2,
    }
    assert (body["copy_in_progress"], body["ratings"]) == (1, 42)
    assert body["last_event_time"] == "2026-01-05T08:00:00Z"
    assert datetime.fromisoformat(body["as_of"]) <= datetime.now(UTC)


async def test_an_unreachable_elasticsearch_is_a_503_problem_not_a_500():
    async with client_with(FixedReader(ElasticsearchConnectionError("refused"))) as client:
        response = await client.get("/overview")

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 503


@pytest.mark.parametrize("path", ["/healthz", "/openapi.json"])
async def test_the_standard_routes_are_there(path):
    async with client_with(FixedReader(ElasticsearchConnectionError("unused"))) as client:
        assert (await client.get(path)).status_code == 200
