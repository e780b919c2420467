"""The kit's spreadsheets (``desacerdas.kit.tabular``): CSV and XLSX round trips that keep text as
text (accents, NIK-like leading zeros, formula-looking cells), the format from the file name, refusals
with clear messages, the reader's guesses (encoding, delimiter, a CSV named .xlsx), a download, and
memory that stays flat for 100,000 rows."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from flask import Flask

from desacerdas.kit import tabular
from desacerdas.services import ServiceError

HEADER = ["nik", "name", "phone", "note", "amount"]
ROWS = [
    ["0012345678901234", "Kadék Ayu Wédari", "+6281234567890", "=1+1", "007"],
    ["5107010101900001", "I Nyoman Ñoman", "", "@SUM(A1)", "-5"],
    ["5107010101900002", "Ni Luh 'Putu'", "0361-123", "'quoted", ""],
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_keeps_text_as_text(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"people{suffix}"
    assert tabular.write(path, HEADER, ROWS) == 3
    back = [row for _n, row in tabular.read_rows(path)]
    assert back[0] == HEADER
    got = [["" if v is None else v for v in row] for row in back[1:]]
    assert got == ROWS
    assert [n for n, _row in tabular.read_rows(path)] == [1, 2, 3, 4]
    records = list(tabular.read_records(path))
    assert records[0]["name"] == "Kadék Ayu Wédari" and records[0]["nik"] == "0012345678901234"


def test_csv_cells_that_look_like_formulas_get_an_apostrophe(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    tabular.write(path, HEADER, ROWS)
    raw = path.read_text(encoding="utf-8")
    assert "'=1+1" in raw and "'+6281234567890" in raw and "'@SUM(A1)" in raw and "'-5" in raw
    assert not raw.startswith("\ufeff")  # the platform's exports never had a BOM
    assert raw.splitlines()[0] == "nik,name,phone,note,amount"
    raw_rows = [row for _n, row in tabular.read_rows(path, unescape=False)]
    assert raw_rows[1][3] == "'=1+1"


def test_csv_cells_starting_with_a_tab_or_carriage_return_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    tabular.write(path, ["a", "b"], [["\t=1+1", "\r=2"]])
    raw = path.read_bytes().decode("utf-8")
    assert "'\t=1+1" in raw and "'\r=2" in raw
    assert [row for _n, row in tabular.read_rows(path)][1] == ["\t=1+1", "\r=2"]  # read back as written


def test_xlsx_formula_looking_text_is_a_text_cell(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "x.xlsx"
    tabular.write(path, HEADER, ROWS, sheet="residents")
    book = load_workbook(path)
    assert book.sheetnames == ["residents"]
    sheet = book.worksheets[0]
    assert sheet["D2"].value == "=1+1" and sheet["D2"].data_type == "s"  # not a formula
    assert sheet["A2"].value == "0012345678901234" and sheet["A2"].data_type == "s"


def test_csv_with_bom_on_request(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    tabular.write(path, HEADER, ROWS[:1], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [row for _n, row in tabular.read_rows(path)][0] == HEADER  # the reader drops the BOM


# -- formats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "explicit", "expected"),
    [
        ("x.xlsx", None, "xlsx"),
        ("X.XLSX", None, "xlsx"),
        ("x.csv", None, "csv"),
        ("x.txt", None, "csv"),
        ("out", "xlsx", "xlsx"),
        ("x.csv", "csv", "csv"),
        ("x.dat", "csv", "csv"),
    ],
)
def test_format_for_path(path: str, explicit: str | None, expected: str) -> None:
    assert tabular.format_for_path(path, explicit) == expected


@pytest.mark.parametrize(
    ("path", "explicit", "message"),
    [
        ("x.pdf", None, "Unsupported file type .pdf: use .csv or .xlsx."),
        ("export", None, "Unsupported file type –: use .csv or .xlsx."),
        ("x.xlsx", "csv", "The file name ends in .xlsx but the format is csv"),
        ("x.csv", "pdf", "Unknown format pdf: use csv or xlsx."),
    ],
)
def test_unknown_or_contradicting_formats_are_refused(path: str, explicit: str | None, message: str) -> None:
    with pytest.raises(ServiceError) as refused:
        tabular.format_for_path(path, explicit)
    assert message in refused.value.message and refused.value.status == 400


def test_write_refuses_an_unknown_extension_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ServiceError):
        tabular.write(tmp_path / "x.ods", HEADER, ROWS)
    assert not (tmp_path / "x.ods").exists()


# -- the reader's guesses ----------------------------------------------------------------------------


def test_reader_guesses_encoding_and_delimiter() -> None:
    windows = "nik;name\r\n0012;Kadék\r\n".encode("cp1252")
    assert [r for _n, r in tabular.read_rows(windows, "siak.csv")] == [["nik", "name"], ["0012", "Kadék"]]
    tabs = "nik\tname\n0012\tKadék\n".encode()
    assert [r for _n, r in tabular.read_rows(io.BytesIO(tabs), "x.txt")][1] == ["0012", "Kadék"]
    assert [r for _n, r in tabular.read_rows(b"", "empty.csv")] == []


def test_a_csv_named_xlsx_is_read_as_csv_and_a_broken_xlsx_is_refused(tmp_path: Path) -> None:
    old_export = tmp_path / "export.xlsx"  # what `export -o x.xlsx` wrote before it honoured the name
    old_export.write_text("nik,name\n0012,Kadék\n", encoding="utf-8")
    assert [r for _n, r in tabular.read_rows(old_export)][1] == ["0012", "Kadék"]
    with pytest.raises(ServiceError, match="not a readable XLSX workbook"):
        list(tabular.read_rows(b"PK\x03\x04 broken", "x.xlsx"))
    with pytest.raises(ServiceError, match="Unsupported file type .pdf"):
        list(tabular.read_rows(b"%PDF", "x.pdf"))


def test_estimate_rows(tmp_path: Path) -> None:
    csv_path, xlsx_path = tmp_path / "x.csv", tmp_path / "x.xlsx"
    tabular.write(csv_path, HEADER, ROWS)
    tabular.write(xlsx_path, HEADER, ROWS)
    assert tabular.estimate_rows(csv_path) == 3
    assert tabular.estimate_rows(xlsx_path) in (3, None)  # a streamed workbook declares no dimension


# -- a download ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_response_is_a_spooled_uncached_attachment(fmt: str) -> None:
    app = Flask(__name__)
    with app.test_request_context("/"):
        resp = tabular.response(HEADER, iter(ROWS), fmt, f"people.{fmt}")
        resp.direct_passthrough = False
        body = resp.get_data()
    assert resp.mimetype == tabular.CONTENT_TYPES[fmt] and resp.headers["Cache-Control"] == "no-store"
    assert f"filename=people.{fmt}" in resp.headers["Content-Disposition"]
    rows = [r for _n, r in tabular.read_rows(body, f"people.{fmt}")]
    assert rows[1][1] == "Kadék Ayu Wédari"
    with pytest.raises(ServiceError):
        tabular.response(HEADER, ROWS, "pdf", "x.pdf")


# -- streaming -----------------------------------------------------------------------------------------


def _many(n: int):  # noqa: ANN202
    for i in range(n):
        yield [f"{i:016d}", f"Kadék {i}", "+62812", "Banjar Kaja", str(i)]


# XLSX is slow under tracemalloc (about 7x); its 100,000-row figures are in docs/kit/lists-forms-exports.md.
@pytest.mark.parametrize(("suffix", "rows"), [(".csv", 100_000), (".xlsx", 5_000)])
def test_writing_and_reading_many_rows_keeps_memory_flat(tmp_path: Path, suffix: str, rows: int) -> None:
    path = tmp_path / f"many{suffix}"
    tracemalloc.start()
    try:
        assert tabular.write(path, HEADER, _many(rows)) == rows
        _size, written_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = sum(1 for _ in tabular.read_rows(path))
        _size, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows + 1
    # 100,000 rows held in memory would take well over 50 MB; streaming stays at a few MB (openpyxl
    # keeps the shared strings table, which grows with distinct texts, hence the generous bound).
    assert written_peak < 16 << 20, written_peak
    assert read_peak < 16 << 20, read_peak
