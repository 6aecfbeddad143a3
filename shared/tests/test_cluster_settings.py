"""Settings that let one build run on one node or on a cluster (Elasticsearch nodes, replica counts)."""

import pytest
from citizeninfo_shared.settings import ServiceSettings
from pydantic import ValidationError


def test_one_elasticsearch_url_is_one_host() -> None:
    assert ServiceSettings().elasticsearch_hosts == ["http://127.0.0.1:9200"]


def test_a_cluster_lists_its_nodes_separated_by_commas() -> None:
    settings = ServiceSettings(elasticsearch_url="http://127.0.0.1:9200, http://127.0.0.1:9201,,http://127.0.0.1:9202")
    assert settings.elasticsearch_hosts == ["http://127.0.0.1:9200", "http://127.0.0.1:9201", "http://127.0.0.1:9202"]


def test_replica_counts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITIZENINFO_ELASTICSEARCH_NUMBER_OF_REPLICAS", "1")
    assert ServiceSettings().elasticsearch_number_of_replicas == 1
    monkeypatch.setenv("CITIZENINFO_ELASTICSEARCH_NUMBER_OF_REPLICAS", "-1")
    with pytest.raises(ValidationError):
        ServiceSettings()
