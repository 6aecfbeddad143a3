from citizeninfo_shared.settings import ServiceSettings
from pydantic import SecretStr


class PinSettings(ServiceSettings):
    service_name: str = "pin-service"
    mongodb_database: str = "citizeninfo_pin"
    root_path: str = "/api/pin/v1"

    admin_user: str = "admin"
    # No default: `make up` sets a development password; production must set its own.
    admin_password: SecretStr | None = None
    access_token_ttl_seconds: int = 900
    # After this many wrong passwords within the lockout period, the account refuses sign-in for that period.
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    # A catalogue import is applied in batches of this many lines (one round trip per batch).
    import_batch_size: int = 500
