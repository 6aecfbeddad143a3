"""GET /reconciliation — points that say copies are cancelled while citizens say they were asked for one.

JSON by default; `?format=csv|xlsx` downloads the list (`&headings=th|en`: the file people read, with
the department's and the province's names as on screen and a UTF-8 BOM in CSV).
"""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from citizeninfo_shared.service_app import table_download_responses
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from stats_service.api.deps import ProgressReaderDep, ReconciliationReaderDep
from stats_service.api.progress import FormatQuery, HeadingsQuery
from stats_service.api.table_formats import Headings, TableFormat, render_table
from stats_service.domain.provinces import province_name

router = APIRouter(tags=["reconciliation"])

# The machine-readable file's columns (field names) and those of the file people read.
FIELD_COLUMNS = (
    "service_point_id",
    "name_th",
    "department_id",
    "department_name_th",
    "ministry_id",
    "province_code",
    "province_name_th",
    "ratings_asked_for_copy",
    "complaints_asked_for_copy",
    "latest_report_at",
    "surveyed_at",
)
READABLE_COLUMNS = (
    "service_point_id",
    "name",
    "department_name",
    "province_name",
    "ratings_asked_for_copy",
    "complaints_asked_for_copy",
    "latest_report_at",
    "surveyed_at",
)


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
    department_name_th: str | None = None
    department_name_en: str | None = None
    province_name_th: str | None = None
    province_name_en: str | None = None


class ReconciliationOut(BaseModel):
    days: int
    items: list[MismatchOut]


READER_FIELDS = tuple(name for name in MismatchOut.model_fields if not name.endswith(("_name_th", "_name_en")))


@router.get(
    "/reconciliation",
    summary="Points claiming 'copies cancelled' that citizens report otherwise",
    response_model=None,
    responses=table_download_responses(ReconciliationOut),
)
async def reconciliation(
    request: Request,
    reader: ReconciliationReaderDep,
    units: ProgressReaderDep,
    ministry_id: str | None = None,
    department_id: str | None = None,
    province_code: str | None = None,
    days: Annotated[int | None, Query(ge=1, le=366, description="Reports of this many days back (default 30)")] = None,
    table_format: FormatQuery = TableFormat.JSON,
    headings: HeadingsQuery = Headings.FIELDS,
):
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
    departments = await units.units("department") if mismatches else {}
    items = []
    for mismatch in mismatches:
        fields = vars_of(mismatch)
        department = departments.get(fields["department_id"] or "")
        province = province_name(fields["province_code"])
        items.append(
            MismatchOut(
                **fields,
                department_name_th=department.name_th if department else None,
                department_name_en=department.name_en if department else None,
                province_name_th=province.name_th if province else None,
                province_name_en=province.name_en if province else None,
            )
        )
    body = ReconciliationOut(days=days, items=items)
    if table_format is TableFormat.JSON:
        return body
    rows = [item.model_dump(mode="json") for item in items]
    if headings is not Headings.FIELDS:
        rows = [
            {**row, **{name: local_time(getattr(item, name)) for name in TIMES}}
            for row, item in zip(rows, items, strict=True)
        ]
    columns = FIELD_COLUMNS if headings is Headings.FIELDS else READABLE_COLUMNS
    return render_table(table_format, columns, rows, None, f"reconciliation-{days}d", headings)


TIMES = ("latest_report_at", "surveyed_at")
BANGKOK = ZoneInfo("Asia/Bangkok")


def local_time(moment: datetime | None) -> str | None:
    """A time as people in Thailand read it in a spreadsheet: Bangkok time, to the minute."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(BANGKOK)
    return moment.strftime("%Y-%m-%d %H:%M")


def vars_of(mismatch: Any) -> dict[str, Any]:
    return {name: getattr(mismatch, name) for name in READER_FIELDS}
