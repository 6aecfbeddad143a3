"""The native topologies' configuration (deploy/local): `make up` one of each, `make cluster-up` the
replicated cluster. Rendered into a scratch checkout, read back as each server would read it."""

import configparser
import re
from pathlib import Path

import pytest
import yaml
from citizeninfo_devstack import programs
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import CLUSTER, SERVICES, SINGLE, Topology
from citizeninfo_devstack.stack import Stack

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "jwt_secret": "j" * 48,
    "visit_token_secret": "v" * 48,
    "identity_hmac_key": "i" * 48,
    "admin_user": "admin",
    "admin_password": "password",
}


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch repository with the real templates and gateway files, and stand-ins for the servers."""
    (tmp_path / "deploy" / "local").mkdir(parents=True)
    (tmp_path / "deploy" / "local" / "templates").symlink_to(REPO / "deploy" / "local" / "templates")
    (tmp_path / "deploy" / "gateway").symlink_to(REPO / "deploy" / "gateway")
    es_config = StackPaths(tmp_path, tmp_path / "cache").elasticsearch_home / "config"
    es_config.mkdir(parents=True)
    (es_config / "jvm.options").write_text("-Xss1m\n")
    monkeypatch.setattr(programs, "java17_home", lambda: Path("/opt/java"))
    monkeypatch.setattr(programs, "postgres_bin", lambda: Path("/opt/postgres/bin"))
    return tmp_path


def _configure(checkout: Path, topology: Topology) -> tuple[StackPaths, list[programs.Program]]:
    paths = StackPaths(checkout, checkout / "cache").topology(topology.run_subdirectory)
    stack = Stack(paths=paths, topology=topology)
    return paths, stack.configure(None, SECRETS)


def _properties(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_one_of_each_keeps_its_names_ports_and_places(checkout: Path) -> None:
    paths, configured = _configure(checkout, SINGLE)
    assert paths.run == checkout / ".run"
    names = {program.name for program in configured}
    assert {"kafka", "elasticsearch", "stats-worker", *(s.name for s in SERVICES)} <= names
    kafka = _properties(paths.conf / "kafka.properties")
    assert kafka["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert kafka["default.replication.factor"] == kafka["min.insync.replicas"] == "1"
    elasticsearch = yaml.safe_load((paths.conf / "elasticsearch" / "elasticsearch.yml").read_text())
    assert elasticsearch["discovery.type"] == "single-node" and elasticsearch["http.port"] == 9200
    gateway = (paths.conf / "nginx.conf").read_text()
    assert "server 127.0.0.1:8001;" in gateway and "8101" not in gateway


def test_the_cluster_has_three_brokers_replicating_three_with_two_in_sync(checkout: Path) -> None:
    paths, _ = _configure(checkout, CLUSTER)
    assert paths.run == checkout / ".run" / "cluster"
    nodes = [_properties(paths.conf / f"{name}.properties") for name in CLUSTER.kafka_names()]
    assert [n["node.id"] for n in nodes] == ["1", "2", "3"]
    assert {n["controller.quorum.voters"] for n in nodes} == {"1@127.0.0.1:9093,2@127.0.0.1:9193,3@127.0.0.1:9293"}
    assert [n["advertised.listeners"] for n in nodes] == [f"PLAINTEXT://127.0.0.1:{p}" for p in (9092, 9192, 9292)]
    assert len({n["log.dirs"] for n in nodes}) == 3
    for node in nodes:
        assert node["default.replication.factor"] == node["offsets.topic.replication.factor"] == "3"
        assert node["min.insync.replicas"] == node["transaction.state.log.min.isr"] == "2"


def test_the_cluster_has_three_search_nodes_that_find_each_other_on_loopback(checkout: Path) -> None:
    paths, _ = _configure(checkout, CLUSTER)
    nodes = [yaml.safe_load((paths.conf / n / "elasticsearch.yml").read_text()) for n in CLUSTER.elasticsearch_names()]
    assert {n["cluster.name"] for n in nodes} == {"citizeninfo-cluster"}
    assert [n["http.port"] for n in nodes] == [9200, 9201, 9202]
    assert all(n["network.host"] == "127.0.0.1" and "discovery.type" not in n for n in nodes)
    assert all(n["discovery.seed_hosts"] == ["127.0.0.1:9300", "127.0.0.1:9301", "127.0.0.1:9302"] for n in nodes)
    assert all(set(n["cluster.initial_master_nodes"]) == {m["node.name"] for m in nodes} for n in nodes)


def test_the_cluster_runs_two_of_every_service_behind_the_gateway(checkout: Path) -> None:
    paths, configured = _configure(checkout, CLUSTER)
    gateway = (paths.conf / "nginx.conf").read_text()
    for spec in SERVICES:
        upstream = re.search(rf"upstream {spec.name.replace('-', '_')} \{{(.*?)\}}", gateway, re.S)
        assert upstream is not None
        assert re.findall(r"server 127\.0\.0\.1:(\d+) max_fails=1", upstream.group(1)) == [
            str(spec.port),
            str(spec.port + 100),
        ]
    by_name = {program.name: program for program in configured}
    for spec in SERVICES:
        for name, port in zip(CLUSTER.replica_names(spec), CLUSTER.replica_ports(spec), strict=True):
            environment = by_name[name].environment
            assert f"--port {port}" in by_name[name].command
            assert environment["CITIZENINFO_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092,127.0.0.1:9192,127.0.0.1:9292"
            assert environment["CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR"] == "3"
            assert environment["CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS"] == "2"
            assert environment["CITIZENINFO_ELASTICSEARCH_NUMBER_OF_REPLICAS"] == "1"
            assert len(environment["CITIZENINFO_ELASTICSEARCH_URL"].split(",")) == 3
            if spec.name == "card-gateway":
                assert environment["CITIZENINFO_CARD_REPLICA_URL"] == f"http://127.0.0.1:{port}"
    workers = [by_name[name] for name in CLUSTER.worker_names()]
    assert [w.environment["CITIZENINFO_FAUST_WEB_PORT"] for w in workers] == ["6066", "6067"]
    assert len({w.directory for w in workers}) == 2 and all(w.directory.is_dir() for w in workers)
    assert "pcscd" not in by_name  # the virtual card reader belongs to `make up`


def test_supervisor_gets_every_program_of_the_cluster(checkout: Path) -> None:
    paths, configured = _configure(checkout, CLUSTER)
    supervisor = configparser.RawConfigParser()
    supervisor.read(paths.supervisor_conf)
    assert {s.removeprefix("program:") for s in supervisor.sections() if s.startswith("program:")} == {
        program.name for program in configured
    }
    assert (paths.supervisor_conf.stat().st_mode & 0o777) == 0o600
