from typing import Annotated
from urllib.parse import urlsplit

from citizeninfo_shared.settings import ServiceSettings
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from card_gateway.domain.outbound_urls import OutboundUrlPolicy
from card_gateway.domain.sealed_secrets import SecretSealer

# The DGA GDX API (api.egov.go.th/ws/...), the one registry endpoint the gateway knows.
GDX_HOSTS = ["api.egov.go.th"]
DEVELOPMENT_SECRETS_KEY_ID = "dev"
DEVELOPMENT_SECRETS_KEY = "development-only-secrets-at-rest-key-not-for-production"


class CardSettings(ServiceSettings):
    service_name: str = "card-gateway"
    mongodb_database: str = "citizeninfo_card"
    root_path: str = "/api/card/v1"
    # A registry check that has not answered by then leaves verified_online null; the read goes on.
    online_verification_timeout_seconds: float = 5.0
    # Where a point's registry check may go (CITIZENINFO_GDX_ALLOWED_HOSTS, comma-separated): `host` (https
    # on 443) or `host:port`. Administrators configure endpoints; only these hosts are accepted.
    gdx_allowed_hosts: Annotated[list[str], NoDecode] = GDX_HOSTS
    # The local GDX simulator (gdx_simulator.py) over http on loopback: honoured in development only.
    gdx_allow_development_simulator: bool = True
    # Reader-agent credentials expire after this many days; staff rotate them before.
    agent_token_ttl_days: int = Field(default=90, ge=1, le=3650)
    # Keys sealing secrets at rest (the GDX consumer secret): CITIZENINFO_SECRETS_AT_REST_KEYS as JSON
    # {"key id": "key of 32+ characters"}; new values are sealed under CITIZENINFO_SECRETS_AT_REST_KEY_ID,
    # older keys stay listed until every value was sealed again (on read).
    secrets_at_rest_keys: dict[str, SecretStr] = {DEVELOPMENT_SECRETS_KEY_ID: SecretStr(DEVELOPMENT_SECRETS_KEY)}
    secrets_at_rest_key_id: str = DEVELOPMENT_SECRETS_KEY_ID
    # Several replicas (CITIZENINFO_CARD_REPLICA_URL): where the other replicas reach this one, e.g.
    # http://127.0.0.1:8005, in Kubernetes http://$(POD_IP):8005. Unset: a single process, as before.
    card_replica_url: str | None = None
    # Each replica writes its heartbeat this often; one silent for 3 beats counts as gone.
    card_replica_heartbeat_seconds: float = Field(default=5.0, gt=0, le=60)
    # A forwarded request or a "close this link" the owner has not answered by then: the owner is gone.
    card_replica_timeout_seconds: float = Field(default=3.0, gt=0, le=30)

    @field_validator("gdx_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    @field_validator("card_replica_url", mode="before")
    @classmethod
    def _check_replica_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise ValueError("CITIZENINFO_CARD_REPLICA_URL is http(s)://host:port, without a path, query or user")
        return url

    @model_validator(mode="after")
    def _refuse_development_keys_in_production(self) -> "CardSettings":
        self.secret_sealer()  # a bad key or key id fails at start-up, not at the first PUT
        if self.environment == "production":
            for key in self.secrets_at_rest_keys.values():
                if key.get_secret_value() == DEVELOPMENT_SECRETS_KEY:
                    raise ValueError("CITIZENINFO_SECRETS_AT_REST_KEYS must not hold the development key in production")
        return self

    def outbound_policy(self) -> OutboundUrlPolicy:
        return OutboundUrlPolicy.of(
            self.gdx_allowed_hosts,
            allow_development_loopback=self.gdx_allow_development_simulator and self.environment == "development",
        )

    def secret_sealer(self) -> SecretSealer:
        keys = {key_id: key.get_secret_value().encode() for key_id, key in self.secrets_at_rest_keys.items()}
        return SecretSealer(keys, self.secrets_at_rest_key_id)
