"""deploy/k8s: the kustomize base read file by file, and both overlays as `kustomize build` renders
them, validated against the Kubernetes API schemas (kubernetes-validate, strict)."""

import re
from collections.abc import Iterable
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from citizeninfo_shared.topics import TOPICS
from deploy_support import (
    APP_ENVIRONMENT,
    APP_UID,
    COMPLAINT_SYSTEM_USER,
    DATA_STORE_PORTS,
    ELASTICSEARCH_PORT,
    GATEWAY_PORT,
    GATEWAY_ROUTES,
    K8S_BASE,
    K8S_DIR,
    K8S_OVERLAYS,
    KAFKA_PORT,
    KAFKA_USERS,
    MONGODB_PORT,
    REPO,
    SERVICE_DATABASES,
    SERVICE_PORTS,
    STATS_WORKER,
    STATS_WORKER_COMMAND,
    STATS_WORKER_PORT,
    TOPICS_COMMAND,
    expected_kafka_acls,
    image_reference,
    kafka_user_acls,
    labels_match,
    quantity,
)

# The oldest Kubernetes these manifests are meant for.
KUBERNETES_VERSION = "1.30.0"
GATEWAY = "gateway"
DEPLOYMENTS = {*SERVICE_PORTS, STATS_WORKER, GATEWAY}
SECRET_KEYS = {
    "mongodb-url", "elasticsearch-url", "jwt-secret", "visit-token-secret", "identity-hmac-key", "admin-password",
    "secrets-at-rest-keys", "secrets-at-rest-key-id",
}  # fmt: skip
# Secrets the data stores' operators read: the MongoDB user's password, the Elasticsearch file realm user.
OPERATOR_SECRETS = {"citizeninfo-mongodb-password", "citizeninfo-es-app-user"}
# Not secret (a role definition), generated in the base because ECK reads roles only from a Secret.
ROLE_SECRETS = {"citizeninfo-es-roles"}
# Custom resources of the operators the cluster runs; kubernetes-validate has no schemas for them.
OPERATOR_KINDS = {
    ("kafka.strimzi.io/v1", "Kafka"),
    ("kafka.strimzi.io/v1", "KafkaNodePool"),
    ("kafka.strimzi.io/v1", "KafkaUser"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("elasticsearch.k8s.elastic.co/v1", "Elasticsearch"),
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"),
    ("keda.sh/v1alpha1", "ScaledObject"),
}


def of_kind(documents: Iterable[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def generated_config_maps(kustomization: dict) -> dict[str, dict[str, str]]:
    maps = {}
    for generator in kustomization.get("configMapGenerator", []):
        maps[generator["name"]] = dict(literal.split("=", 1) for literal in generator.get("literals", []))
    return maps


# --- checks shared by the base and the rendered overlays -------------------------------------------


def check_workload_is_hardened(name: str, workload: dict) -> None:
    spec = pod_spec(workload)
    pod_security = spec.get("securityContext", {})
    assert pod_security.get("runAsNonRoot") is True, f"{name}: pod runAsNonRoot"
    assert pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: pod seccomp"
    assert spec.get("automountServiceAccountToken") is False, f"{name}: no API token in the pod"
    volumes = {v["name"] for v in spec.get("volumes", [])}
    for container in spec["containers"]:
        where = f"{name}/{container['name']}"
        security = container.get("securityContext", {})
        assert security.get("runAsNonRoot") is True, f"{where}: runAsNonRoot"
        assert security.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
        assert security.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
        assert "ALL" in security.get("capabilities", {}).get("drop", []), f"{where}: drop ALL capabilities"
        assert security.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: seccomp"
        assert "privileged" not in security or security["privileged"] is False
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{where}: a writable /tmp on a read-only root"  # noqa: S108
        assert set(mounts.values()) <= volumes, f"{where} mounts volumes the pod does not declare"


def check_resources(name: str, workload: dict) -> None:
    for container in pod_spec(workload)["containers"]:
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            assert request is not None and limit is not None, f"{name}: {resource} request and limit"
            assert quantity(request) <= quantity(limit), f"{name}: {resource} request above its limit"


def check_probes(name: str, workload: dict) -> None:
    (container,) = pod_spec(workload)["containers"]
    ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
    expected = {"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"}
    if name == STATS_WORKER:
        # Faust's web server has no /healthz or /readyz; its "/" answers once the worker runs.
        expected = dict.fromkeys(expected, "/")
    for probe, path in expected.items():
        assert probe in container, f"{name}: no {probe}"
        http_get = container[probe]["httpGet"]
        assert http_get["path"] == path, f"{name}: {probe} asks {http_get['path']}, not {path}"
        port = http_get["port"]
        assert port in ports or port in ports.values(), f"{name}: {probe} port {port} is not a container port"


def check_images(documents: list[dict], allow_tags: set[str] | None = None) -> None:
    for kind in ("Deployment", "Job"):
        for name, workload in of_kind(documents, kind).items():
            for container in pod_spec(workload)["containers"]:
                _, tag = image_reference(container["image"])
                assert tag and tag != "latest", f"{name}: image {container['image']} needs a pinned tag"
                if allow_tags is not None and container["image"].startswith("citizeninfo/"):
                    assert tag in allow_tags, f"{name}: {container['image']}"


def check_schemas(documents: list[dict]) -> None:
    for document in documents:
        if (document["apiVersion"], document["kind"]) in OPERATOR_KINDS:
            continue  # checked by test_data_stores_come_from_their_operators
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{document['kind']}/{document['metadata']['name']}: {error.message} at {list(error.path)}")


# --- the base, file by file ------------------------------------------------------------------------


def test_base_lists_only_files_that_exist(k8s_base_kustomization: dict) -> None:
    for resource in k8s_base_kustomization["resources"]:
        path = K8S_BASE / resource
        assert path.is_file() or (path / "kustomization.yaml").is_file(), resource
    for generator in k8s_base_kustomization["configMapGenerator"]:
        for file in generator.get("files", []):
            assert (K8S_BASE / file).is_file(), file
    listed = set(k8s_base_kustomization["resources"])
    unlisted = {p.name for p in K8S_BASE.glob("*.yaml")} - listed - {"kustomization.yaml"}
    assert not unlisted, f"YAML files in base/ that kustomize never reads: {unlisted}"


def test_base_documents_have_kind_and_name(k8s_base_documents: list[dict]) -> None:
    seen = set()
    for document in k8s_base_documents:
        assert {"apiVersion", "kind", "metadata"} <= set(document)
        key = (document["kind"], document["metadata"]["name"])
        assert key not in seen, f"{key} is defined twice"
        seen.add(key)


def test_base_documents_match_the_kubernetes_schemas(k8s_base_documents: list[dict]) -> None:
    check_schemas(k8s_base_documents)


def test_base_has_a_deployment_per_service_the_worker_and_the_gateway(k8s_base_documents: list[dict]) -> None:
    assert set(of_kind(k8s_base_documents, "Deployment")) == DEPLOYMENTS


def test_service_deployment_runs_the_image_on_the_contract_port(service: str, k8s_base_documents: list[dict]) -> None:
    deployment = of_kind(k8s_base_documents, "Deployment")[service]
    (container,) = pod_spec(deployment)["containers"]
    repository, _ = image_reference(container["image"])
    assert repository == f"citizeninfo/{service}"
    assert [p["containerPort"] for p in container["ports"]] == [SERVICE_PORTS[service]]
    # The image's user, so that runAsNonRoot is provable and volumes are writable.
    assert pod_spec(deployment)["securityContext"]["runAsUser"] == APP_UID


def test_stats_worker_runs_faust_from_the_stats_image(k8s_base_documents: list[dict]) -> None:
    worker = of_kind(k8s_base_documents, "Deployment")[STATS_WORKER]
    (container,) = pod_spec(worker)["containers"]
    assert image_reference(container["image"])[0] == "citizeninfo/stats-service"
    assert container["command"] == STATS_WORKER_COMMAND
    assert [p["containerPort"] for p in container["ports"]] == [STATS_WORKER_PORT]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/var/lib/citizeninfo/faust" in mounts, "Faust's F_DATADIR must be writable"


def test_topics_job_creates_the_topics(k8s_base_documents: list[dict]) -> None:
    job = of_kind(k8s_base_documents, "Job")["kafka-topics"]
    (container,) = pod_spec(job)["containers"]
    assert container["command"] == TOPICS_COMMAND
    assert image_reference(container["image"])[0] == "citizeninfo/topics"
    check_workload_is_hardened("kafka-topics", job)
    check_resources("kafka-topics", job)


def test_deployments_probe_liveness_readiness_and_startup(k8s_base_documents: list[dict]) -> None:
    for name, deployment in of_kind(k8s_base_documents, "Deployment").items():
        check_probes(name, deployment)


def test_deployments_are_hardened_and_bounded(k8s_base_documents: list[dict]) -> None:
    for name, deployment in of_kind(k8s_base_documents, "Deployment").items():
        check_workload_is_hardened(name, deployment)
        check_resources(name, deployment)
    check_images(k8s_base_documents)


def test_deployments_select_their_own_pods(k8s_base_documents: list[dict]) -> None:
    deployments = of_kind(k8s_base_documents, "Deployment")
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]
        assert labels_match(selector, pod_labels(deployment)), f"{name}: selector misses its own pods"
        for other, other_deployment in deployments.items():
            if other != name:
                assert not labels_match(selector, pod_labels(other_deployment)), f"{name} also selects {other}"


def test_each_workload_has_its_own_service_account(k8s_base_documents: list[dict]) -> None:
    accounts = of_kind(k8s_base_documents, "ServiceAccount")
    for kind in ("Deployment", "Job"):
        for name, workload in of_kind(k8s_base_documents, kind).items():
            account = pod_spec(workload).get("serviceAccountName")
            assert account == name, f"{name} runs as service account {account}"
            assert accounts[account].get("automountServiceAccountToken") is False


def test_services_reach_their_deployments(k8s_base_documents: list[dict]) -> None:
    deployments = of_kind(k8s_base_documents, "Deployment")
    services = of_kind(k8s_base_documents, "Service")
    assert set(services) == {*SERVICE_PORTS, GATEWAY}
    for name, service in services.items():
        selected = [
            d
            for d, deployment in deployments.items()
            if labels_match({"matchLabels": service["spec"]["selector"]}, pod_labels(deployment))
        ]
        assert selected == [name], f"Service {name} selects {selected}"
        (container,) = pod_spec(deployments[name])["containers"]
        container_ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
        for port in service["spec"]["ports"]:
            target = port["targetPort"]
            assert target in container_ports or target in container_ports.values(), f"{name}: targetPort {target}"
        if name in SERVICE_PORTS:
            # The gateway's upstreams are "<service>:<contract port>".
            assert [p["port"] for p in service["spec"]["ports"]] == [SERVICE_PORTS[name]]


def test_service_configuration_matches_the_service(
    service: str, k8s_base_documents: list[dict], k8s_base_kustomization: dict
) -> None:
    config_maps = generated_config_maps(k8s_base_kustomization)
    deployment = of_kind(k8s_base_documents, "Deployment")[service]
    (container,) = pod_spec(deployment)["containers"]
    env_from = [source["configMapRef"]["name"] for source in container["envFrom"]]
    assert env_from == ["citizeninfo-env", f"{service}-env"]
    environment = {k: v for name in env_from for k, v in config_maps[name].items()}
    secret_refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    names = set(environment) | set(secret_refs) | {e["name"] for e in container.get("env", [])}
    expected = set(APP_ENVIRONMENT) | ({"CITIZENINFO_ADMIN_PASSWORD"} if service == "pin-service" else set())
    assert expected <= names, f"{service} lacks {sorted(expected - names)}"
    assert all(k.startswith("CITIZENINFO_") for k in environment)
    for variable, ref in secret_refs.items():
        if variable == "CITIZENINFO_KAFKA_PASSWORD":  # the Secret Strimzi keeps for its KafkaUser
            assert ref == {"name": KAFKA_USERS[service], "key": "password"}, ref
        else:
            assert ref["name"] == "citizeninfo-secrets" and ref["key"] in SECRET_KEYS, ref
    assert environment["CITIZENINFO_MONGODB_DATABASE"] == SERVICE_DATABASES[service]
    prefix = next(p for p, (s, strips) in GATEWAY_ROUTES.items() if s == service and strips)
    assert environment["CITIZENINFO_ROOT_PATH"] == prefix.rstrip("/")
    # The same values the service's settings default to, so native and cluster runs agree.
    config = next((REPO / "services" / service / "src").glob("*/config.py"), None)
    if config is not None:
        text = config.read_text()
        for field, key in (
            ("mongodb_database", "CITIZENINFO_MONGODB_DATABASE"),
            ("root_path", "CITIZENINFO_ROOT_PATH"),
        ):
            default = re.search(rf'^\s+{field}: str = "([^"]*)"', text, re.M)
            if default:
                assert default.group(1) == environment[key], f"{config}: {field}"


def test_worker_listens_beyond_loopback(k8s_base_kustomization: dict) -> None:
    worker_env = generated_config_maps(k8s_base_kustomization)[f"{STATS_WORKER}-env"]
    # Kubelet probes and Prometheus come to the pod address, not to 127.0.0.1.
    assert worker_env["CITIZENINFO_FAUST_WEB_HOST"] == "0.0.0.0"


def test_base_defaults_to_production_settings(k8s_base_kustomization: dict) -> None:
    common = generated_config_maps(k8s_base_kustomization)["citizeninfo-env"]
    assert common["CITIZENINFO_ENVIRONMENT"] == "production", "placeholder secrets are refused unless an overlay says"
    assert "kind: Secret" not in "".join(p.read_text() for p in K8S_BASE.glob("*.yaml")), "no secrets in Git"


def test_ingress_sends_everything_to_the_gateway(k8s_base_documents: list[dict]) -> None:
    (ingress,) = of_kind(k8s_base_documents, "Ingress").values()
    gateway_service = of_kind(k8s_base_documents, "Service")[GATEWAY]
    port_names = {p["name"] for p in gateway_service["spec"]["ports"]}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == GATEWAY
            assert backend["port"].get("name") in port_names or backend["port"].get("number") in {
                p["port"] for p in gateway_service["spec"]["ports"]
            }
    (container,) = pod_spec(of_kind(k8s_base_documents, "Deployment")[GATEWAY])["containers"]
    assert [p["containerPort"] for p in container["ports"]] == [GATEWAY_PORT]


# --- network policies ------------------------------------------------------------------------------


def policies_for(policies: dict[str, dict], labels: dict[str, str], direction: str) -> list[dict]:
    return [
        p
        for p in policies.values()
        if direction in p["spec"].get("policyTypes", []) and labels_match(p["spec"]["podSelector"], labels)
    ]


def allowed_ports(policies: list[dict], direction: str) -> set[int]:
    rules = "ingress" if direction == "Ingress" else "egress"
    return {port["port"] for p in policies for rule in p["spec"].get(rules, []) for port in rule.get("ports", [])}


def test_network_starts_from_default_deny(k8s_base_documents: list[dict]) -> None:
    policies = of_kind(k8s_base_documents, "NetworkPolicy")
    deny = [
        p
        for p in policies.values()
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, "a NetworkPolicy that selects every pod and allows nothing"


def test_network_policies_let_each_pod_do_its_job(k8s_base_documents: list[dict]) -> None:
    policies = of_kind(k8s_base_documents, "NetworkPolicy")
    workloads = {**of_kind(k8s_base_documents, "Deployment"), **of_kind(k8s_base_documents, "Job")}
    for name, workload in workloads.items():
        labels = pod_labels(workload)
        egress = allowed_ports(policies_for(policies, labels, "Egress"), "Egress")
        assert 53 in egress, f"{name} cannot resolve names"
        container_ports = {p["containerPort"] for c in pod_spec(workload)["containers"] for p in c.get("ports", [])}
        ingress = allowed_ports(policies_for(policies, labels, "Ingress"), "Ingress")
        assert container_ports <= ingress, f"{name}: nothing may reach port(s) {container_ports - ingress}"
        if name != GATEWAY:
            expected = DATA_STORE_PORTS[name]
            assert expected <= egress, f"{name} cannot reach ports {expected - egress}"
            unneeded = ({KAFKA_PORT, ELASTICSEARCH_PORT, MONGODB_PORT} - expected) & egress
            assert not unneeded, f"{name} may reach data-store ports it does not use: {unneeded}"
    gateway_egress = allowed_ports(policies_for(policies, pod_labels(workloads[GATEWAY]), "Egress"), "Egress")
    assert set(SERVICE_PORTS.values()) <= gateway_egress, "the gateway reaches every service"


def test_services_accept_traffic_only_from_the_gateway_and_prometheus(k8s_base_documents: list[dict]) -> None:
    policies = of_kind(k8s_base_documents, "NetworkPolicy")
    deployments = of_kind(k8s_base_documents, "Deployment")
    for name in SERVICE_PORTS:
        for policy in policies_for(policies, pod_labels(deployments[name]), "Ingress"):
            for rule in policy["spec"].get("ingress", []):
                assert rule.get("from"), f"{policy['metadata']['name']} lets anyone reach {name}"


# --- the overlays, rendered -------------------------------------------------------------------------


def test_overlays_reference_files_that_exist(overlay: str) -> None:
    directory = K8S_DIR / "overlays" / overlay
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (directory / resource).exists(), f"overlays/{overlay}: {resource}"
    for patch in kustomization.get("patches", []):
        if "path" in patch:
            assert (directory / patch["path"]).is_file(), f"overlays/{overlay}: {patch['path']}"


def test_overlay_renders_to_valid_kubernetes_objects(overlay: str, k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered[overlay]
    check_schemas(documents)
    namespace = of_kind(documents, "Namespace")
    assert len(namespace) == 1
    (namespace_name,) = namespace
    assert namespace[namespace_name]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for document in documents:
        if document["kind"] != "Namespace":
            assert document["metadata"].get("namespace") == namespace_name, document["metadata"]["name"]


def test_overlay_keeps_every_workload_probed_and_hardened(overlay: str, k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered[overlay]
    deployments = of_kind(documents, "Deployment")
    assert set(deployments) == DEPLOYMENTS
    for name, deployment in deployments.items():
        check_probes(name, deployment)
        check_workload_is_hardened(name, deployment)
        check_resources(name, deployment)
    check_images(documents, allow_tags={"dev"} if overlay == "dev" else None)


def test_overlay_config_references_resolve(overlay: str, k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered[overlay]
    config_maps = of_kind(documents, "ConfigMap")
    secrets = of_kind(documents, "Secret")
    for kind in ("Deployment", "Job"):
        for name, workload in of_kind(documents, kind).items():
            for volume in pod_spec(workload).get("volumes", []):
                if "configMap" in volume:
                    assert volume["configMap"]["name"] in config_maps, f"{name}: {volume}"
            for container in pod_spec(workload)["containers"]:
                for source in container.get("envFrom", []):
                    assert source["configMapRef"]["name"] in config_maps, f"{name}: {source}"
                for variable in container.get("env", []):
                    ref = variable.get("valueFrom", {}).get("secretKeyRef")
                    if ref is None:
                        continue
                    if ref["name"] in of_kind(documents, "KafkaUser"):
                        assert ref["key"] == "password", f"{name}: Strimzi's user Secret has `password`"
                    elif overlay == "production":
                        # Created outside Git (deploy/k8s/README.md); the name must stay stable.
                        assert ref["name"] == "citizeninfo-secrets"
                    else:
                        assert ref["name"] in secrets, f"{name}: secret {ref['name']} is not rendered"
                        assert ref["key"] in secrets[ref["name"]]["data"], f"{name}: key {ref['key']}"


def test_dev_overlay_uses_development_settings(k8s_rendered: dict[str, list[dict]]) -> None:
    config_maps = of_kind(k8s_rendered["dev"], "ConfigMap")
    # The content hash in the name makes a settings change roll the pods that use it.
    (common,) = [m for n, m in config_maps.items() if re.fullmatch(r"citizeninfo-env-[a-z0-9]{10}", n)]
    assert common["data"]["CITIZENINFO_ENVIRONMENT"] == "development"
    secrets = of_kind(k8s_rendered["dev"], "Secret")
    (app_secret,) = [s for n, s in secrets.items() if n.startswith("citizeninfo-secrets-")]
    assert set(app_secret["data"]) == SECRET_KEYS
    assert OPERATOR_SECRETS | ROLE_SECRETS <= set(secrets)
    assert secrets["citizeninfo-es-app-user"]["type"] == "kubernetes.io/basic-auth"


def test_production_scales_every_service_and_survives_drains(k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered["production"]
    deployments = of_kind(documents, "Deployment")
    autoscalers = of_kind(documents, "HorizontalPodAutoscaler")
    budgets = of_kind(documents, "PodDisruptionBudget")
    assert set(of_kind(documents, "Secret")) == ROLE_SECRETS, "production secrets are not kept in Git"
    for name in (*SERVICE_PORTS, GATEWAY):
        hpa = autoscalers.get(name)
        assert hpa is not None, f"{name} has no HorizontalPodAutoscaler"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        # The HPA owns the count; a fixed one would be reset by every `kubectl apply`.
        assert "replicas" not in deployments[name]["spec"], f"{name}: replicas set beside an HPA"
        for container in pod_spec(deployments[name])["containers"]:
            assert "cpu" in container["resources"]["requests"], f"{name}: the HPA needs a CPU request"
    # KEDA owns the worker count, between 2 and the partitions of the busiest topic.
    scaler = of_kind(documents, "ScaledObject")[STATS_WORKER]["spec"]
    assert "replicas" not in deployments[STATS_WORKER]["spec"]
    assert scaler["scaleTargetRef"]["name"] == STATS_WORKER
    assert scaler["minReplicaCount"] >= 2
    assert scaler["maxReplicaCount"] == max(t.partitions for t in TOPICS.values())
    (trigger,) = scaler["triggers"]
    assert trigger["metadata"]["allowIdleConsumers"] == "false"
    for name, deployment in deployments.items():
        covering = [b for b in budgets.values() if labels_match(b["spec"]["selector"], pod_labels(deployment))]
        assert len(covering) == 1, f"{name} is covered by {len(covering)} PodDisruptionBudgets"
        budget = covering[0]["spec"]
        assert budget.get("maxUnavailable") == 1 or budget.get("minAvailable", 0) >= 1


def test_production_serves_tls_from_a_registry(k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered["production"]
    (ingress,) = of_kind(documents, "Ingress").values()
    hosts = {rule.get("host") for rule in ingress["spec"]["rules"]}
    assert None not in hosts, "production answers a named host only"
    tls_hosts = {h for entry in ingress["spec"].get("tls", []) for h in entry["hosts"]}
    assert hosts <= tls_hosts
    for name, workload in {**of_kind(documents, "Deployment"), **of_kind(documents, "Job")}.items():
        for container in pod_spec(workload)["containers"]:
            repository, _ = image_reference(container["image"])
            if "citizeninfo" in repository:
                assert "." in repository.split("/")[0], f"{name}: {container['image']} from the project registry"


def test_overlay_names_match_the_overlays_on_disk() -> None:
    assert {p.name for p in (K8S_DIR / "overlays").iterdir() if p.is_dir()} == set(K8S_OVERLAYS)


def test_readme_documents_the_production_secret() -> None:
    readme = (K8S_DIR / "README.md").read_text()
    assert "citizeninfo-secrets" in readme
    for key in SECRET_KEYS | OPERATOR_SECRETS:
        assert key in readme, f"deploy/k8s/README.md does not say how to set {key}"


def test_every_yaml_file_under_k8s_parses() -> None:
    for path in K8S_DIR.rglob("*.yaml"):
        list(yaml.safe_load_all(Path(path).read_text()))


# --- the data stores, the operators' resources, and monitoring ---------------------------------------


def test_data_stores_come_from_their_operators(overlay: str, k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered[overlay]
    kafka = of_kind(documents, "Kafka")["citizeninfo"]
    pools = of_kind(documents, "KafkaNodePool")
    elastic = of_kind(documents, "Elasticsearch")["citizeninfo"]
    mongo = of_kind(documents, "MongoDBCommunity")["citizeninfo-mongodb"]
    # Strimzi: KRaft node pools, no stray topics, and the bootstrap Service the services are told.
    assert kafka["spec"]["kafka"]["config"]["auto.create.topics.enable"] is False
    assert {role for pool in pools.values() for role in pool["spec"]["roles"]} == {"controller", "broker"}
    assert all(pool["metadata"]["labels"]["strimzi.io/cluster"] == "citizeninfo" for pool in pools.values())
    (listener,) = [entry for entry in kafka["spec"]["kafka"]["listeners"] if entry["port"] == 9092]
    assert listener["type"] == "internal"
    config_maps = of_kind(documents, "ConfigMap")
    (common,) = [m for n, m in config_maps.items() if n.startswith("citizeninfo-env-")]
    assert common["data"]["CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS"] == "citizeninfo-kafka-bootstrap:9092"
    # ECK: the version the services are tested against, the services' user and role by Secret.
    assert elastic["spec"]["version"] == "8.19.21"
    assert [r["secretName"] for r in elastic["spec"]["auth"]["roles"]] == ["citizeninfo-es-roles"]
    assert [r["secretName"] for r in elastic["spec"]["auth"]["fileRealm"]] == ["citizeninfo-es-app-user"]
    roles = yaml.safe_load((K8S_BASE / "elasticsearch-roles.yml").read_text())
    assert roles["citizeninfo_app"]["indices"][0]["names"] == ["citizeninfo-*"]
    # MongoDB Community: a replica set with SCRAM, its password from the operator Secret.
    assert mongo["spec"]["type"] == "ReplicaSet" and mongo["spec"]["members"] >= 3
    (user,) = mongo["spec"]["users"]
    assert user["passwordSecretRef"]["name"] == "citizeninfo-mongodb-password"
    # Every data-store pod is labelled for the network policies.
    templates = [
        kafka["spec"]["kafka"]["template"]["pod"],
        *(pool["spec"]["template"]["pod"] for pool in pools.values()),
        *(node_set["podTemplate"] for node_set in elastic["spec"]["nodeSets"]),
        mongo["spec"]["statefulSet"]["spec"]["template"],
    ]
    for template in templates:
        assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "data-store"
    policies = of_kind(documents, "NetworkPolicy")
    assert policies["data-stores"]["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/component": "data-store"
    }


def test_dev_secrets_point_at_the_operator_services(k8s_rendered: dict[str, list[dict]]) -> None:
    import base64
    from urllib.parse import urlsplit

    secrets = of_kind(k8s_rendered["dev"], "Secret")
    (app_secret,) = [s for n, s in secrets.items() if n.startswith("citizeninfo-secrets-")]
    data = {k: base64.b64decode(v).decode() for k, v in app_secret["data"].items()}
    mongo_url, es_url = urlsplit(data["mongodb-url"]), urlsplit(data["elasticsearch-url"])
    assert (mongo_url.hostname, mongo_url.port) == ("citizeninfo-mongodb-svc", 27017)
    assert (es_url.hostname, es_url.port) == ("citizeninfo-es-http", 9200)
    es_user = {k: base64.b64decode(v).decode() for k, v in secrets["citizeninfo-es-app-user"]["data"].items()}
    assert (es_url.username, es_url.password) == (es_user["username"], es_user["password"])
    mongo_password = base64.b64decode(secrets["citizeninfo-mongodb-password"]["data"]["password"]).decode()
    assert mongo_url.password == mongo_password
    for key in ("jwt-secret", "visit-token-secret", "identity-hmac-key"):
        assert len(data[key]) >= 32, key


def test_monitoring_config_maps_carry_the_dashboards_and_the_rules(overlay: str, k8s_rendered: dict) -> None:
    config_maps = of_kind(k8s_rendered[overlay], "ConfigMap")
    dashboards = config_maps["citizeninfo-grafana-dashboards"]
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"
    on_disk = {p.name: p.read_text() for p in (REPO / "deploy/grafana/dashboards").glob("*.json")}
    assert dashboards["data"] == on_disk
    rules = config_maps["citizeninfo-prometheus-rules"]["data"]
    assert rules == {"citizeninfo-alerts.yml": (REPO / "deploy/prometheus/rules/citizeninfo-alerts.yml").read_text()}
    assert "citizeninfo-grafana-datasources" in config_maps


# --- Kafka security: SCRAM users, ACLs, credentials, and where the pods may connect -------------------

# The pods each data-store port belongs to, as their operators label them.
DATA_STORE_PODS = {
    KAFKA_PORT: {"strimzi.io/cluster": "citizeninfo", "strimzi.io/broker-role": "true", "strimzi.io/kind": "Kafka"},
    ELASTICSEARCH_PORT: {
        "elasticsearch.k8s.elastic.co/cluster-name": "citizeninfo",
        "common.k8s.elastic.co/type": "elasticsearch",
    },
    MONGODB_PORT: {"app": "citizeninfo-mongodb-svc"},
}
PRIVATE_NETWORKS = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8"}


def test_kafka_requires_scram_and_acls(k8s_base_documents: list[dict]) -> None:
    kafka = of_kind(k8s_base_documents, "Kafka")["citizeninfo"]
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener.get("authentication", {}).get("type") == "scram-sha-512", listener["name"]
        # Strimzi's own per-listener NetworkPolicy would otherwise let every pod in.
        assert listener.get("networkPolicyPeers"), f"{listener['name']}: name the peers"
    assert kafka["spec"]["kafka"].get("authorization", {}).get("type") == "simple"
    assert "userOperator" in kafka["spec"]["entityOperator"], "the User Operator makes the KafkaUsers real"


def test_kafka_users_grant_exactly_the_access_table(k8s_base_documents: list[dict]) -> None:
    users = of_kind(k8s_base_documents, "KafkaUser")
    expected = expected_kafka_acls()
    assert set(users) == set(expected) == {*KAFKA_USERS.values(), COMPLAINT_SYSTEM_USER}
    for name, user in users.items():
        # The API version of the other Strimzi resources here (v1, the only one Strimzi 1.x serves).
        assert user["apiVersion"] == of_kind(k8s_base_documents, "Kafka")["citizeninfo"]["apiVersion"]
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "citizeninfo"
        assert user["spec"]["authentication"]["type"] == "scram-sha-512", name
        assert user["spec"]["authorization"]["type"] == "simple", name
        assert kafka_user_acls(user) == expected[name], f"{name}: ACLs differ from citizeninfo_devstack.topics.ACCESS"


def test_every_kafka_client_has_its_credentials(k8s_base_documents: list[dict], k8s_base_kustomization: dict) -> None:
    common = generated_config_maps(k8s_base_kustomization)["citizeninfo-env"]
    assert common["CITIZENINFO_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert common["CITIZENINFO_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    workloads = {**of_kind(k8s_base_documents, "Deployment"), **of_kind(k8s_base_documents, "Job")}
    assert set(KAFKA_USERS) == set(workloads) - {GATEWAY}
    for name, user in KAFKA_USERS.items():
        (container,) = pod_spec(workloads[name])["containers"]
        assert "citizeninfo-env" in [s["configMapRef"]["name"] for s in container["envFrom"]], name
        env = {e["name"]: e for e in container.get("env", [])}
        assert env["CITIZENINFO_KAFKA_USERNAME"].get("value") == user, name
        ref = env["CITIZENINFO_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": user, "key": "password"}, f"{name} reads its KafkaUser's Secret"


def test_production_refuses_plaintext_kafka() -> None:
    from citizeninfo_shared.settings import KafkaSettings

    with pytest.raises(ValueError, match="KAFKA_SECURITY_PROTOCOL"):
        KafkaSettings(environment="production", kafka_security_protocol="PLAINTEXT")


def test_keda_reads_the_lag_with_the_workers_credentials(k8s_rendered: dict[str, list[dict]]) -> None:
    documents = k8s_rendered["production"]
    (trigger,) = of_kind(documents, "ScaledObject")[STATS_WORKER]["spec"]["triggers"]
    assert trigger["metadata"]["sasl"] == "scram_sha512"
    authentication = of_kind(documents, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]["spec"]
    assert {"parameter": "password", "name": KAFKA_USERS[STATS_WORKER], "key": "password"} in authentication[
        "secretTargetRef"
    ]


def test_egress_to_data_stores_names_their_pods(k8s_base_documents: list[dict]) -> None:
    for name, policy in of_kind(k8s_base_documents, "NetworkPolicy").items():
        for rule in policy["spec"].get("egress", []):
            ports = {p.get("port") for p in rule.get("ports", [])}
            for port in ports & set(DATA_STORE_PODS):
                peers = rule.get("to")
                assert peers, f"{name}: port {port} open to any address (no `to:`)"
                for peer in peers:
                    assert "ipBlock" not in peer, f"{name}: port {port} to an address block"
                    assert "podSelector" in peer, f"{name}: port {port} to a whole namespace"
                    assert labels_match(peer["podSelector"], DATA_STORE_PODS[port]), f"{name}: {port} -> {peer}"
                assert len(ports) == 1, f"{name}: one data store per rule"
            if not ports:
                assert rule.get("to"), f"{name}: an egress rule open to every port and address"


def test_only_card_gateway_reaches_the_registry_and_only_public_addresses(k8s_base_documents: list[dict]) -> None:
    policies = of_kind(k8s_base_documents, "NetworkPolicy")
    workloads = {**of_kind(k8s_base_documents, "Deployment"), **of_kind(k8s_base_documents, "Job")}
    for name, workload in workloads.items():
        egress = allowed_ports(policies_for(policies, pod_labels(workload), "Egress"), "Egress")
        if name == "card-gateway":
            assert 443 in egress, "card-gateway asks the GDX registry over HTTPS"
        else:
            assert 443 not in egress, f"{name} needs no HTTPS out"
    (rule,) = policies["card-gateway-to-gdx-registry"]["spec"]["egress"]
    assert [p["port"] for p in rule["ports"]] == [443]
    blocks = {peer["ipBlock"]["cidr"]: set(peer["ipBlock"].get("except", [])) for peer in rule["to"]}
    assert PRIVATE_NETWORKS <= blocks["0.0.0.0/0"], "cluster and private addresses stay closed"
    assert {"fc00::/7", "fe80::/10", "::1/128"} <= blocks.get("::/0", set())


def test_dns_goes_to_kube_dns_only(k8s_base_documents: list[dict]) -> None:
    for name, policy in of_kind(k8s_base_documents, "NetworkPolicy").items():
        for rule in policy["spec"].get("egress", []):
            if 53 in {p.get("port") for p in rule.get("ports", [])}:
                for peer in rule["to"]:
                    assert peer["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}, name
                    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
