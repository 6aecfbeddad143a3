"""Progress tables: nation → ministries → departments → service points, and by province.

Each table is JSON by default (`rows` + `total`), or `?format=csv` / `?format=xlsx` for officials'
spreadsheets. The columns are those of seed 004's table. `&headings=th|en` gives the file people read
instead (headings as on screen, names, shares, words, UTF-8 BOM; see table_formats.py).
"""

from typing import Annotated, Any

from citizeninfo_shared.problems import Problem
from citizeninfo_shared.service_app import table_download_responses
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from stats_service.adapters.progress_reader import Grouped, PointRow, ProgressReader, Unit
from stats_service.api.deps import ProgressReaderDep
from stats_service.api.table_formats import Headings, TableFormat, render_table, with_shares
from stats_service.domain.progress import ProgressCounts
from stats_service.domain.provinces import province_name

router = APIRouter(tags=["progress"])

COUNT_COLUMNS = (
    "service_points",
    "pinned",
    "not_pinned",
    "copy_cancelled",
    "copy_not_cancelled",
    "copy_in_progress",
    "surveyed",
    "not_surveyed",
)

FormatQuery = Annotated[TableFormat, Query(alias="format", description="json (default), csv or xlsx")]
HeadingsQuery = Annotated[
    Headings,
    Query(
        description="CSV/XLSX only: `fields` (default, the machine-readable table headed by field names) or "
        "`th`/`en` (the table people read: headings as on screen, names, shares, UTF-8 BOM in CSV)"
    ),
]
SHARE_COLUMNS = ("pinned_share", "copy_cancelled_share", "surveyed_share")
READABLE_COUNTS = (*COUNT_COLUMNS, *SHARE_COLUMNS)


class ProgressCells(BaseModel):
    service_points: int = Field(description="Listed service points")
    pinned: int = Field(description="Points pinned at least once (a point counts once)")
    not_pinned: int
    copy_cancelled: int = Field(description="Surveyed points whose every service needs no copy")
    copy_not_cancelled: int = Field(description="All other points, the unsurveyed included")
    copy_in_progress: int = Field(description="Surveyed points phasing copies out")
    surveyed: int = Field(description="Points that answered the readiness survey")
    not_surveyed: int


def cells(counts: ProgressCounts) -> dict[str, int]:
    return {column: getattr(counts, column) for column in COUNT_COLUMNS}


class DepartmentRow(ProgressCells):
    department_id: str
    name_th: str | None
    name_en: str | None = None


class MinistryRow(ProgressCells):
    ministry_id: str
    name_th: str | None
    name_en: str | None = None


class ProvinceRow(ProgressCells):
    province_code: str
    name_th: str | None = Field(default=None, description="The province's name (DOPA); null for an unknown code")
    name_en: str | None = None


def province_row(code: str, counts: ProgressCounts) -> ProvinceRow:
    names = province_name(code)
    return ProvinceRow(
        province_code=code,
        name_th=names.name_th if names else None,
        name_en=names.name_en if names else None,
        **cells(counts),
    )


class PointProgressRow(ProgressCells):
    service_point_id: str
    name_th: str | None
    province_code: str | None
    district_code: str | None
    copy_status: str | None = Field(description="required, in_progress or cancelled; null when not surveyed")
    name_en: str | None = None
    province_name_th: str | None = None
    province_name_en: str | None = None


class MinistryTable(BaseModel):
    ministry_id: str
    name_th: str | None
    name_en: str | None = None
    rows: list[DepartmentRow]
    total: ProgressCells


class NationTable(BaseModel):
    rows: list[MinistryRow]
    total: ProgressCells


class ProvinceTable(BaseModel):
    ministry_id: str | None
    department_id: str | None
    rows: list[ProvinceRow]
    total: ProgressCells


class DepartmentPointsTable(BaseModel):
    department_id: str
    name_th: str | None
    ministry_id: str | None
    rows: list[PointProgressRow]
    total: ProgressCells


def _respond(
    table_format: TableFormat,
    model: BaseModel,
    key_columns: tuple[str, ...],
    filename: str,
    headings: Headings = Headings.FIELDS,
    readable_columns: tuple[str, ...] | None = None,
) -> BaseModel | Response:
    """JSON, the machine-readable file (field names, the contract's columns), or the file people read."""
    if table_format is TableFormat.JSON:
        return model
    body = model.model_dump()
    if headings is Headings.FIELDS:
        return render_table(table_format, (*key_columns, *COUNT_COLUMNS), body["rows"], body["total"], filename)
    columns = readable_columns or (key_columns[0], "name", *READABLE_COUNTS)
    rows = [with_shares(row) for row in body["rows"]]
    return render_table(table_format, columns, rows, body["total"], filename, headings)


def _named_rows(grouped: Grouped, units: dict[str, Unit], id_column: str) -> list[dict[str, Any]]:
    """A row per known unit and per unit that has points; units without points show zeros."""
    rows = []
    for unit_id in sorted(set(units) | set(grouped.groups)):
        unit = units.get(unit_id)
        rows.append(
            {
                id_column: unit_id,
                "name_th": unit.name_th if unit else None,
                "name_en": unit.name_en if unit else None,
                **cells(grouped.groups.get(unit_id, ProgressCounts())),
            }
        )
    # Officials read the table in the order of the names, as in seed 004.
    return sorted(rows, key=lambda row: (row["name_th"] or "\uffff", row[id_column]))


async def _ministry_filter(reader: ProgressReader, ministry_id: str) -> tuple[list[dict[str, Any]], dict]:
    """A ministry's points: those naming it, and those of its departments (a point may omit the ministry)."""
    departments = await reader.units("department", ministry_id)
    should: list[dict[str, Any]] = [{"term": {"ministry_id": ministry_id}}]
    if departments:
        should.append({"terms": {"department_id": sorted(departments)}})
    return [{"bool": {"should": should, "minimum_should_match": 1}}], departments


@router.get(
    "/ministries",
    summary="Progress per ministry, with the national total",
    response_model=None,
    responses=table_download_responses(NationTable),
)
async def ministries(
    reader: ProgressReaderDep, table_format: FormatQuery = TableFormat.JSON, headings: HeadingsQuery = Headings.FIELDS
):
    grouped = await reader.grouped("ministry_id", [])
    units = await reader.units("ministry")
    rows = [MinistryRow(**row) for row in _named_rows(grouped, units, "ministry_id")]
    table = NationTable(rows=rows, total=ProgressCells(**cells(grouped.total)))
    return _respond(table_format, table, ("ministry_id", "name_th"), "ministries", headings)


@router.get(
    "/ministries/{ministry_id}/departments",
    summary="Progress of a ministry's departments (seed 004's table), with the ministry's total",
    response_model=None,
    responses=table_download_responses(MinistryTable),
)
async def ministry_departments(
    ministry_id: str,
    reader: ProgressReaderDep,
    table_format: FormatQuery = TableFormat.JSON,
    headings: HeadingsQuery = Headings.FIELDS,
):
    filters, departments = await _ministry_filter(reader, ministry_id)
    ministry = await reader.unit("ministry", ministry_id)
    grouped = await reader.grouped("department_id", filters)
    if ministry is None and not departments and not grouped.groups:
        raise Problem(404, f"No ministry {ministry_id} in the catalogue.", title_th="ไม่พบกระทรวงนี้ในบัญชีหน่วยงาน")
    rows = [DepartmentRow(**row) for row in _named_rows(grouped, departments, "department_id")]
    table = MinistryTable(
        ministry_id=ministry_id,
        name_th=ministry.name_th if ministry else None,
        name_en=ministry.name_en if ministry else None,
        rows=rows,
        total=ProgressCells(**cells(grouped.total)),
    )
    return _respond(table_format, table, ("department_id", "name_th"), f"{ministry_id}-departments", headings)


@router.get(
    "/provinces",
    summary="Progress per province, nationally or within a ministry or a department",
    response_model=None,
    responses=table_download_responses(ProvinceTable),
)
async def provinces(
    reader: ProgressReaderDep,
    ministry_id: str | None = None,
    department_id: str | None = None,
    table_format: FormatQuery = TableFormat.JSON,
    headings: HeadingsQuery = Headings.FIELDS,
):
    filters: list[dict[str, Any]] = []
    if ministry_id is not None:
        filters += (await _ministry_filter(reader, ministry_id))[0]
    if department_id is not None:
        filters.append({"term": {"department_id": department_id}})
    grouped = await reader.grouped("province_code", filters)
    rows = [province_row(code, grouped.groups[code]) for code in sorted(grouped.groups)]
    table = ProvinceTable(
        ministry_id=ministry_id, department_id=department_id, rows=rows, total=ProgressCells(**cells(grouped.total))
    )
    return _respond(table_format, table, ("province_code",), "provinces", headings)


@router.get(
    "/ministries/{ministry_id}/provinces",
    summary="Progress of a ministry's points per province",
    response_model=None,
    responses=table_download_responses(ProvinceTable),
)
async def ministry_provinces(
    ministry_id: str,
    reader: ProgressReaderDep,
    table_format: FormatQuery = TableFormat.JSON,
    headings: HeadingsQuery = Headings.FIELDS,
):
    return await provinces(
        reader, ministry_id=ministry_id, department_id=None, table_format=table_format, headings=headings
    )


def _point_row(point: PointRow) -> PointProgressRow:
    counts = ProgressCounts(
        service_points=1,
        pinned=int(point.pinned),
        surveyed=int(point.surveyed),
        copy_cancelled=int(point.copy_status == "cancelled"),
        copy_in_progress=int(point.copy_status == "in_progress"),
    )
    names = province_name(point.province_code)
    return PointProgressRow(
        service_point_id=point.service_point_id,
        name_th=point.name_th,
        name_en=point.name_en,
        province_code=point.province_code,
        province_name_th=names.name_th if names else None,
        province_name_en=names.name_en if names else None,
        district_code=point.district_code,
        copy_status=point.copy_status,
        **cells(counts),
    )


@router.get(
    "/departments/{department_id}/service-points",
    summary="Progress of each of a department's service points, with the department's total",
    response_model=None,
    responses=table_download_responses(DepartmentPointsTable),
)
async def department_points(
    department_id: str,
    reader: ProgressReaderDep,
    province_code: str | None = None,
    table_format: FormatQuery = TableFormat.JSON,
    headings: HeadingsQuery = Headings.FIELDS,
):
    filters: list[dict[str, Any]] = [{"term": {"department_id": department_id}}]
    if province_code is not None:
        filters.append({"term": {"province_code": province_code}})
    department = await reader.unit("department", department_id)
    points = await reader.points(filters)
    if department is None and not points:
        raise Problem(404, f"No department {department_id} in the catalogue.", title_th="ไม่พบกรมนี้ในบัญชีหน่วยงาน")
    rows = [_point_row(point) for point in points]
    total = ProgressCounts(
        service_points=len(rows),
        pinned=sum(row.pinned for row in rows),
        surveyed=sum(row.surveyed for row in rows),
        copy_cancelled=sum(row.copy_cancelled for row in rows),
        copy_in_progress=sum(row.copy_in_progress for row in rows),
    )
    table = DepartmentPointsTable(
        department_id=department_id,
        name_th=department.name_th if department else None,
        ministry_id=department.ministry_id if department else None,
        rows=rows,
        total=ProgressCells(**cells(total)),
    )
    columns = ("service_point_id", "name_th", "province_code", "district_code", "copy_status")
    if headings is not Headings.FIELDS and table_format is not TableFormat.JSON:
        # The file people read: a line per point in words (pinned or not, the copy status), no 0/1 cells.
        body = table.model_dump()
        rows = [
            {**row, "pinned_status": bool(row["pinned"]), "survey_status": bool(row["surveyed"])}
            for row in body["rows"]
        ]
        readable = (
            "service_point_id",
            "name",
            "province_name",
            "district_code",
            "pinned_status",
            "survey_status",
            "copy_status",
        )
        return render_table(table_format, readable, rows, None, f"{department_id}-service-points", headings)
    return _respond(table_format, table, columns, f"{department_id}-service-points")
