"""GET /reconciliation — points that say copies are cancelled while citizens say they were asked for one."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from stats_service.api.deps import ReconciliationReaderDep

router = APIRouter(tags=["reconciliation"])


class MismatchOut(BaseModel):
    service_point_id: str
    name_th: str | None
    department_id: str | None
    ministry_id: str | None
    province_code: str | None
    surveyed_at: datetime | None = Field(description="When the survey that says 'cancelled' was answered")
    ratings_asked_for_copy: int = Field(description="Ratings in the period saying a copy was demanded")
    complaints_asked_for_copy: int = Field(description="Complaints in the period about a demanded copy")
    latest_report_at: datetime | None
    service_ids: list[str] = Field(description="Services the ratings named, where they named one")


class ReconciliationOut(BaseModel):
    days: int
    items: list[MismatchOut]


@router.get("/reconciliation", summary="Points claiming 'copies cancelled' that citizens report otherwise")
async def reconciliation(
    request: Request,
    reader: ReconciliationReaderDep,
    ministry_id: str | None = None,
    department_id: str | None = None,
    province_code: str | None = None,
    days: Annotated[int | None, Query(ge=1, le=366, description="Reports of this many days back (default 30)")] = None,
) -> ReconciliationOut:
    days = days or request.app.state.settings.reconciliation_days
    filters: list[dict[str, Any]] = [
        {"term": {name: value}}
        for name, value in (
            ("ministry_id", ministry_id),
            ("department_id", department_id),
            ("province_code", province_code),
        )
        if value is not None
    ]
    mismatches = await reader.mismatches(days, filters)
    return ReconciliationOut(days=days, items=[MismatchOut(**vars_of(m)) for m in mismatches])


def vars_of(mismatch: Any) -> dict[str, Any]:
    return {name: getattr(mismatch, name) for name in MismatchOut.model_fields}
