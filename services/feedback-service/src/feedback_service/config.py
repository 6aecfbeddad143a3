from citizeninfo_shared.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    service_name: str = "feedback-service"
    mongodb_database: str = "citizeninfo_feedback"
    root_path: str = "/api/feedback/v1"
