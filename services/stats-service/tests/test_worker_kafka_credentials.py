"""The Faust worker authenticates with the same shared Kafka settings as every other client."""

import faust
from citizeninfo_shared.settings import KafkaSettings
from stats_service.worker.app import broker_credentials


def test_no_credentials_on_the_native_plaintext_broker() -> None:
    assert broker_credentials(KafkaSettings()) is None


def test_scram_credentials_for_faust() -> None:
    credentials = broker_credentials(
        KafkaSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_username="stats-worker",
            kafka_password="pw",
        )
    )
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password) == ("stats-worker", "pw")
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.protocol.value == "SASL_PLAINTEXT"
    with_tls = broker_credentials(
        KafkaSettings(kafka_security_protocol="SASL_SSL", kafka_username="stats-worker", kafka_password="pw")
    )
    assert with_tls is not None and with_tls.protocol.value == "SASL_SSL"
