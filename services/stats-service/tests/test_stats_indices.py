"""The read-model indices: names and explicit mappings; the worker's broker URLs."""

from stats_service.adapters.indices import MAPPINGS, StatsIndices
from stats_service.domain.projections import ReadModel
from stats_service.worker.app import kafka_broker_urls


def properties(read_model: ReadModel) -> dict:
    return MAPPINGS[read_model]["properties"]


def test_index_names_carry_the_prefix():
    indices = StatsIndices("citizeninfo")

    assert indices.service_points == "citizeninfo-service-points"
    assert indices.ratings == "citizeninfo-ratings"


def test_ids_are_keywords_locations_geo_points_times_dates_and_scores_integers():
    points = properties(ReadModel.SERVICE_POINTS)
    ratings = properties(ReadModel.RATINGS)

    for field in ("service_point_id", "department_id", "ministry_id", "province_code", "copy_status"):
        assert points[field]["type"] == "keyword"
    assert points["location"]["type"] == "geo_point"
    assert points["catalogue_event_time"]["type"] == "date"
    assert ratings["rating_id"]["type"] == "keyword"
    assert ratings["score"]["type"] == "integer"
    assert ratings["submitted_at"]["type"] == "date"


def test_nothing_is_mapped_by_guessing():
    assert all(mapping["dynamic"] is False for mapping in MAPPINGS.values())


def test_each_bootstrap_server_becomes_a_faust_broker_url():
    assert kafka_broker_urls("127.0.0.1:9092") == ["kafka://127.0.0.1:9092"]
    assert kafka_broker_urls("k1:9092, k2:9092") == ["kafka://k1:9092", "kafka://k2:9092"]
