"""One table, three forms: JSON (the contract's `rows` + `total`), CSV with a header line, and XLSX.

CSV and XLSX put the total row last, labelled รวมทั้งสิ้น (total), as officials' tables do. Their cells
pass through the shared formula neutraliser: a name starting with `=` is text, never a formula.
"""

import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from citizeninfo_shared.spreadsheet_cells import neutralised_row
from fastapi import Response
from openpyxl import Workbook

TOTAL_LABEL = "total"
TOTAL_NAME_TH = "รวมทั้งสิ้น"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def table_lines(columns: Sequence[str], rows: Sequence[dict[str, Any]], total: dict[str, Any] | None) -> list[list]:
    lines = [[row.get(column) for column in columns] for row in rows]
    if total is not None:
        labelled = {**total, columns[0]: TOTAL_LABEL}
        if "name_th" in columns:
            labelled["name_th"] = TOTAL_NAME_TH
        lines.append([labelled.get(column) for column in columns])
    return lines


def csv_response(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], total: dict[str, Any] | None, filename: str
) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(
        neutralised_row("" if value is None else value for value in line) for line in table_lines(columns, rows, total)
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def xlsx_response(
    columns: Sequence[str], rows: Sequence[dict[str, Any]], total: dict[str, Any] | None, filename: str
) -> Response:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(filename[:31])
    sheet.append(list(columns))
    for line in table_lines(columns, rows, total):
        sheet.append(neutralised_row(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
    )


def render_table(
    table_format: TableFormat,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    total: dict[str, Any] | None,
    filename: str,
) -> Response:
    if table_format is TableFormat.CSV:
        return csv_response(columns, rows, total, filename)
    return xlsx_response(columns, rows, total, filename)
