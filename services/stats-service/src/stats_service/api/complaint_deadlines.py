"""GET /complaints/deadlines — open and overdue complaints per department and ministry (the officials'
view). Overdue is counted at the moment of the question (range query on the due time)."""

from datetime import UTC, datetime
from typing import Annotated

from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from stats_service.adapters.complaint_deadline_reader import ComplaintDeadlineReader, DeadlineCounts
from stats_service.adapters.indices import StatsIndices

router = APIRouter(tags=["complaints"])


async def get_complaint_deadline_reader(request: Request) -> ComplaintDeadlineReader:
    indices = StatsIndices(request.app.state.settings.elasticsearch_index_prefix)
    return ComplaintDeadlineReader(request.app.state.elasticsearch, indices)


ComplaintDeadlineReaderDep = Annotated[ComplaintDeadlineReader, Depends(get_complaint_deadline_reader)]


class UnitDeadlines(BaseModel):
    id: str
    name_th: str | None = None
    name_en: str | None = None
    open: int = Field(description="Complaints awaiting an answer")
    overdue: int = Field(description="Open complaints past their category's target time")


class ComplaintDeadlinesOut(BaseModel):
    open: int
    overdue: int
    ministries: list[UnitDeadlines] = Field(description="Most overdue first")
    departments: list[UnitDeadlines] = Field(description="Most overdue first")
    as_of: datetime = Field(description="The moment overdue was judged against")


def _rows(counts: dict[str, DeadlineCounts], names: dict[str, tuple[str | None, str | None]]) -> list[UnitDeadlines]:
    rows = [
        UnitDeadlines(
            id=unit_id,
            name_th=names.get(unit_id, (None, None))[0],
            name_en=names.get(unit_id, (None, None))[1],
            open=c.open,
            overdue=c.overdue,
        )
        for unit_id, c in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.overdue, -r.open, r.id))


@router.get(
    "/complaints/deadlines",
    summary="Open and overdue complaints per department and ministry",
    responses={422: {"description": "A malformed ministry or department id"}},
)
async def complaint_deadlines(
    reader: ComplaintDeadlineReaderDep,
    ministry_id: Annotated[str | None, Query(pattern=CATALOGUE_ID_PATTERN)] = None,
    department_id: Annotated[str | None, Query(pattern=CATALOGUE_ID_PATTERN)] = None,
) -> ComplaintDeadlinesOut:
    now = datetime.now(UTC)
    found = await reader.deadlines(now, ministry_id=ministry_id, department_id=department_id)
    department_names = await reader.names("department", sorted(found.departments))
    ministry_names = await reader.names("ministry", sorted(found.ministries))
    return ComplaintDeadlinesOut(
        open=found.total.open,
        overdue=found.total.overdue,
        ministries=_rows(found.ministries, ministry_names),
        departments=_rows(found.departments, department_names),
        as_of=now,
    )
