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
    # Wrong passwords slow sign-in, never lock it (domain/login_throttle.py): per client address and
    # account, this many free failures, then a wait doubling from 1 s up to the maximum; per account
    # across all addresses, a looser budget whose wait is capped low, so the owner elsewhere gets in.
    login_client_free_failures: int = 4
    login_client_max_delay_seconds: float = 900
    login_account_free_failures: int = 20
    login_account_max_delay_seconds: float = 30
    login_forget_after_seconds: float = 3600
    # argon2 hashes and verifications running at once, each in a worker thread (about 0.25 s of CPU each).
    password_hashing_concurrency: int = 2
    # A catalogue import is applied in batches of this many lines (one round trip per batch).
    import_batch_size: int = 500

    # Accounts created without a password (CSV import, approved registration requests) get a one-time
    # setup code valid this long; its holder chooses a password with it (POST /auth/setup-password).
    account_setup_code_ttl_days: int = 14
    # POST /users:import: at most this many accounts (lines after the header) and bytes a request.
    account_import_max_lines: int = 5_000
    account_import_max_bytes: int = 1_048_576
    # POST /registration-requests: the official e-mail's domain must be one of these or below one
    # (go.th: government agencies and local bodies; mi.th: the armed forces).
    registration_email_domains: tuple[str, ...] = ("go.th", "mi.th")
    # Undecided requests at once: per e-mail address, and per department (the abuse cap).
    registration_pending_per_email: int = 1
    registration_pending_per_department: int = 20
