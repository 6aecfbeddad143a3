"""The infrastructure images built here (deploy/images/, citizeninfo_devstack.infra_images), read without an
engine: what their build contexts hold, and how the Kafka image turns compose's environment into settings.
`make compose-test` and the throw-away servers of `make test` run them for real."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from citizeninfo_devstack import infra_images
from citizeninfo_devstack.paths import StackPaths
from deploy_support import REPO


def kafka_entrypoint() -> ModuleType:
    path = REPO / "deploy" / "images" / "kafka" / "kafka-entrypoint.py"
    spec = importlib.util.spec_from_file_location("kafka_entrypoint", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("variable", "setting"),
    [
        ("KAFKA_NODE_ID", "node.id"),
        ("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "allow.everyone.if.no.acl.found"),
        (
            "KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG",
            "listener.name.internal.scram-sha-512.sasl.jaas.config",
        ),
        ("KAFKA_SOME__UNDERSCORED_NAME", "some_underscored.name"),
    ],
)
def test_kafka_variables_become_settings_as_the_official_image_names_them(variable: str, setting: str) -> None:
    assert kafka_entrypoint().setting_name(variable) == setting


def test_compose_kafka_environment_becomes_broker_settings_without_jvm_options(
    compose_services: dict[str, dict],
) -> None:
    environment = {key: str(value) for key, value in compose_services["kafka"]["environment"].items()}
    settings = kafka_entrypoint().settings({**environment, "KAFKA_HEAP_OPTS": "-Xmx1g", "PATH": "/bin"})
    assert settings["process.roles"] == "broker,controller"
    assert settings["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert settings["listener.security.protocol.map"].count("SASL_PLAINTEXT") == 2
    assert "heap.opts" not in settings and "path" not in settings, "JVM options and other variables stay out"
    assert "CLUSTER_ID" in environment, "KRaft formats its log dirs with the cluster id once"


def test_every_local_image_replaces_an_official_one_in_the_override() -> None:
    override = yaml.safe_load((REPO / "deploy" / "compose" / "local-images.yml").read_text())["services"]
    images = {definition.get("image") for definition in override.values()}
    assert {image.tag for image in infra_images.INFRA_IMAGES} <= images


def test_staging_fills_the_context_and_names_a_missing_artifact(tmp_path: Path) -> None:
    paths = StackPaths(repo=REPO, cache=tmp_path / "cache")
    kafka = infra_images.KAFKA
    with pytest.raises(FileNotFoundError, match="kafka"):
        kafka.stage(paths, tmp_path / "missing")
    paths.kafka_libs.mkdir(parents=True)
    (paths.kafka_libs / "kafka_2.13-4.3.1.jar").write_bytes(b"jar")
    context = tmp_path / "context"
    kafka.stage(paths, context)
    assert (context / "Dockerfile").read_text() == kafka.dockerfile(paths).read_text()
    assert (context / "libs" / "kafka_2.13-4.3.1.jar").read_bytes() == b"jar"
    assert (context / "log4j2.yaml").exists() and (context / "kafka-entrypoint.py").exists()
