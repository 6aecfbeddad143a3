"""Reads back the cells of a workbook written by xlsxwriter in constant_memory mode (inline strings)."""

import io
import re
import zipfile
from xml.etree import ElementTree

_NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference).group()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def sheet_rows(workbook: bytes) -> list[list[str | None]]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - our own file
    rows = []
    for row in sheet.iterfind(".//s:sheetData/s:row", _NS):
        cells: dict[int, str] = {}
        for cell in row.iterfind("s:c", _NS):
            text = cell.find("s:is/s:t", _NS) if cell.get("t") == "inlineStr" else cell.find("s:v", _NS)
            cells[_column_index(cell.get("r"))] = text.text if text is not None else None
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(i) for i in range(width)])
    return rows
