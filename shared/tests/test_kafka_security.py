"""Shared Kafka settings -> the options every client gets (kafka-python and aiokafka alike)."""

import inspect
import ssl

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from citizeninfo_shared.kafka import create_async_producer, kafka_client_options
from citizeninfo_shared.settings import KafkaSettings, ServiceSettings
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

SCRAM = {
    "kafka_security_protocol": "SASL_PLAINTEXT",
    "kafka_sasl_mechanism": "SCRAM-SHA-512",
    "kafka_username": "pin-service",
    "kafka_password": "s3cret",
}


def test_plaintext_by_default_as_the_native_stack_runs(monkeypatch) -> None:
    for name in ("SECURITY_PROTOCOL", "USERNAME", "PASSWORD", "SASL_MECHANISM", "SSL_CAFILE"):
        monkeypatch.delenv(f"CITIZENINFO_KAFKA_{name}", raising=False)
    assert KafkaSettings().kafka_bootstrap_servers == "127.0.0.1:9092"
    assert kafka_client_options(KafkaSettings()) == {"security_protocol": "PLAINTEXT"}


def test_scram_options_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CITIZENINFO_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("CITIZENINFO_KAFKA_USERNAME", "feedback-service")
    monkeypatch.setenv("CITIZENINFO_KAFKA_PASSWORD", "pw")
    assert kafka_client_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "feedback-service",
        "sasl_plain_password": "pw",
    }
    # The services' settings carry the same fields.
    assert ServiceSettings().kafka_username == "feedback-service"


def test_sasl_ssl_verifies_the_brokers_certificates() -> None:
    options = kafka_client_options(KafkaSettings(**{**SCRAM, "kafka_security_protocol": "SASL_SSL"}))
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_sasl_without_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="KAFKA_USERNAME"):
        KafkaSettings(kafka_security_protocol="SASL_PLAINTEXT")
    with pytest.raises(ValueError, match="KAFKA_PASSWORD"):
        KafkaSettings(kafka_security_protocol="SASL_SSL", kafka_username="u", kafka_password="")


def test_production_refuses_plaintext() -> None:
    with pytest.raises(ValueError, match="KAFKA_SECURITY_PROTOCOL"):
        KafkaSettings(environment="production")
    with pytest.raises(ValueError, match="KAFKA_SECURITY_PROTOCOL"):
        ServiceSettings(
            environment="production", jwt_secret="x" * 40, visit_token_secret="y" * 40, identity_hmac_key="z" * 40
        )
    assert KafkaSettings(environment="production", **SCRAM).kafka_security_protocol == "SASL_PLAINTEXT"


def test_the_password_is_never_shown() -> None:
    assert "s3cret" not in repr(KafkaSettings(**SCRAM))


@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_both_client_families_accept_the_options(protocol: str) -> None:
    options = set(kafka_client_options(KafkaSettings(**{**SCRAM, "kafka_security_protocol": protocol})))
    for client in (KafkaProducer, KafkaConsumer, KafkaAdminClient):
        assert options <= set(client.DEFAULT_CONFIG), client.__name__
    for client in (AIOKafkaProducer, AIOKafkaConsumer):
        assert options <= set(inspect.signature(client.__init__).parameters), client.__name__


async def test_the_factories_pass_them_on() -> None:
    producer = create_async_producer("127.0.0.1:1", client_id="t", security=KafkaSettings(**SCRAM))
    client = producer.client
    assert (client._security_protocol, client._sasl_mechanism) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert (client._sasl_plain_username, client._sasl_plain_password) == ("pin-service", "s3cret")
