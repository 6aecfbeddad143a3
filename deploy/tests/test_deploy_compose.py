"""docker-compose.yml and what it mounts: the whole system with official images."""

import json
import os
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml
from deploy_support import (
    APP_ENVIRONMENT,
    BUILD_OUTPUTS,
    COMPLAINT_SYSTEM_USER,
    COMPOSE_DIR,
    COMPOSE_FILE,
    GATEWAY_PORT,
    GRAFANA_DIR,
    KAFKA_USERS,
    LONG_SECRETS,
    REPO,
    SERVICE_PORTS,
    STATS_WORKER,
    STATS_WORKER_COMMAND,
    STATS_WORKER_PORT,
    TOPICS_COMMAND,
    compose_required_variables,
    expected_kafka_acls,
    image_reference,
    interpolate_defaults,
    kafka_cluster_id_is_valid,
)

BACKING_SERVICES = {"kafka", "elasticsearch", "mongodb"}
ONE_SHOT_JOBS = {"topics"}
APP_SERVICES = [*SERVICE_PORTS, STATS_WORKER]
EXPECTED_SERVICES = {
    *APP_SERVICES, *BACKING_SERVICES, *ONE_SHOT_JOBS, "gateway", "prometheus", "grafana",
}  # fmt: skip
OFFICIAL_IMAGES = {
    "kafka": "apache/kafka:4.3.1",
    "elasticsearch": "docker.elastic.co/elasticsearch/elasticsearch:8.19.21",
    "mongodb": "mongo:8",
}
HEALTHY_CONDITIONS = {"service_healthy", "service_completed_successfully"}
REPLICATION_VARIABLES = ("CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR", "CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS")


def published_ports(definition: dict) -> list[tuple[str, int, int]]:
    """(host address, host port, container port) of each published port, defaults interpolated."""
    ports = []
    for entry in definition.get("ports", []):
        if isinstance(entry, dict):
            host_ip, host, container = entry.get("host_ip", "0.0.0.0"), entry["published"], entry["target"]
        else:
            parts = interpolate_defaults(str(entry)).split("/")[0].split(":")
            if len(parts) == 3:
                host_ip, host, container = parts
            elif len(parts) == 2:
                host_ip, (host, container) = "0.0.0.0", parts
            else:
                pytest.fail(f"publish the port explicitly as HOST:CONTAINER, not {entry!r}")
        ports.append((host_ip, int(host), int(container)))
    return ports


def healthcheck_command(definition: dict) -> str:
    test = definition["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_compose_lists_the_whole_system(compose_services: dict[str, dict]) -> None:
    assert set(compose_services) == EXPECTED_SERVICES


def test_official_images_at_the_agreed_versions(compose_services: dict[str, dict]) -> None:
    for name, image in OFFICIAL_IMAGES.items():
        assert compose_services[name]["image"] == image


def test_every_image_has_a_version_and_none_is_latest(compose_services: dict[str, dict]) -> None:
    for name, definition in compose_services.items():
        assert "image" in definition, f"{name}: name the image (built ones too), so it is never `latest`"
        _, tag = image_reference(interpolate_defaults(definition["image"]))
        assert tag and tag != "latest", f"{name}: image {definition['image']} needs a pinned tag"


def test_every_long_running_service_has_a_healthcheck(compose_services: dict[str, dict]) -> None:
    for name, definition in compose_services.items():
        if name in ONE_SHOT_JOBS:
            continue
        test = definition.get("healthcheck", {}).get("test")
        assert test and test != ["NONE"], f"{name} has no healthcheck"
        assert isinstance(test, str) or test[0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test form"


def test_one_shot_jobs_run_once(compose_services: dict[str, dict]) -> None:
    for name in ONE_SHOT_JOBS:
        assert compose_services[name].get("restart", "no") == "no", f"{name} exits when done; never restart it"


def test_depends_on_waits_for_health_or_completion(compose_services: dict[str, dict]) -> None:
    for name, definition in compose_services.items():
        depends_on = definition.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on needs the long form with a condition"
        for target, rule in depends_on.items():
            assert target in compose_services, f"{name} depends on unknown service {target}"
            condition = rule.get("condition")
            assert condition in HEALTHY_CONDITIONS, f"{name} -> {target}: condition {condition!r}"
            if condition == "service_completed_successfully":
                assert target in ONE_SHOT_JOBS, f"{name} waits for {target} to exit, but it never does"
            else:
                assert "healthcheck" in compose_services[target], f"{name} waits for {target}'s health, it has none"


def test_dependencies_have_no_cycle(compose_services: dict[str, dict]) -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in done:
            return
        assert name not in visiting, f"dependency cycle: {' -> '.join([*path, name])}"
        visiting.add(name)
        for target in compose_services[name].get("depends_on", {}):
            visit(target, [*path, name])
        visiting.discard(name)
        done.add(name)

    for name in compose_services:
        visit(name, [])


def test_services_start_after_the_backing_servers_and_the_topics(compose_services: dict[str, dict]) -> None:
    for name in APP_SERVICES:
        depends_on = compose_services[name]["depends_on"]
        for backing in BACKING_SERVICES:
            assert depends_on.get(backing, {}).get("condition") == "service_healthy", f"{name} -> {backing}"
        assert depends_on.get("topics", {}).get("condition") == "service_completed_successfully", name
    assert compose_services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_gateway_starts_after_every_service(compose_services: dict[str, dict]) -> None:
    depends_on = compose_services["gateway"]["depends_on"]
    assert {name for name, rule in depends_on.items() if rule["condition"] == "service_healthy"} >= set(SERVICE_PORTS)


def test_every_built_service_has_its_dockerfile(compose_services: dict[str, dict]) -> None:
    built = {name: d for name, d in compose_services.items() if "build" in d}
    assert set(built) == {*APP_SERVICES, *ONE_SHOT_JOBS, "gateway"}
    for name, definition in built.items():
        build = definition["build"]
        # The context is the repository root so that shared/ and uv.lock are in it.
        assert (REPO / build["context"]).resolve() == REPO, f"{name}: build context must be the repository root"
        dockerfile = REPO / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {build['dockerfile']} does not exist"
        image_of = "stats-service" if name == STATS_WORKER else name
        if image_of in SERVICE_PORTS:
            assert build["dockerfile"] == f"services/{image_of}/Dockerfile"
            repository, _ = image_reference(interpolate_defaults(definition["image"]))
            assert repository == f"citizeninfo/{image_of}"
    assert built["gateway"]["build"]["dockerfile"] == "web/Dockerfile"
    assert image_reference(interpolate_defaults(built["gateway"]["image"]))[0] == "citizeninfo/web"


def test_published_host_ports_do_not_collide(compose_services: dict[str, dict]) -> None:
    seen: dict[int, str] = {}
    for name, definition in compose_services.items():
        for _, host_port, _ in published_ports(definition):
            assert host_port not in seen, f"host port {host_port}: both {seen[host_port]} and {name}"
            seen[host_port] = name


def test_only_the_gateway_listens_beyond_loopback(compose_services: dict[str, dict]) -> None:
    for name, definition in compose_services.items():
        for host_ip, host_port, _ in published_ports(definition):
            if name != "gateway":
                assert host_ip == "127.0.0.1", f"{name} publishes {host_port} on {host_ip}"


def test_services_listen_on_their_contract_ports(compose_services: dict[str, dict]) -> None:
    expected = {**SERVICE_PORTS, STATS_WORKER: STATS_WORKER_PORT, "gateway": GATEWAY_PORT}
    for name, port in expected.items():
        definition = compose_services[name]
        assert [container for _, _, container in published_ports(definition)] == [port], name
        assert f"127.0.0.1:{port}/" in healthcheck_command(definition), f"{name}: healthcheck asks another port"
    assert published_ports(compose_services["gateway"])[0][1] == GATEWAY_PORT


def test_service_healthchecks_ask_healthz(compose_services: dict[str, dict]) -> None:
    for name, port in SERVICE_PORTS.items():
        command = healthcheck_command(compose_services[name])
        assert f"http://127.0.0.1:{port}/healthz" in command, name
        assert "curl" not in command and "wget" not in command, f"{name}: the slim image has neither"


def test_services_get_the_citizeninfo_environment(compose_services: dict[str, dict]) -> None:
    for name in APP_SERVICES:
        environment = compose_services[name]["environment"]
        missing = set(APP_ENVIRONMENT) - set(environment)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert environment["CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert urlsplit(interpolate_defaults(environment["CITIZENINFO_MONGODB_URL"])).hostname == "mongodb"
        assert urlsplit(interpolate_defaults(environment["CITIZENINFO_ELASTICSEARCH_URL"])).hostname == "elasticsearch"
    assert "CITIZENINFO_ADMIN_PASSWORD" in compose_services["pin-service"]["environment"]
    # The topics job joins the broker's network namespace to reach its loopback super-user listener.
    assert compose_services["topics"]["network_mode"] == "service:kafka"
    assert compose_services["topics"]["environment"]["CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9091"


def test_secrets_come_from_the_env_file_never_from_the_compose_file(compose_services: dict[str, dict]) -> None:
    secret_names = ("PASSWORD", "SECRET")
    for name, definition in compose_services.items():
        environment = definition.get("environment", {})
        assert isinstance(environment, dict), f"{name}: environment as a mapping"
        for key, value in environment.items():
            if any(word in key for word in secret_names):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", str(value)), f"{name}.{key} must be ${{VAR:?...}}"
    for name in APP_SERVICES:
        environment = compose_services[name]["environment"]
        for key, variable in (
            ("CITIZENINFO_MONGODB_URL", "MONGODB_PASSWORD"),
            ("CITIZENINFO_ELASTICSEARCH_URL", "ELASTIC_PASSWORD"),
        ):
            password = urlsplit(interpolate_defaults(environment[key])).password
            assert password == f"<{variable}>", f"{name}.{key}: the password comes from .env"


def test_elasticsearch_runs_single_node_with_security_on(compose_services: dict[str, dict]) -> None:
    environment = compose_services["elasticsearch"]["environment"]
    assert environment["discovery.type"] == "single-node"
    assert environment["xpack.security.enabled"] == "true"
    assert environment["ELASTIC_PASSWORD"] == "${ELASTIC_PASSWORD:?set it}"
    assert "$${ELASTIC_PASSWORD}" in healthcheck_command(compose_services["elasticsearch"]), (
        "the healthcheck authenticates (and $$ keeps compose from interpolating the container's variable)"
    )
    for name in APP_SERVICES:
        url = urlsplit(interpolate_defaults(compose_services[name]["environment"]["CITIZENINFO_ELASTICSEARCH_URL"]))
        assert (url.username, url.password) == ("elastic", "<ELASTIC_PASSWORD>"), name


def test_kafka_runs_kraft_with_the_listener_the_services_use(compose_services: dict[str, dict]) -> None:
    environment = compose_services["kafka"]["environment"]
    assert set(environment["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert kafka_cluster_id_is_valid(environment["CLUSTER_ID"]), "CLUSTER_ID: 16 bytes, URL-safe base64"
    advertised = {
        listener.split("://")[0]: listener.split("://")[1]
        for listener in environment["KAFKA_ADVERTISED_LISTENERS"].split(",")
    }
    protocols = dict(pair.split(":") for pair in environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    declared = {listener.split("://")[0] for listener in environment["KAFKA_LISTENERS"].split(",")}
    assert set(advertised) | {environment["KAFKA_CONTROLLER_LISTENER_NAMES"]} <= declared <= set(protocols)
    assert "kafka:9092" in advertised.values()
    assert environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the registry job"
    for _, host_port, _ in published_ports(compose_services["kafka"]):
        assert f"127.0.0.1:{host_port}" in advertised.values(), "the host listener advertises its published address"
        assert host_port == 9092, "the host reaches Kafka on 127.0.0.1:9092 in every stack (CONTRACT.md)"


def test_commands_of_the_topics_job_and_the_stats_worker(compose_services: dict[str, dict]) -> None:
    assert compose_services["topics"]["command"] == TOPICS_COMMAND
    worker = compose_services[STATS_WORKER]
    assert worker["command"] == STATS_WORKER_COMMAND
    assert worker["image"] == compose_services["stats-service"]["image"], "the worker runs the stats-service image"
    # The worker's settings default its web server to loopback, out of reach of Prometheus.
    assert worker["environment"]["CITIZENINFO_FAUST_WEB_HOST"] == "0.0.0.0"


def test_read_only_services_write_only_to_tmpfs_or_volumes(compose_services: dict[str, dict]) -> None:
    for name in APP_SERVICES:
        definition = compose_services[name]
        assert definition.get("read_only") is True, name
        assert "/tmp" in definition.get("tmpfs", []), name  # noqa: S108 - a tmpfs in the container
        assert definition.get("cap_drop") == ["ALL"], name
    worker_mounts = [v.split(":")[1] for v in compose_services[STATS_WORKER]["volumes"]]
    assert "/var/lib/citizeninfo/faust" in worker_mounts, "Faust's F_DATADIR is writable"


def test_mounted_files_exist(compose_services: dict[str, dict]) -> None:
    for name, definition in compose_services.items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith(("./", "/")) and source not in BUILD_OUTPUTS:
                assert (REPO / source).exists(), f"{name} mounts {source}, which does not exist"


def test_the_web_image_carries_the_compose_gateway_config_and_the_shared_routes() -> None:
    dockerfile = (REPO / "web" / "Dockerfile").read_text()
    assert "COPY deploy/compose/nginx.conf /etc/nginx/nginx.conf" in dockerfile
    assert "COPY deploy/gateway/http.conf deploy/gateway/routes.conf /etc/nginx/gateway/" in dockerfile, (
        "the routes shared with make up and k8s"
    )
    assert "COPY web/dist /usr/share/citizeninfo/web" in dockerfile


def test_named_volumes_are_declared(compose: dict) -> None:
    declared = set(compose.get("volumes") or {})
    for name, definition in compose["services"].items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith(("./", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_every_required_variable_is_documented_and_generated(generated_env: dict[str, str]) -> None:
    required = compose_required_variables(COMPOSE_FILE.read_text())
    assert {"ELASTIC_PASSWORD", "CITIZENINFO_ADMIN_PASSWORD", *LONG_SECRETS} <= required
    documented = set(re.findall(r"^([A-Z_]+)=", (COMPOSE_DIR / "env.example").read_text(), re.M))
    assert required <= documented, f"env.example lacks {sorted(required - documented)}"
    assert required <= set(generated_env), f"generate-env.sh does not write {sorted(required - set(generated_env))}"
    # card-gateway's keys for secrets at rest: JSON of key id to key, and the current id (not in URLs).
    in_urls = dict(generated_env)
    assert in_urls.pop("COMPOSE_PROJECT_NAME") == "citizeninfo", "docker-compose 1.29 has no top-level name"
    sealing_keys = json.loads(in_urls.pop("CITIZENINFO_SECRETS_AT_REST_KEYS"))
    assert in_urls.pop("CITIZENINFO_SECRETS_AT_REST_KEY_ID") in sealing_keys
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in sealing_keys.values()), sealing_keys
    # Not secrets: the one broker's topic replication (test_compose_replicates_topics_once_on_its_one_broker).
    for key in REPLICATION_VARIABLES:
        in_urls.pop(key)
    for key, value in in_urls.items():
        # The values go inside connection URLs, so they must need no escaping.
        assert re.fullmatch(r"[0-9a-f]{24,}", value), f"{key}={value!r}"
    for key in LONG_SECRETS:
        assert len(generated_env[key]) >= 32, f"production refuses a {key} shorter than 32 characters"


def test_generate_env_never_overwrites(tmp_path) -> None:
    target = tmp_path / ".env"
    target.write_text("ELASTIC_PASSWORD=keep\n")
    result = subprocess.run(["bash", str(COMPOSE_DIR / "generate-env.sh"), str(target)], capture_output=True)
    assert result.returncode != 0
    assert target.read_text() == "ELASTIC_PASSWORD=keep\n"


def test_prometheus_scrapes_every_service_and_the_worker(compose_services: dict[str, dict]) -> None:
    config = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    expected = {**SERVICE_PORTS, STATS_WORKER: STATS_WORKER_PORT}
    for name, port in expected.items():
        # One job per process, named as in the native stack: dashboards and alerts select on `job`.
        assert name in jobs, f"no scrape job {name}"
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"
        assert [t for s in jobs[name]["static_configs"] for t in s["targets"]] == [f"{name}:{port}"]
        assert name in compose_services
    mounts = compose_services["prometheus"]["volumes"]
    assert "./deploy/compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    assert "./deploy/prometheus/rules:/etc/prometheus/rules:ro" in mounts
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]


def test_grafana_is_provisioned_with_its_data_sources_and_dashboards(compose_services: dict[str, dict]) -> None:
    grafana = compose_services["grafana"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    providers = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/citizeninfo.yml").read_text())["providers"]
    dashboards_path = providers[0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{dashboards_path}:ro" in grafana["volumes"]
    # The shared data source file reads these from the environment; compose sets each one.
    datasource_text = (GRAFANA_DIR / "provisioning/datasources/citizeninfo.yml").read_text()
    for variable in set(re.findall(r"\$\{([A-Z_]+)\}", datasource_text)):
        assert variable in grafana["environment"], f"grafana lacks {variable}"
    environment = grafana["environment"]
    assert urlsplit(environment["GF_CITIZENINFO_PROMETHEUS_URL"]).netloc == "prometheus:9090"
    assert urlsplit(environment["GF_CITIZENINFO_ELASTICSEARCH_URL"]).netloc == "elasticsearch:9200"
    assert {"prometheus", "elasticsearch"} <= set(grafana["depends_on"])


def run_composecheck(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if shutil.which("go") is None:
        pytest.fail("go is not installed (composecheck uses compose-go, the loader of docker compose)")
    clean = {k: v for k, v in os.environ.items() if k not in environment and not k.startswith("CITIZENINFO_")}
    return subprocess.run(
        ["go", "run", ".", str(COMPOSE_FILE)],
        cwd=REPO / "deploy" / "tests" / "composecheck",
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_compose_go_loads_the_file_as_docker_compose_would(generated_env: dict[str, str]) -> None:
    result = run_composecheck(generated_env)
    assert result.returncode == 0, result.stderr
    project = json.loads(result.stdout)
    services = project["services"]
    assert set(services) == EXPECTED_SERVICES
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["CITIZENINFO_JWT_SECRET"] == generated_env["CITIZENINFO_JWT_SECRET"]
        assert urlsplit(environment["CITIZENINFO_ELASTICSEARCH_URL"]).password == generated_env["ELASTIC_PASSWORD"]
        assert os.path.realpath(services[name]["build"]["context"]) == str(REPO)
    assert services["gateway"]["ports"][0]["published"] == str(GATEWAY_PORT)


def test_compose_replicates_topics_once_on_its_one_broker(generated_env: dict[str, str]) -> None:
    # The topics job creates the registry's topics, the worker Faust's own: one copy each, since the compose
    # Kafka is one broker (a larger factor would fail every creation). From .env, or by default without it.
    kafka = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["kafka"]["environment"]
    assert len(kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == 1, "one broker"
    assert all(generated_env[key] == "1" for key in REPLICATION_VARIABLES)
    without = {k: v for k, v in generated_env.items() if k not in REPLICATION_VARIABLES}
    for environment in (generated_env, without):
        result = run_composecheck(environment)
        assert result.returncode == 0, result.stderr
        services = json.loads(result.stdout)["services"]
        for name in ("topics", *APP_SERVICES):
            given = {key: services[name]["environment"].get(key) for key in REPLICATION_VARIABLES}
            assert given == dict.fromkeys(REPLICATION_VARIABLES, "1"), f"{name}: {given}"


def test_compose_refuses_to_start_without_the_elastic_password(generated_env: dict[str, str]) -> None:
    without = {k: v for k, v in generated_env.items() if k != "ELASTIC_PASSWORD"}
    result = run_composecheck(without)
    assert result.returncode != 0
    assert "ELASTIC_PASSWORD" in result.stderr


# --- Kafka security: SCRAM users and ACLs -----------------------------------------------------------


def kafka_listeners(environment: dict[str, str]) -> dict[str, tuple[str, str]]:
    """listener name -> (bind address, security protocol)."""
    protocols = dict(pair.split(":") for pair in environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    listeners = {}
    for listener in environment["KAFKA_LISTENERS"].split(","):
        name, address = listener.split("://")
        listeners[name] = (address.rsplit(":", 1)[0], protocols[name])
    return listeners


def test_kafka_clients_must_authenticate_and_acls_refuse_the_rest(compose_services: dict[str, dict]) -> None:
    environment = compose_services["kafka"]["environment"]
    assert environment["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert environment["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert environment["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    listeners = kafka_listeners(environment)
    for name, (address, protocol) in listeners.items():
        if protocol == "PLAINTEXT":
            # Unauthenticated means ANONYMOUS, the super user: reachable only inside the broker's container.
            assert address == "127.0.0.1", f"{name} is PLAINTEXT on {address or 'every address'}"
        else:
            assert protocol == "SASL_PLAINTEXT", f"{name}: {protocol}"
            key = f"KAFKA_LISTENER_NAME_{name}_SCRAM___SHA___512_SASL_JAAS_CONFIG"
            assert "ScramLoginModule required" in environment.get(key, ""), f"{name} needs {key}"
    assert environment["KAFKA_SUPER_USERS"] == "User:ANONYMOUS"
    advertised = dict(entry.split("://") for entry in environment["KAFKA_ADVERTISED_LISTENERS"].split(","))
    # The services (kafka:9092) and the host (127.0.0.1:9092, the complaint system) come in over SASL.
    for address in ("kafka:9092", "127.0.0.1:9092"):
        (name,) = [n for n, a in advertised.items() if a == address]
        assert listeners[name][1] == "SASL_PLAINTEXT", address
    assert "127.0.0.1:9091" in healthcheck_command(compose_services["kafka"])


def test_every_kafka_client_authenticates_as_its_own_user(compose_services: dict[str, dict]) -> None:
    for name in APP_SERVICES:
        environment = compose_services[name]["environment"]
        assert environment["CITIZENINFO_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT", name
        assert environment["CITIZENINFO_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", name
        user = KAFKA_USERS[name]
        assert environment["CITIZENINFO_KAFKA_USERNAME"] == user, name
        variable = f"KAFKA_{user.upper().replace('-', '_')}_PASSWORD"
        assert environment["CITIZENINFO_KAFKA_PASSWORD"] == f"${{{variable}:?set it}}", name


def test_the_topics_job_creates_every_user_with_its_password_and_acls(compose_services: dict[str, dict]) -> None:
    from citizeninfo_devstack.topics import ACCESS, password_variable

    job = compose_services["topics"]
    environment = job["environment"]
    assert environment["CITIZENINFO_KAFKA_PROVISION_USERS"] == "true"
    users = {p for p, access in ACCESS.items() if not access.creates_topics}
    assert users == {*(KAFKA_USERS[n] for n in APP_SERVICES), COMPLAINT_SYSTEM_USER}
    for user in users:
        variable = f"KAFKA_{user.upper().replace('-', '_')}_PASSWORD"
        # The same .env variable the service's own password comes from.
        assert environment[password_variable(user)] == f"${{{variable}:?set it}}", user
    assert set(expected_kafka_acls()) >= users


def test_generated_kafka_passwords_differ_per_user(generated_env: dict[str, str]) -> None:
    passwords = [v for k, v in generated_env.items() if k.startswith("KAFKA_") and k.endswith("_PASSWORD")]
    assert len(passwords) == len(set(passwords)) == 7
