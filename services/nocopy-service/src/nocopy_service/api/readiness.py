"""PUT/GET a service point's readiness survey answer."""

import uuid
from datetime import UTC, datetime

from citizeninfo_shared.auth import AdminPrincipal
from citizeninfo_shared.deps import OutboxRelayDep
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.topics import TopicName
from fastapi import APIRouter

from nocopy_service.adapters.readiness_store import READINESS_COLLECTION, ConcurrentAnswers
from nocopy_service.api.deps import ReadinessStoreDep
from nocopy_service.api.schemas import ReadinessSurvey, ReadinessView, ServicePointId
from nocopy_service.domain.answer import answer_survey

router = APIRouter(prefix="/service-points/{service_point_id}/readiness", tags=["readiness"])
EVENT_SOURCE = "/citizeninfo/nocopy-service/readiness"


def _now_in_milliseconds() -> datetime:
    # BSON keeps milliseconds: the answer returned now must equal the one read back later.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@router.put("", summary="Answer the readiness survey (replaces the previous answer)")
async def answer_readiness(
    service_point_id: ServicePointId,
    survey: ReadinessSurvey,
    # Admins only until nocopy-service keeps a catalogue projection to check a department's points.
    principal: AdminPrincipal,
    store: ReadinessStoreDep,
    relay: OutboxRelayDep,
) -> ReadinessView:
    answer = answer_survey(
        answer_id=str(uuid.uuid4()),
        service_point_id=service_point_id,
        mou_with_dopa=survey.mou_with_dopa,
        card_readers=survey.card_readers,
        services=survey.service_answers(),
        obstacles=survey.obstacle_answers(),
        planned_cancel_date=survey.planned_cancel_date,
        answered_by=principal.username,
        answered_at=_now_in_milliseconds(),
    )
    event = CloudEvent.wrap(answer, source=EVENT_SOURCE, subject=service_point_id)
    try:
        await store.save(answer, OutboxEntry.of(TopicName.READINESS, event))
    except ConcurrentAnswers as error:
        raise Problem(409, "Others answered for this point at the same moment; send it again.") from error
    relay.notify(READINESS_COLLECTION, service_point_id)
    return ReadinessView.of(answer)


@router.get("", summary="The point's current survey answer")
async def current_readiness(service_point_id: ServicePointId, store: ReadinessStoreDep) -> ReadinessView:
    answer = await store.current(service_point_id)
    if answer is None:
        raise Problem(404, f"Service point {service_point_id} has not answered the readiness survey.")
    return ReadinessView.of(answer)
