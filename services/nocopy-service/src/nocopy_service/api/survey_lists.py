"""Agencies' lists of their points with survey state, and the downloadable survey tables.

Staff see their own department; administrators any department and the national table. Downloads
are CSV (streamed as the rows are read) or XLSX (built on disk, then streamed), Thai headers by
default (`?lang=en` for English).
"""

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import datetime
from pathlib import Path
from typing import Annotated, BinaryIO, Literal

from citizeninfo_shared.auth import AdminPrincipal, CurrentPrincipal, ensure_may_act_for
from citizeninfo_shared.deps import CatalogueDep
from citizeninfo_shared.identifiers import CATALOGUE_ID_PATTERN
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.service_app import table_download_responses
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from prometheus_client import Counter
from starlette.background import BackgroundTask

from nocopy_service.adapters.survey_listing import PointSurvey
from nocopy_service.adapters.table_files import csv_chunks, write_xlsx
from nocopy_service.api.deps import ExportSlotsDep, SurveyListingDep
from nocopy_service.api.export_slots import ExportSlot
from nocopy_service.api.schemas import DepartmentId, DepartmentSurveyPage, PointSurveyState
from nocopy_service.domain.survey_table import BANGKOK, Cell, Language, headers, row

router = APIRouter(tags=["survey lists and downloads"])

ExportFormat = Literal["csv", "xlsx"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_CHUNK_BYTES = 64 * 1024

SURVEY_EXPORTS = Counter("citizeninfo_nocopy_survey_exports_total", "Survey tables downloaded", ["scope", "format"])
SURVEY_EXPORT_ROWS = Counter(
    "citizeninfo_nocopy_survey_export_rows_total", "Service points written into downloaded survey tables", ["format"]
)

FormatQuery = Annotated[ExportFormat, Query(alias="format", description="csv (streamed) or xlsx")]
LanguageQuery = Annotated[Language, Query(description="Header and value language: th (default) or en")]
AfterQuery = Annotated[str | None, Query(pattern=CATALOGUE_ID_PATTERN, description="Last id of the previous page")]
# A download answers a file (no JSON), or 429 while other exports hold every slot.
DOWNLOAD_RESPONSES = {**table_download_responses(), 429: {"description": "Other exports are running; retry"}}
SurveyedQuery = Annotated[bool | None, Query(description="Only points that have (true) or have not (false) answered")]


async def _ensure_department(principal: CurrentPrincipal, catalogue: CatalogueDep, department_id: str) -> None:
    ensure_may_act_for(principal, department_id)  # before the lookup: no probing of other departments
    if await catalogue.department(department_id) is None:
        raise Problem(404, f"No department {department_id!r} in the catalogue.")


@router.get("/departments/{department_id}/readiness", summary="A department's points and their survey state")
async def department_survey(
    department_id: DepartmentId,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    listing: SurveyListingDep,
    after: AfterQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    surveyed: SurveyedQuery = None,
) -> DepartmentSurveyPage:
    await _ensure_department(principal, catalogue, department_id)
    items: list[PointSurveyState] = []
    async with aclosing(listing.points_with_answers(department_id=department_id, after=after)) as rows:
        async for entry in rows:
            if surveyed is None or (entry.answer is not None) == surveyed:
                items.append(PointSurveyState.of(entry.point, entry.answer))
                if len(items) > limit:  # one more than asked: proof that another page exists
                    break
    next_after = items[limit - 1].service_point_id if len(items) > limit else None
    return DepartmentSurveyPage(department_id=department_id, items=items[:limit], next_after=next_after)


@router.get(
    "/departments/{department_id}/readiness/export",
    summary="Download a department's survey table (CSV or XLSX)",
    response_class=StreamingResponse,
    responses=DOWNLOAD_RESPONSES,
)
async def export_department_survey(
    department_id: DepartmentId,
    principal: CurrentPrincipal,
    catalogue: CatalogueDep,
    listing: SurveyListingDep,
    slots: ExportSlotsDep,
    file_format: FormatQuery = "csv",
    lang: LanguageQuery = "th",
    surveyed: SurveyedQuery = None,
) -> StreamingResponse:
    await _ensure_department(principal, catalogue, department_id)
    entries = listing.points_with_answers(department_id=department_id)
    return await _export(entries, slots.take(), department_id, file_format, lang, surveyed)


@router.get(
    "/readiness/export",
    summary="Download the national survey results (administrators; CSV or XLSX)",
    response_class=StreamingResponse,
    responses=DOWNLOAD_RESPONSES,
)
async def export_national_survey(
    principal: AdminPrincipal,
    listing: SurveyListingDep,
    slots: ExportSlotsDep,
    file_format: FormatQuery = "csv",
    lang: LanguageQuery = "th",
) -> StreamingResponse:
    # Answered points only, unsorted: one cursor over the answers, no sort and no catalogue join.
    return await _export(listing.answered_points(), slots.take(), None, file_format, lang, surveyed=True)


async def _table_rows(
    entries: AsyncIterator[PointSurvey], lang: Language, surveyed: bool | None, file_format: str
) -> AsyncIterator[list[Cell]]:
    async with aclosing(entries):
        async for entry in entries:
            if surveyed is None or (entry.answer is not None) == surveyed:
                SURVEY_EXPORT_ROWS.labels(file_format).inc()
                yield row(entry.point, entry.answer, lang)


async def _export(
    entries: AsyncIterator[PointSurvey],
    slot: ExportSlot,
    department_id: str | None,
    file_format: ExportFormat,
    lang: Language,
    surveyed: bool | None,
) -> StreamingResponse:
    scope = department_id or "national"
    filename = f"readiness-survey-{scope}-{datetime.now(BANGKOK):%Y%m%d}.{file_format}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    SURVEY_EXPORTS.labels("department" if department_id else "national", file_format).inc()
    rows = _table_rows(entries, lang, surveyed, file_format)
    if file_format == "csv":
        return StreamingResponse(
            _released_after(csv_chunks(headers(lang), rows), slot),
            media_type=CSV_MEDIA_TYPE,
            headers=disposition,
            background=BackgroundTask(slot.release),
        )
    try:
        workbook = await _xlsx_on_disk(rows, lang, sheet_name=scope)
    finally:
        slot.release()
    size = os.fstat(workbook.fileno()).st_size
    return StreamingResponse(
        _file_chunks(workbook),
        media_type=XLSX_MEDIA_TYPE,
        headers={**disposition, "Content-Length": str(size)},
        background=BackgroundTask(workbook.close),
    )


async def _released_after(chunks: AsyncIterator[bytes], slot: ExportSlot) -> AsyncIterator[bytes]:
    try:
        async with aclosing(chunks):
            async for chunk in chunks:
                yield chunk
    finally:
        slot.release()


async def _xlsx_on_disk(rows: AsyncIterator[list[Cell]], lang: Language, *, sheet_name: str) -> BinaryIO:
    """Builds the workbook in a private temporary directory and returns it open, already unlinked:
    the disk space is freed when the response closes it, however the download ends."""
    directory = Path(tempfile.mkdtemp(prefix="nocopy-export-"))
    try:
        path = directory / "survey.xlsx"
        await write_xlsx(path, headers(lang), rows, sheet_name=sheet_name)
        return path.open("rb")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _file_chunks(file: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(file.read, FILE_CHUNK_BYTES):
            yield chunk
    finally:
        file.close()
