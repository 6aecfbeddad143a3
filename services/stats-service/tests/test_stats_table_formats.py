"""CSV and XLSX exports: a cell a spreadsheet would run as a formula is written as text (issue 17)."""

import csv
import io

from openpyxl import load_workbook
from stats_service.api.table_formats import csv_response, xlsx_response

COLUMNS = ["department_id", "name_th", "service_points"]
ROWS = [
    {"department_id": "D0702", "name_th": '=HYPERLINK("http://evil.example","กรมศิลปากร")', "service_points": 3},
    {"department_id": "D0703", "name_th": "+66 ติดต่อ", "service_points": 2},
    {"department_id": "D0704", "name_th": "@SUM(1+1)", "service_points": 1},
    {"department_id": "D0705", "name_th": "-1+2", "service_points": 0},
    {"department_id": "D0706", "name_th": "กรมการปกครอง", "service_points": 5},
]
TOTAL = {"service_points": 11}


def test_stats_csv_export_neutralises_formulas() -> None:
    response = csv_response(COLUMNS, ROWS, TOTAL, "departments")
    lines = list(csv.reader(io.StringIO(response.body.decode())))
    names = [line[1] for line in lines[1:-1]]
    assert names == [
        '\'=HYPERLINK("http://evil.example","กรมศิลปากร")',
        "'+66 ติดต่อ",
        "'@SUM(1+1)",
        "'-1+2",
        "กรมการปกครอง",
    ]
    assert lines[-1] == ["total", "รวมทั้งสิ้น", "11"]


def test_stats_xlsx_export_writes_formulas_as_text() -> None:
    response = xlsx_response(COLUMNS, ROWS, TOTAL, "departments")
    sheet = load_workbook(io.BytesIO(response.body)).active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=False)]
    assert all(row[1].data_type == "s" for row in cells), [row[1].data_type for row in cells]
    assert cells[0][1].value.startswith("'=")
    assert [row[2].value for row in cells] == [3, 2, 1, 0, 5, 11]
