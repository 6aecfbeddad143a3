"""PUT/GET a service point's readiness survey answer, and its history."""

import uuid
from datetime import UTC, datetime

from citizeninfo_shared.auth import CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.deps import CatalogueDep, OutboxRelayDep
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.topics import TopicName
from fastapi import APIRouter

from nocopy_service.adapters.readiness_store import READINESS_COLLECTION, ConcurrentAnswers
from nocopy_service.api.deps import ReadinessStoreDep
from nocopy_service.api.schemas import (
    ReadinessHistory,
    ReadinessRecord,
    ReadinessSurvey,
    ReadinessView,
    ServicePointId,
)
from nocopy_service.domain.answer import ServicesNotOffered, answer_survey

router = APIRouter(prefix="/service-points/{service_point_id}/readiness", tags=["readiness"])
EVENT_SOURCE = "/citizeninfo/nocopy-service/readiness"


def _now_in_milliseconds() -> datetime:
    # BSON keeps milliseconds: the answer returned now must equal the one read back later.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def _catalogued_point(catalogue: CatalogueDep, service_point_id: str) -> ServicePointRef:
    point = await catalogue.service_point(service_point_id)
    if point is None:
        raise Problem(404, f"No service point {service_point_id!r} in the catalogue.")
    return point


def _not_offered_problem(error: ServicesNotOffered) -> Problem:
    return Problem(
        422,
        f"Service point {error.service_point_id} does not offer {', '.join(sorted(error.positions.values()))}.",
        errors=[
            {
                "loc": ["body", "services", index, "service_id"],
                "msg": f"service {service_id} is not offered at this service point",
                "type": "service_not_offered",
            }
            for index, service_id in sorted(error.positions.items())
        ],
    )


@router.put(
    "",
    summary="Answer the readiness survey (replaces the previous answer)",
    responses={409: {"description": "Others answered for this point at the same moment; send it again"}},
)
async def answer_readiness(
    service_point_id: ServicePointId,
    survey: ReadinessSurvey,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: ReadinessStoreDep,
    relay: OutboxRelayDep,
) -> ReadinessView:
    point = await _catalogued_point(catalogue, service_point_id)
    ensure_may_act_for(principal, point.department_id)
    try:
        answer = answer_survey(
            answer_id=str(uuid.uuid4()),
            point=point,
            mou_with_dopa=survey.mou_with_dopa,
            card_readers=survey.card_readers,
            services=survey.service_answers(),
            obstacles=survey.obstacle_answers(),
            planned_cancel_date=survey.planned_cancel_date,
            answered_by=principal.username,
            answered_at=_now_in_milliseconds(),
        )
    except ServicesNotOffered as error:
        raise _not_offered_problem(error) from error
    event = CloudEvent.wrap(answer, source=EVENT_SOURCE, subject=service_point_id)
    try:
        await store.save(answer, OutboxEntry.of(TopicName.READINESS, event))
    except ConcurrentAnswers as error:
        raise Problem(409, "Others answered for this point at the same moment; send it again.") from error
    relay.notify(READINESS_COLLECTION, service_point_id)
    return ReadinessView.of(answer)


@router.get("", summary="The point's current survey answer (public)")
async def current_readiness(service_point_id: ServicePointId, store: ReadinessStoreDep) -> ReadinessView:
    answer = await store.current(service_point_id)
    if answer is None:
        raise Problem(404, f"Service point {service_point_id} has not answered the readiness survey.")
    return ReadinessView.of(answer)


@router.get("/history", summary="Every kept answer of the point, newest first (its department's staff, admins)")
async def readiness_history(
    service_point_id: ServicePointId,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    store: ReadinessStoreDep,
) -> ReadinessHistory:
    point = await _catalogued_point(catalogue, service_point_id)
    ensure_may_act_for(principal, point.department_id)
    answers = await store.history(service_point_id)
    return ReadinessHistory(
        service_point_id=service_point_id,
        items=[ReadinessRecord.model_validate(a.model_dump()) for a in answers],
    )
