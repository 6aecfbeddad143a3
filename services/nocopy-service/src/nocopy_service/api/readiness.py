"""PUT/GET a service point's readiness survey answer, and its history."""

from typing import Annotated

from citizeninfo_shared.auth import CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.deps import CatalogueDep, OutboxRelayDep
from citizeninfo_shared.problems import Problem
from fastapi import APIRouter, Depends

from nocopy_service.adapters.readiness_store import ConcurrentAnswers
from nocopy_service.api.deps import ReadinessStoreDep
from nocopy_service.api.schemas import (
    ReadinessHistory,
    ReadinessRecord,
    ReadinessSurvey,
    ReadinessView,
    ServicePointId,
)
from nocopy_service.domain.answer import ServicesNotOffered
from nocopy_service.service_layer.answering import (
    CONCURRENT,
    ReadinessAnswering,
    not_offered_detail,
    not_offered_errors,
    unknown_point,
)

router = APIRouter(prefix="/service-points/{service_point_id}/readiness", tags=["readiness"])


async def _catalogued_point(catalogue: CatalogueDep, service_point_id: str) -> ServicePointRef:
    point = await catalogue.service_point(service_point_id)
    if point is None:
        raise Problem(404, unknown_point(service_point_id))
    return point


def _not_offered_problem(error: ServicesNotOffered) -> Problem:
    errors = [{**e, "loc": ["body", *e["loc"]]} for e in not_offered_errors(error)]
    return Problem(422, not_offered_detail(error), errors=errors)


async def _answering(catalogue: CatalogueDep, store: ReadinessStoreDep, relay: OutboxRelayDep) -> ReadinessAnswering:
    return ReadinessAnswering(catalogue, store, relay)


AnsweringDep = Annotated[ReadinessAnswering, Depends(_answering)]
__all__ = ["AnsweringDep", "router"]


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
    answering: AnsweringDep,
) -> ReadinessView:
    point = await _catalogued_point(catalogue, service_point_id)
    ensure_may_act_for(principal, point.department_id)
    try:
        answer = answering.compose(point, survey, principal)
        await answering.save(answer)
    except ServicesNotOffered as error:
        raise _not_offered_problem(error) from error
    except ConcurrentAnswers as error:
        raise Problem(409, CONCURRENT) from error
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
