"""Writes the survey table as CSV (streamed as it is read) or XLSX (a temporary file on disk).

Memory stays constant in both: CSV leaves in chunks of rows; xlsxwriter's constant_memory mode
flushes each row to disk, and the finished file is streamed from there.
"""

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import xlsxwriter
from citizeninfo_shared.spreadsheet_cells import neutralised_row

Cell = str | int | None
UTF8_BOM = "\ufeff"  # lets spreadsheet programs recognise UTF-8 and show Thai correctly


async def _batches(rows: AsyncIterator[list[Cell]], size: int) -> AsyncIterator[list[list[Cell]]]:
    batch: list[list[Cell]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def csv_chunks(
    header: Sequence[str], rows: AsyncIterator[list[Cell]], *, rows_per_chunk: int = 500
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def drained() -> bytes:
        chunk = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    buffer.write(UTF8_BOM)
    writer.writerow(header)
    yield drained()  # at once: the download starts before the first rows are read
    async for batch in _batches(rows, rows_per_chunk):
        writer.writerows(neutralised_row(row) for row in batch)  # no formulas (CSV injection)
        yield drained()


async def write_xlsx(
    path: Path, header: Sequence[str], rows: AsyncIterator[list[Cell]], *, sheet_name: str, rows_per_batch: int = 500
) -> int:
    """Writes the table to `path`; returns the number of data rows. Heavy work runs off the event loop."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            # Cells are data, never formulas, links or numbers guessed from text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(path.parent),
        },
    )
    try:
        sheet = workbook.add_worksheet(sheet_name[:31])
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, header, bold)
        sheet.freeze_panes(1, 0)
        written = 0
        async for batch in _batches(rows, rows_per_batch):
            await asyncio.to_thread(_write_rows, sheet, written + 1, batch)
            written += len(batch)
    finally:
        await asyncio.to_thread(workbook.close)
    return written


def _write_rows(sheet: "xlsxwriter.worksheet.Worksheet", first_row: int, batch: list[list[Cell]]) -> None:
    for offset, row in enumerate(batch):
        sheet.write_row(first_row + offset, 0, row)
