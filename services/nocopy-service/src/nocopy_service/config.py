from citizeninfo_shared.settings import ServiceSettings


class NocopySettings(ServiceSettings):
    service_name: str = "nocopy-service"
    mongodb_database: str = "citizeninfo_nocopy"
    root_path: str = "/api/nocopy/v1"

    # Previous answers kept on a point's document; the readiness topic keeps every answer forever.
    readiness_history_limit: int = 100
    # Survey downloads running at once; each reads a whole table (more get 429 and retry).
    export_concurrency: int = 2
