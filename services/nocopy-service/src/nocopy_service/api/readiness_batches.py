"""Many points' readiness surveys in one request (administrators and loaders): each item as
`PUT /service-points/{id}/readiness` would take it, with the same rights, rules and events, and a
result per item."""

from typing import Any, Literal

from citizeninfo_shared.auth import CurrentPrincipal
from citizeninfo_shared.batches import MAX_ITEMS_PER_REQUEST, ItemProblem, claimed_id, invalid_item, item_problem
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN, IDEMPOTENCY_KEY_PATTERN
from citizeninfo_shared.problems import RequestModel
from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError

from nocopy_service.api.readiness import AnsweringDep
from nocopy_service.api.schemas import ReadinessSurvey, ReadinessView
from nocopy_service.service_layer.answering import SurveyOutcome, SurveyRequest

router = APIRouter(tags=["readiness"])
MAX_SURVEYS_PER_REQUEST = MAX_ITEMS_PER_REQUEST


class SurveyBatchItem(ReadinessSurvey):
    """One point's survey in a batch: the body of `PUT /service-points/{id}/readiness` with the point's id."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    idempotency_key: str | None = Field(
        default=None,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="The same key for the same point gives the same answer again instead of a new one",
    )


class SurveyBatch(RequestModel):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_SURVEYS_PER_REQUEST,
        description=(
            f"At most {MAX_SURVEYS_PER_REQUEST} surveys, each the survey body with `service_point_id` and an "
            "optional `idempotency_key`; an item that does not match gets its own 422 result"
        ),
    )


class SurveyBatchResult(BaseModel):
    index: int = Field(description="The item's position in the request, from 0")
    service_point_id: str | None
    status: int = Field(description="200 answered or the same answer again (repeated key), else the problem's status")
    outcome: Literal["answered", "repeated", "refused"]
    answer: ReadinessView | None = None
    problem: ItemProblem | None = None


class SurveyBatchReport(BaseModel):
    answered: int
    repeated: int
    refused: int
    items: list[SurveyBatchResult]


def _result(index: int, request: SurveyRequest, outcome: SurveyOutcome) -> SurveyBatchResult:
    problem = None
    if outcome.outcome == "refused":
        errors = None
        if outcome.errors is not None:
            errors = [{**e, "loc": ["body", "items", index, *e["loc"]]} for e in outcome.errors]
        problem = item_problem(outcome.status, outcome.detail or "", errors)
    return SurveyBatchResult(
        index=index,
        service_point_id=request.service_point_id,
        status=outcome.status,
        outcome=outcome.outcome,
        answer=ReadinessView.of(outcome.answer) if outcome.answer is not None else None,
        problem=problem,
    )


@router.post(
    "/readiness:batch",
    summary=f"Answer the survey for many points at once, at most {MAX_SURVEYS_PER_REQUEST} (a result per item)",
)
async def answer_many(batch: SurveyBatch, principal: CurrentPrincipal, answering: AnsweringDep) -> SurveyBatchReport:
    results: dict[int, SurveyBatchResult] = {}
    valid: list[tuple[int, SurveyRequest]] = []
    for index, raw in enumerate(batch.items):
        try:
            item = SurveyBatchItem.model_validate(raw)
        except ValidationError as error:
            results[index] = SurveyBatchResult(
                index=index,
                service_point_id=claimed_id(raw),
                status=422,
                outcome="refused",
                problem=invalid_item(index, error),
            )
            continue
        valid.append((index, SurveyRequest(item.service_point_id, item, item.idempotency_key)))
    outcomes = await answering.answer_many([request for _, request in valid], principal)
    for (index, request), outcome in zip(valid, outcomes, strict=True):
        results[index] = _result(index, request, outcome)
    items = [results[index] for index in range(len(batch.items))]
    return SurveyBatchReport(
        answered=sum(r.outcome == "answered" for r in items),
        repeated=sum(r.outcome == "repeated" for r in items),
        refused=sum(r.outcome == "refused" for r in items),
        items=items,
    )
