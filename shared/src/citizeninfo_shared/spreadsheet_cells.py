"""Table cells that a spreadsheet program will show as text, never run as a formula (CSV injection).

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-` or `@` (and a leading
tab or carriage return before one) as a formula, in CSV files and in XLSX strings written by openpyxl
alike. Every table export (stats-service, nocopy-service) passes its cells through `neutralised`: such
a text gets a leading apostrophe, the OWASP advice; numbers stay numbers.
"""

from collections.abc import Iterable
from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

CellT = TypeVar("CellT")


def neutralised(cell: CellT) -> CellT | str:
    """The cell, or, if it is text a spreadsheet would run as a formula, that text after an apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def neutralised_row(cells: Iterable[CellT]) -> list[CellT | str]:
    return [neutralised(cell) for cell in cells]
