"""A readiness answer as it is stored and announced: derived status and mode, obstacles redacted."""

from collections.abc import Sequence
from datetime import date, datetime

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.readiness import Obstacle, ReadinessAnswered, ServiceCopyAnswer
from citizeninfo_shared.privacy import redact

from nocopy_service.domain.readiness import point_copy_status, readiness_mode


class ServicesNotOffered(ValueError):
    """The survey names services the point does not offer (per the catalogue)."""

    def __init__(self, service_point_id: str, positions: dict[int, str]) -> None:
        super().__init__(f"{service_point_id} does not offer {sorted(positions.values())}")
        self.service_point_id = service_point_id
        self.positions = positions  # index in the survey's services → service id


def services_not_offered(point: ServicePointRef, services: Sequence[ServiceCopyAnswer]) -> dict[int, str]:
    offered = set(point.service_ids)
    return {i: s.service_id for i, s in enumerate(services) if s.service_id not in offered}


def answer_survey(
    *,
    answer_id: str,
    point: ServicePointRef,
    mou_with_dopa: bool,
    card_readers: int,
    services: Sequence[ServiceCopyAnswer],
    obstacles: Sequence[Obstacle],
    planned_cancel_date: date | None,
    answered_by: str,
    answered_at: datetime,
) -> ReadinessAnswered:
    """The answer for `point`; raises ServicesNotOffered when a service is not one the point offers."""
    not_offered = services_not_offered(point, services)
    if not_offered:
        raise ServicesNotOffered(point.service_point_id, not_offered)
    return ReadinessAnswered(
        answer_id=answer_id,
        service_point_id=point.service_point_id,
        # Stamped from the catalogue so that stats can aggregate without looking anything up.
        department_id=point.department_id,
        ministry_id=point.ministry_id,
        province_code=point.province_code,
        district_code=point.district_code,
        service_point_name_th=point.name_th,
        service_point_name_en=point.name_en,
        copy_status=point_copy_status(services),
        mode=readiness_mode(mou_with_dopa=mou_with_dopa, card_readers=card_readers),
        mou_with_dopa=mou_with_dopa,
        card_readers=card_readers,
        services=list(services),
        # Free text from an official may still name a citizen; it is public once published.
        obstacles=[Obstacle(kind=o.kind, detail=redact(o.detail)) for o in obstacles],
        planned_cancel_date=planned_cancel_date,
        answered_by=answered_by,
        answered_at=answered_at,
    )
