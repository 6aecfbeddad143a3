"""Typed settings read from the environment (prefix ``CITIZENINFO_``); one subclass per service."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from citizeninfo_shared.keys import KEY_ID_PATTERN
from citizeninfo_shared.topics import TopicReplication

DEVELOPMENT_JWT_SECRET = "development-only-jwt-secret-do-not-use-in-production"  # noqa: S105
DEVELOPMENT_VISIT_TOKEN_SECRET = "development-only-visit-token-secret-not-for-production"  # noqa: S105
DEVELOPMENT_IDENTITY_HMAC_KEY = "development-only-identity-hmac-key-not-for-production"


class KafkaSettings(BaseSettings):
    """How every Kafka client of the system connects (citizeninfo_shared.kafka.kafka_client_options).

    Read alone by what needs nothing else (the topics job, the Kafka factories); every service's settings
    include it. PLAINTEXT (no authentication) is the native `make up` stack's broker on 127.0.0.1:9092;
    compose and Kubernetes use SASL/SCRAM with a user per service, and production refuses PLAINTEXT.
    """

    model_config = SettingsConfigDict(env_prefix="CITIZENINFO_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    # SASL_SSL: the CA that signed the brokers' certificates (e.g. Strimzi's cluster CA); None: the system's.
    kafka_ssl_cafile: Path | None = None
    # Every topic the system creates (the registry's, and Faust's own): copies kept, and copies that must
    # have a write before acks=all succeeds. 1/1 on one broker (native, compose); 3/2 in production.
    kafka_topic_replication_factor: int = Field(default=1, ge=1)
    kafka_min_insync_replicas: int = Field(default=1, ge=1)

    @property
    def topic_replication(self) -> TopicReplication:
        return TopicReplication(self.kafka_topic_replication_factor, self.kafka_min_insync_replicas)

    @model_validator(mode="after")
    def _min_insync_replicas_fit_the_replication_factor(self) -> "KafkaSettings":
        try:
            self.topic_replication  # noqa: B018 - built only to be checked
        except ValueError as error:
            raise ValueError(
                f"CITIZENINFO_KAFKA_MIN_INSYNC_REPLICAS={self.kafka_min_insync_replicas} must not exceed"
                f" CITIZENINFO_KAFKA_TOPIC_REPLICATION_FACTOR={self.kafka_topic_replication_factor} ({error})"
            ) from error
        return self

    @model_validator(mode="after")
    def _kafka_credentials_go_with_sasl(self) -> "KafkaSettings":
        if self.kafka_security_protocol == "PLAINTEXT":
            if self.environment == "production":
                raise ValueError(
                    "CITIZENINFO_KAFKA_SECURITY_PROTOCOL must be SASL_PLAINTEXT or SASL_SSL in production"
                    " (with CITIZENINFO_KAFKA_USERNAME and CITIZENINFO_KAFKA_PASSWORD)"
                )
        elif not self.kafka_username or self.kafka_password is None or not self.kafka_password.get_secret_value():
            raise ValueError(
                f"CITIZENINFO_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs"
                " CITIZENINFO_KAFKA_USERNAME and CITIZENINFO_KAFKA_PASSWORD"
            )
        return self


class ServiceSettings(KafkaSettings):
    model_config = SettingsConfigDict(env_prefix="CITIZENINFO_", extra="ignore", frozen=True)

    service_name: str = "citizeninfo"
    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    # The prefix the API gateway mounts this service under; only used to document URLs.
    root_path: str = ""

    # Kafka: kafka_bootstrap_servers and the SASL settings come from KafkaSettings.
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "citizeninfo"
    mongodb_max_pool_size: int = 12
    # One URL, or several separated by commas (the nodes of a cluster: the client fails over between them).
    elasticsearch_url: str = "http://127.0.0.1:9200"
    # Copies of every index's shard on other nodes: 0 on one node, 1 or more in a cluster, so a lost
    # node loses no search and no statistics.
    elasticsearch_number_of_replicas: int = Field(default=0, ge=0)

    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_issuer: str = "citizeninfo-pin-service"
    jwt_audience: str = "citizeninfo"
    # Signs the one-time visit tokens the card gateway issues and feedback-service redeems.
    visit_token_secret: SecretStr = SecretStr(DEVELOPMENT_VISIT_TOKEN_SECRET)
    # Key material for every keyed hash (citizen pseudonyms, client addresses, idempotency keys, public
    # ids): one key per purpose is derived from it (keys.py), and each hash names the key id it was made with.
    identity_hmac_key: SecretStr = SecretStr(DEVELOPMENT_IDENTITY_HMAC_KEY)
    # The id of that material ("k1:…" on every hash). To rotate: new material under a new id, the old
    # material moved to identity_retired_keys (JSON {"k1": "..."}) while its hashes must be recognised.
    identity_key_id: str = Field(default="k1", pattern=KEY_ID_PATTERN)
    identity_retired_keys: dict[str, SecretStr] = {}
    # The key id whose material made the hashes written before key ids (bare hex, read as "legacy");
    # empty once none of them needs recognising any more.
    identity_legacy_key_id: str = "k1"

    # Outbox relay: writes notify it at once; the sweep finds what a crash left behind (it scans, so rarely).
    relay_sweep_interval_seconds: float = 30.0
    relay_max_backoff_seconds: float = 10.0
    # A batch of events staged ahead of inserts is recovered by the sweep once this old (outbox.py).
    relay_abandoned_batch_seconds: float = 60.0
    # Readiness checks give up after this long so a hung dependency cannot hang the probe.
    readiness_timeout_seconds: float = 2.0

    @property
    def elasticsearch_hosts(self) -> list[str]:
        """The Elasticsearch node URLs of elasticsearch_url, for the client's list of hosts."""
        return [url.strip() for url in self.elasticsearch_url.split(",") if url.strip()]

    @model_validator(mode="after")
    def _refuse_placeholder_secrets_in_production(self) -> "ServiceSettings":
        if self.environment == "production":
            for name, placeholder in (
                ("jwt_secret", DEVELOPMENT_JWT_SECRET),
                ("visit_token_secret", DEVELOPMENT_VISIT_TOKEN_SECRET),
                ("identity_hmac_key", DEVELOPMENT_IDENTITY_HMAC_KEY),
            ):
                secret = getattr(self, name).get_secret_value()
                if secret == placeholder or len(secret) < 32:
                    raise ValueError(
                        f"CITIZENINFO_{name.upper()} must be set to a random value of at least 32 characters"
                        " in production"
                    )
            for key_id, retired in self.identity_retired_keys.items():
                if len(retired.get_secret_value()) < 32:
                    raise ValueError(f"retired identity key {key_id} must be at least 32 characters in production")
        return self
