from typing import Annotated

from citizeninfo_shared.settings import ServiceSettings
from pydantic import Field


class FeedbackSettings(ServiceSettings):
    service_name: str = "feedback-service"
    mongodb_database: str = "citizeninfo_feedback"
    root_path: str = "/api/feedback/v1"

    # Abuse control on anonymous writes. The window limits are counted in each replica's memory (per
    # replica); the daily cap per client and point is kept with the ratings (for the whole system).
    # A "client" is a keyed hash of the address the gateway saw; carriers put many citizens behind
    # one address, so the per-client limits are generous and the per-point limits catch floods.
    rate_limit_window_seconds: int = 60
    ratings_per_client_per_window: int = 30
    ratings_per_point_per_window: int = 600
    ratings_per_client_per_point_per_day: int = 3
    complaints_per_client_per_window: int = 5
    complaints_per_point_per_window: int = 60
    # The gateway sets this header to the address it saw; without it the last X-Forwarded-For hop,
    # then the peer address, is used (services listen on loopback behind the gateway).
    client_address_header: str = "x-real-ip"

    # Known service points stay in memory this long (a point's department or services change rarely).
    catalogue_cache_seconds: float = 60.0
    catalogue_cache_points: int = 100_000

    # Consumer group reading citizeninfo.complaint-status.v1 from the national complaint system.
    complaint_status_group: str = "feedback-service.complaint-status"

    # Complaint target times: business days to an answer per category, merged over the defaults in
    # domain/complaint_deadlines.py (env JSON, e.g. CITIZENINFO_COMPLAINT_TARGET_BUSINESS_DAYS='{"fees": 5}').
    complaint_target_business_days: dict[str, Annotated[int, Field(ge=0, le=365)]] = Field(default_factory=dict)
    # The citizen may reopen an answered complaint this many days after the answer, this many times.
    complaint_reopen_window_days: int = Field(default=14, ge=0)
    complaint_max_reopens: int = Field(default=3, ge=0)
