"""A readiness answer as it is stored and announced: derived status and mode, obstacles redacted."""

from collections.abc import Sequence
from datetime import date, datetime

from citizeninfo_shared.events.readiness import Obstacle, ReadinessAnswered, ServiceCopyAnswer
from citizeninfo_shared.privacy import redact

from nocopy_service.domain.readiness import point_copy_status, readiness_mode


def answer_survey(
    *,
    answer_id: str,
    service_point_id: str,
    mou_with_dopa: bool,
    card_readers: int,
    services: Sequence[ServiceCopyAnswer],
    obstacles: Sequence[Obstacle],
    planned_cancel_date: date | None,
    answered_by: str,
    answered_at: datetime,
) -> ReadinessAnswered:
    return ReadinessAnswered(
        answer_id=answer_id,
        service_point_id=service_point_id,
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
