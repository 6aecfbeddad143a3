from citizeninfo_shared.settings import ServiceSettings


class CardSettings(ServiceSettings):
    service_name: str = "card-gateway"
    mongodb_database: str = "citizeninfo_card"
    root_path: str = "/api/card/v1"
    # A registry check that has not answered by then leaves verified_online null; the read goes on.
    online_verification_timeout_seconds: float = 5.0
