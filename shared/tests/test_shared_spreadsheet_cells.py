import pytest
from citizeninfo_shared.spreadsheet_cells import neutralised, neutralised_row


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "=cmd|' /C calc'!A0"],
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(cell):
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["กรมศิลปากร", "D0702", "", " =1", 5, -3, 2.5, None])
def test_ordinary_text_and_numbers_are_kept(cell):
    assert neutralised(cell) == cell


def test_a_row_is_neutralised_cell_by_cell():
    assert neutralised_row(["=1", 1, "x"]) == ["'=1", 1, "x"]
