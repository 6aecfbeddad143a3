import csv
import io

from nocopy_service.adapters.table_files import UTF8_BOM, csv_chunks, write_xlsx

from .xlsx_reading import sheet_rows

HEADER = ["รหัสจุดให้บริการ", "รายละเอียด", "จำนวน"]


async def _rows(count: int):
    for i in range(count):
        yield [f"P{i:06d}", "ไม่มีงบ" if i % 2 else None, i]


async def test_csv_is_utf8_with_a_bom_a_header_and_every_row() -> None:
    chunks = [c async for c in csv_chunks(HEADER, _rows(5))]
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith(UTF8_BOM)
    table = list(csv.reader(io.StringIO(text.removeprefix(UTF8_BOM))))
    assert table[0] == HEADER
    assert table[1:3] == [["P000000", "", "0"], ["P000001", "ไม่มีงบ", "1"]]
    assert len(table) == 6


async def test_csv_leaves_in_chunks_of_rows_not_all_at_once() -> None:
    chunks = [c async for c in csv_chunks(HEADER, _rows(1_050), rows_per_chunk=500)]
    # the header alone first (the download starts at once), then 500 + 500 + 50 rows
    assert [c.count(b"\n") for c in chunks] == [1, 500, 500, 50]


async def test_an_empty_table_is_still_a_header() -> None:
    chunks = [c async for c in csv_chunks(HEADER, _rows(0))]
    assert b"".join(chunks).decode("utf-8-sig").splitlines() == [",".join(HEADER)]


async def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() -> None:
    async def hostile():
        yield ['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "ok", 7]

    text = b"".join([c async for c in csv_chunks(["a", "b", "c", "d", "e", "f"], hostile())]).decode("utf-8-sig")
    cells = list(csv.reader(io.StringIO(text)))[1]
    assert cells == ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "ok", "7"]


async def test_xlsx_holds_the_header_and_every_row(tmp_path) -> None:
    path = tmp_path / "survey.xlsx"
    written = await write_xlsx(path, HEADER, _rows(1_201), sheet_name="D0702", rows_per_batch=500)
    assert written == 1_201
    rows = sheet_rows(path.read_bytes())
    assert rows[0] == HEADER
    assert rows[1] == ["P000000", None, "0"]
    assert rows[2] == ["P000001", "ไม่มีงบ", "1"]
    assert len(rows) == 1_202
    assert [p.name for p in tmp_path.iterdir()] == ["survey.xlsx"]  # xlsxwriter's row files are gone


async def test_xlsx_never_turns_text_into_a_formula(tmp_path) -> None:
    async def hostile():
        yield ["=1+1", "http://example.com", "0123"]

    path = tmp_path / "survey.xlsx"
    await write_xlsx(path, ["a", "b", "c"], hostile(), sheet_name="national")
    assert sheet_rows(path.read_bytes())[1] == ["=1+1", "http://example.com", "0123"]
