"""citizeninfo.readiness.v1 — a service point's latest No-Copy readiness survey answer."""

from datetime import date, datetime
from typing import ClassVar, Literal

from citizeninfo_shared.events.envelope import EventData

CopyStatus = Literal["required", "in_progress", "cancelled"]
ReadinessMode = Literal["online_and_on_card", "on_card", "needs_reader"]
ObstacleKind = Literal["law", "policy", "budget", "it_linkage", "personnel", "other"]


class ServiceCopyAnswer(EventData):
    service_id: str
    id_card_copy: CopyStatus
    house_registration_copy: CopyStatus


class Obstacle(EventData):
    kind: ObstacleKind
    detail: str = ""


class ReadinessAnswered(EventData):
    event_type: ClassVar[str] = "th.go.citizeninfo.readiness.answered"
    answer_id: str
    service_point_id: str
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    # The point's names when answered, so survey tables need no catalogue lookup.
    service_point_name_th: str | None = None
    service_point_name_en: str | None = None
    copy_status: CopyStatus
    mode: ReadinessMode
    mou_with_dopa: bool
    card_readers: int
    services: list[ServiceCopyAnswer]
    obstacles: list[Obstacle] = []
    planned_cancel_date: date | None = None
    answered_by: str
    answered_at: datetime
