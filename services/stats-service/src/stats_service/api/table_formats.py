"""One table, three forms: JSON (the contract's `rows` + `total`), CSV with a header line, and XLSX.

CSV and XLSX put the total row last, labelled รวมทั้งสิ้น (total), as officials' tables do. Their cells
pass through the shared formula neutraliser: a name starting with `=` is text, never a formula.

Two kinds of file (`headings`):
- `fields` (default): the machine-readable table of the contract, headed by field names, no BOM;
- `th` / `en`: the table people read, headed as on screen in that language, names in that language,
  shares beside the counts and statuses in words; a CSV starts with a UTF-8 byte-order mark so that
  Excel on Windows reads Thai correctly.
"""

import csv
import io
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from citizeninfo_shared.spreadsheet_cells import neutralised_row
from fastapi import Response
from openpyxl import Workbook

TOTAL_LABEL = "total"
TOTAL_NAME_TH = "รวมทั้งสิ้น"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


UTF8_BOM = "\ufeff"


class TableFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class Headings(StrEnum):
    FIELDS = "fields"
    TH = "th"
    EN = "en"


# What each column is called on screen (web/src/i18n.ts says the same), Thai then English.
HEADING_TEXT: dict[str, tuple[str, str]] = {
    "ministry_id": ("รหัสกระทรวง", "Ministry id"),
    "department_id": ("รหัสหน่วยงาน", "Department id"),
    "province_code": ("รหัสจังหวัด", "Province code"),
    "district_code": ("รหัสอำเภอ", "District code"),
    "service_point_id": ("รหัสจุดให้บริการ", "Service point id"),
    "name": ("ชื่อ", "Name"),
    "department_name": ("หน่วยงาน", "Department"),
    "province_name": ("จังหวัด", "Province"),
    "service_points": ("จำนวนจุดบริการ", "Service points"),
    "pinned": ("ปักหมุดแล้ว", "Pinned"),
    "not_pinned": ("ยังไม่ปักหมุด", "Not pinned"),
    "copy_cancelled": ("ยกเลิกสำเนาแล้ว", "Copies cancelled"),
    "copy_not_cancelled": ("ยังไม่ยกเลิก", "Not cancelled"),
    "copy_in_progress": ("อยู่ระหว่างดำเนินการ", "In progress"),
    "surveyed": ("ตอบแบบสำรวจแล้ว", "Surveyed"),
    "not_surveyed": ("ยังไม่ตอบแบบสำรวจ", "Not surveyed"),
    "pinned_share": ("ร้อยละที่ปักหมุดแล้ว", "% pinned"),
    "copy_cancelled_share": ("ร้อยละที่ยกเลิกสำเนาแล้ว", "% copies cancelled"),
    "surveyed_share": ("ร้อยละที่ตอบแบบสำรวจแล้ว", "% surveyed"),
    "pinned_status": ("การปักหมุด", "Pin"),
    "survey_status": ("แบบสำรวจ", "Survey"),
    "copy_status": ("การเรียกสำเนา", "Photocopies"),
    "ratings_asked_for_copy": ("ความเห็นที่แจ้งว่าถูกเรียกสำเนา", "Ratings: asked for a copy"),
    "complaints_asked_for_copy": ("เรื่องร้องเรียนว่าถูกเรียกสำเนา", "Complaints: asked for a copy"),
    "latest_report_at": ("รายงานล่าสุด", "Latest report"),
    "surveyed_at": ("วันที่ตอบแบบสำรวจ", "Survey answered"),
}

# Cells shown as words, not codes or 0/1.
VALUE_WORDS: dict[str, dict[Any, tuple[str, str]]] = {
    "pinned_status": {True: ("ปักหมุดแล้ว", "Pinned"), False: ("ยังไม่ปักหมุด", "Not pinned")},
    "survey_status": {True: ("ตอบแล้ว", "Answered"), False: ("ยังไม่ตอบ", "Not answered")},
    "copy_status": {
        "cancelled": ("ยกเลิกสำเนาแล้ว", "Copies cancelled"),
        "in_progress": ("กำลังยกเลิก", "Being phased out"),
        "required": ("ยังเรียกสำเนา", "Copies still required"),
        None: ("ยังไม่ตอบแบบสำรวจ", "Not surveyed"),
    },
}

# Columns whose cell is a name in the reader's language: the column → the row's Thai and English fields.
NAME_COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("name_th", "name_en"),
    "department_name": ("department_name_th", "department_name_en"),
    "province_name": ("province_name_th", "province_name_en"),
}

TOTAL_TEXT = (TOTAL_NAME_TH, "Total")


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def with_shares(row: dict[str, Any]) -> dict[str, Any]:
    whole = int(row.get("service_points") or 0)
    return {
        **row,
        "pinned_share": share(int(row.get("pinned") or 0), whole),
        "copy_cancelled_share": share(int(row.get("copy_cancelled") or 0), whole),
        "surveyed_share": share(int(row.get("surveyed") or 0), whole),
    }


def heading(column: str, headings: Headings) -> str:
    if headings is Headings.FIELDS:
        return column
    th, en = HEADING_TEXT.get(column, (column, column))
    return th if headings is Headings.TH else en


def _in_language(pair: tuple[str, str], headings: Headings) -> str:
    return pair[0] if headings is Headings.TH else pair[1]


def readable_cell(column: str, row: dict[str, Any], headings: Headings) -> Any:
    """One cell of the table people read: names in their language, statuses in words."""
    if column in NAME_COLUMNS:
        th_field, en_field = NAME_COLUMNS[column]
        if headings is Headings.EN:
            return row.get(en_field) or row.get(th_field)
        return row.get(th_field) or row.get(en_field)
    if column in VALUE_WORDS:
        words = VALUE_WORDS[column].get(row.get(column))
        return _in_language(words, headings) if words else row.get(column)
    return row.get(column)


def readable_lines(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], total: dict[str, Any] | None, headings: Headings
) -> list[list]:
    lines = [[readable_cell(column, row, headings) for column in columns] for row in rows]
    if total is not None:
        label = _in_language(TOTAL_TEXT, headings)
        labelled = {**with_shares(total), columns[0]: label}
        line = [labelled.get(column) for column in columns]
        for index, column in enumerate(columns):
            if column in NAME_COLUMNS:
                line[index] = label
        lines.append(line)
    return lines


def table_lines(columns: Sequence[str], rows: Sequence[dict[str, Any]], total: dict[str, Any] | None) -> list[list]:
    lines = [[row.get(column) for column in columns] for row in rows]
    if total is not None:
        labelled = {**total, columns[0]: TOTAL_LABEL}
        if "name_th" in columns:
            labelled["name_th"] = TOTAL_NAME_TH
        lines.append([labelled.get(column) for column in columns])
    return lines


def _lines(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], total: dict[str, Any] | None, headings: Headings
) -> list[list]:
    if headings is Headings.FIELDS:
        return table_lines(columns, rows, total)
    return readable_lines(columns, rows, total, headings)


def _filename(filename: str, headings: Headings) -> str:
    """A file (and sheet) name of safe characters only: ids come from the path, and Excel refuses
    `/ \\ ? * [ ] :` in a sheet name while a quote would end the Content-Disposition value."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", filename) or "table"
    return safe if headings is Headings.FIELDS else f"{safe}-{headings.value}"


def csv_response(
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    total: dict[str, Any] | None,
    filename: str,
    headings: Headings = Headings.FIELDS,
) -> Response:
    buffer = io.StringIO()
    if headings is not Headings.FIELDS:
        buffer.write(UTF8_BOM)
    writer = csv.writer(buffer, lineterminator="\r\n" if headings is not Headings.FIELDS else "\n")
    writer.writerow(neutralised_row(heading(column, headings) for column in columns))
    writer.writerows(
        neutralised_row("" if value is None else value for value in line)
        for line in _lines(columns, rows, total, headings)
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(filename, headings)}.csv"'},
    )


def xlsx_response(
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    total: dict[str, Any] | None,
    filename: str,
    headings: Headings = Headings.FIELDS,
) -> Response:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_filename(filename, Headings.FIELDS)[:31])
    sheet.append(neutralised_row(heading(column, headings) for column in columns))
    for line in _lines(columns, rows, total, headings):
        sheet.append(neutralised_row(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{_filename(filename, headings)}.xlsx"'},
    )


def render_table(
    table_format: TableFormat,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    total: dict[str, Any] | None,
    filename: str,
    headings: Headings = Headings.FIELDS,
) -> Response:
    if table_format is TableFormat.CSV:
        return csv_response(columns, rows, total, filename, headings)
    return xlsx_response(columns, rows, total, filename, headings)
