"""Many pins in one request (administrators and loaders): each item as `POST /service-points/{id}/pins`
would take it, with the same rights, flags and events, and a result per item."""

from typing import Any, Literal

from citizeninfo_shared.auth import CurrentPrincipal
from citizeninfo_shared.batches import MAX_ITEMS_PER_REQUEST, ItemProblem, claimed_id, invalid_item, item_problem
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN, IDEMPOTENCY_KEY_PATTERN
from citizeninfo_shared.problems import RequestModel
from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError

from pin_service.api.service_points import PinCreate, Placement
from pin_service.service_layer.pinning import PinOutcome, PinPublic, PinRequest

router = APIRouter(tags=["service points"])
MAX_PINS_PER_REQUEST = MAX_ITEMS_PER_REQUEST


class PinBatchItem(PinCreate):
    """One pin of a batch: the body of `POST /service-points/{id}/pins` with the point's id."""

    service_point_id: str = Field(pattern=CATALOGUE_ID_PATTERN)
    idempotency_key: str | None = Field(
        default=None,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="The same key for the same point gives the same pin again instead of a new one",
    )


class PinBatch(RequestModel):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_PINS_PER_REQUEST,
        description=(
            f"At most {MAX_PINS_PER_REQUEST} pins, each `{{service_point_id, lat, lon, accuracy_m?, "
            "idempotency_key?, expected_current_pin_id?}}`; an item that does not match gets its own 422 result"
        ),
    )


class PinBatchResult(BaseModel):
    index: int = Field(description="The item's position in the request, from 0")
    service_point_id: str | None
    status: int = Field(description="201 created, 200 the same pin again (repeated key), else the problem's status")
    outcome: Literal["created", "repeated", "refused"]
    pin: PinPublic | None = None
    problem: ItemProblem | None = None
    reason: str | None = Field(default=None, description="`pin_changed`: the item's expected_current_pin_id failed")
    current_pin: PinPublic | None = Field(default=None, description="With `pin_changed`: the point's current pin")


class PinBatchReport(BaseModel):
    created: int
    repeated: int
    refused: int
    items: list[PinBatchResult]


def _result(index: int, request: PinRequest, outcome: PinOutcome) -> PinBatchResult:
    return PinBatchResult(
        index=index,
        service_point_id=request.service_point_id,
        status=outcome.status,
        outcome=outcome.outcome,
        pin=outcome.pin,
        problem=item_problem(outcome.status, outcome.detail or "") if outcome.outcome == "refused" else None,
        reason=outcome.reason,
        current_pin=outcome.current_pin,
    )


@router.post(
    "/pins:batch",
    summary=f"Pin (or move) many service points at once, at most {MAX_PINS_PER_REQUEST} (a result per item)",
)
async def pin_many(batch: PinBatch, principal: CurrentPrincipal, placement: Placement) -> PinBatchReport:
    results: dict[int, PinBatchResult] = {}
    valid: list[tuple[int, PinRequest]] = []
    for index, raw in enumerate(batch.items):
        try:
            item = PinBatchItem.model_validate(raw)
        except ValidationError as error:
            problem = invalid_item(index, error)
            results[index] = PinBatchResult(
                index=index, service_point_id=claimed_id(raw), status=422, outcome="refused", problem=problem
            )
            continue
        valid.append(
            (
                index,
                PinRequest(
                    item.service_point_id,
                    item.lat,
                    item.lon,
                    item.accuracy_m,
                    item.idempotency_key,
                    precondition=item.precondition(),
                ),
            )
        )
    outcomes = await placement.place_many([request for _, request in valid], principal)
    for (index, request), outcome in zip(valid, outcomes, strict=True):
        results[index] = _result(index, request, outcome)
    items = [results[index] for index in range(len(batch.items))]
    return PinBatchReport(
        created=sum(r.outcome == "created" for r in items),
        repeated=sum(r.outcome == "repeated" for r in items),
        refused=sum(r.outcome == "refused" for r in items),
        items=items,
    )
