"""deploy/k8s against the operators: every custom resource of both overlays as `kustomize build` renders it,
validated against the openAPIV3Schema of its operator's own CRD (pinned versions, fetched once into
~/.cache/citizeninfo/crds by deploy/fetch_crds.py), and the topic replication the production overlay sets."""

import copy

import citizeninfo_shared.kafka as kafka_module
import pytest
import yaml
from citizeninfo_shared.kafka import ensure_topics
from citizeninfo_shared.settings import KafkaSettings
from citizeninfo_shared.topics import TOPICS, TopicReplication
from crd_validation import CrdValidator, fetch_crds, json_schema, served_versions
from deploy_support import COMPOSE_FILE, K8S_BASE, STATS_WORKER, image_reference
from test_deploy_k8s import OPERATOR_KINDS, of_kind, pod_spec

KEDA_KINDS = {(api_version, kind) for api_version, kind in OPERATOR_KINDS if api_version.startswith("keda.sh/")}
TOPICS_JOB = "kafka-topics"


@pytest.fixture(scope="module")
def crd_validator() -> CrdValidator:
    # A no-op once `make crds` (a step of `make test-unit`) has fetched them.
    return CrdValidator(served_versions(fetch_crds.ensure_crds(fetch_crds.default_cache())))


def custom_resources(documents: list[dict]) -> list[dict]:
    return [d for d in documents if (d["apiVersion"], d["kind"]) in OPERATOR_KINDS]


def base_resource(kind: str, name: str) -> dict:
    for path in K8S_BASE.glob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            if document and document.get("kind") == kind and document["metadata"]["name"] == name:
                return copy.deepcopy(document)
    raise LookupError(f"{kind}/{name} is not in deploy/k8s/base")


# --- every custom resource against its CRD -------------------------------------------------------------


def test_every_operator_kind_is_served_by_a_pinned_crd(crd_validator: CrdValidator) -> None:
    assert OPERATOR_KINDS <= set(crd_validator.served), sorted(OPERATOR_KINDS - set(crd_validator.served))
    sources = {crd_validator.served[key].source for key in OPERATOR_KINDS}
    assert sources == {d.name for d in fetch_crds.crd_directories(fetch_crds.default_cache())}, "each source used"


def test_custom_resources_match_their_operators_crds(
    overlay: str, k8s_rendered: dict[str, list[dict]], crd_validator: CrdValidator
) -> None:
    resources = custom_resources(k8s_rendered[overlay])
    validated = {(d["apiVersion"], d["kind"]) for d in resources}
    # KEDA scales the worker in production only.
    assert validated == (OPERATOR_KINDS if overlay == "production" else OPERATOR_KINDS - KEDA_KINDS)
    refused = {f"{d['kind']}/{d['metadata']['name']}": errors for d in resources if (errors := crd_validator.errors(d))}
    assert not refused, f"overlays/{overlay}: refused by the operators' CRDs: {refused}"


def test_a_field_only_v1beta2_had_is_refused(crd_validator: CrdValidator) -> None:
    user = base_resource("KafkaUser", "pin-service")
    assert crd_validator.errors(user) == []
    acl = user["spec"]["authorization"]["acls"][0]
    acl["operation"] = acl.pop("operations")[0]  # v1beta2's single operation; v1 has only `operations`
    errors = crd_validator.errors(user)
    assert any("'operation' was unexpected" in e for e in errors), errors
    assert any("'operations' is a required property" in e for e in errors), errors


def test_an_api_version_strimzi_no_longer_serves_is_refused(crd_validator: CrdValidator) -> None:
    kafka = base_resource("Kafka", "citizeninfo")
    kafka["apiVersion"] = "kafka.strimzi.io/v1beta2"
    assert crd_validator.errors(kafka) == [
        "Kafka is not served as kafka.strimzi.io/v1beta2 (served: ['kafka.strimzi.io/v1'])"
    ]
    kafka["apiVersion"] = "kafka.strimzi.io/v1"
    kafka["spec"]["zookeeper"] = {"replicas": 3}  # removed with ZooKeeper, before v1
    assert any("'zookeeper' was unexpected" in e for e in crd_validator.errors(kafka))


@pytest.mark.parametrize(
    ("kind", "name", "path"),
    [
        ("Kafka", "citizeninfo", ["spec", "entityOperator"]),
        ("KafkaNodePool", "brokers", ["spec"]),
        ("Elasticsearch", "citizeninfo", ["spec", "http"]),
        ("MongoDBCommunity", "citizeninfo-mongodb", ["spec", "security"]),
    ],
)
def test_a_misspelled_property_is_refused(crd_validator: CrdValidator, kind: str, name: str, path: list[str]) -> None:
    resource = base_resource(kind, name)
    assert crd_validator.errors(resource) == []
    target = resource
    for key in path:
        target = target[key]
    target["replicaz"] = 3
    errors = crd_validator.errors(resource)
    assert errors == [f"{'.'.join(path)}: Additional properties are not allowed ('replicaz' was unexpected)"]


def test_a_wrong_type_in_the_production_scaler_is_refused(
    k8s_rendered: dict[str, list[dict]], crd_validator: CrdValidator
) -> None:
    scaler = copy.deepcopy(of_kind(k8s_rendered["production"], "ScaledObject")[STATS_WORKER])
    scaler["spec"]["minReplicaCount"] = "two"
    assert crd_validator.errors(scaler) == ["spec.minReplicaCount: 'two' is not of type 'integer'"]


def test_kubernetes_schema_extensions_mean_what_kubernetes_means() -> None:
    import jsonschema

    schema = json_schema(
        {
            "type": "object",
            "properties": {
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "closed": {"type": "object", "properties": {"a": {"type": "integer"}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    )
    validator = jsonschema.Draft4Validator(schema)

    def accepts(value: dict) -> bool:
        return validator.is_valid(value)

    assert accepts({"port": 8080}) and accepts({"port": "http"})
    assert not accepts({"port": 1.5}) and not accepts({"port": True})
    assert accepts({"note": None}) and accepts({"note": "x"}) and not accepts({"note": 1})
    assert accepts({"free": {"anything": {"goes": 1}}})
    assert accepts({"closed": {"a": 1}}) and not accepts({"closed": {"b": 1}})
    assert accepts({"labels": {"a": "b"}}) and not accepts({"labels": {"a": 1}})
    assert not accepts({"unknown": 1})


# --- topic replication -----------------------------------------------------------------------------------


def container_environment(documents: list[dict], kind: str, name: str) -> dict[str, str]:
    """The plain environment of a workload's container: its ConfigMaps, then its literal values."""
    config_maps = of_kind(documents, "ConfigMap")
    (container,) = pod_spec(of_kind(documents, kind)[name])["containers"]
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        environment.update(config_maps[source["configMapRef"]["name"]]["data"])
    environment.update({v["name"]: v["value"] for v in container.get("env", []) if "value" in v})
    return environment


def kafka_settings(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> KafkaSettings:
    """KafkaSettings as the pod reads them (its password, from a Secret, replaced by a stand-in)."""
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("CITIZENINFO_KAFKA_PASSWORD", "stand-in-for-the-secret")
    return KafkaSettings()


def broker_count(documents: list[dict]) -> int:
    pools = of_kind(documents, "KafkaNodePool").values()
    return sum(pool["spec"]["replicas"] for pool in pools if "broker" in pool["spec"]["roles"])


class RecordingAdmin:
    """A Kafka with no topics yet: records what ensure_topics creates."""

    def __init__(self) -> None:
        self.new_topics: list = []

    def list_topics(self) -> list[str]:
        return []

    def create_topics(self, new_topics: list) -> None:
        self.new_topics += new_topics

    def close(self) -> None:
        pass


def test_production_topics_are_replicated_three_times_with_two_in_sync(
    k8s_rendered: dict[str, list[dict]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from stats_service.worker.app import internal_topic_options

    documents = k8s_rendered["production"]
    job = kafka_settings(container_environment(documents, "Job", TOPICS_JOB), monkeypatch)
    assert job.environment == "production"
    assert job.topic_replication == TopicReplication(factor=3, min_insync_replicas=2)
    # What the topics Job would create on an empty cluster with these settings.
    admin = RecordingAdmin()
    monkeypatch.setattr(kafka_module, "create_admin", lambda *args, **kwargs: admin)
    assert len(ensure_topics(job.kafka_bootstrap_servers, security=job)) == len(TOPICS)
    assert {(t.replication_factor, t.topic_configs["min.insync.replicas"]) for t in admin.new_topics} == {(3, "2")}
    # The stats worker's own topics (changelogs, repartitions) alike.
    worker = kafka_settings(container_environment(documents, "Deployment", STATS_WORKER), monkeypatch)
    assert worker.topic_replication == job.topic_replication
    assert internal_topic_options(worker) == {"topic_replication_factor": 3}


def test_replication_fits_the_strimzi_cluster(
    overlay: str, k8s_rendered: dict[str, list[dict]], monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = k8s_rendered[overlay]
    replication = kafka_settings(container_environment(documents, "Job", TOPICS_JOB), monkeypatch).topic_replication
    config = of_kind(documents, "Kafka")["citizeninfo"]["spec"]["kafka"]["config"]
    assert replication.min_insync_replicas <= replication.factor <= broker_count(documents)
    # The broker defaults hold for topics made without their own settings, and the internal topics too.
    assert config["min.insync.replicas"] <= config["default.replication.factor"] <= broker_count(documents)
    assert config["transaction.state.log.min.isr"] <= config["transaction.state.log.replication.factor"]
    assert config["offsets.topic.replication.factor"] <= broker_count(documents)
    if overlay == "production":
        assert config["min.insync.replicas"] <= replication.factor
        assert replication.min_insync_replicas >= 2, "production survives the loss of a broker without losing writes"


def test_the_cluster_runs_the_kafka_version_compose_runs(k8s_rendered: dict[str, list[dict]]) -> None:
    compose_kafka = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["kafka"]["image"]
    _, compose_version = image_reference(compose_kafka)
    for documents in k8s_rendered.values():
        assert of_kind(documents, "Kafka")["citizeninfo"]["spec"]["kafka"]["version"] == compose_version
