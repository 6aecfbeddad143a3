from citizeninfo_shared.settings import ServiceSettings


class CardSettings(ServiceSettings):
    service_name: str = "card-gateway"
    mongodb_database: str = "citizeninfo_card"
    root_path: str = "/api/card/v1"
