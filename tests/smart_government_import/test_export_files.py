"""The registry's export written by the kit (``desacerdas.kit.tabular``): ``desa smart_government
export -o x.xlsx`` writes XLSX by the file's name (before, it wrote CSV into x.xlsx unless --format
was given, and importing that file back failed with "not a zip"); a type it cannot write, or a
--format the name contradicts, is refused before anything is written; cells a spreadsheet would run
as a formula (``+62…``, ``=…``) survive an export and an import unchanged."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from smart_government.registry import exporting
from smart_government.registry.models import Resident
from sqlalchemy import select

from desacerdas.tenancy import tenant_session

from .test_import import ROWS, _commit, _counts, _plan, as_file, nik

EXPORT = ["smart_government", "export", "--tenant"]


def _export(app, village, *extra: str):  # noqa: ANN001, ANN202
    return app.test_cli_runner().invoke(args=[*EXPORT, village.slug, *extra])


def test_cli_export_to_xlsx_writes_a_workbook_that_imports_back(app, village, tmp_path: Path) -> None:  # noqa: ANN001
    _commit(app, village, *as_file(ROWS, "csv"))
    out = tmp_path / "residents.xlsx"
    done = _export(app, village, "-o", str(out))  # no --format: the name says xlsx
    assert done.exit_code == 0, done.output
    assert "Exported 3 residents" in done.output
    assert zipfile.is_zipfile(out) and out.read_bytes()[:4] == b"PK\x03\x04"
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["residents"]
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("kk_number", "nik", "name") and len(rows) == 4
    assert {r[1] for r in rows[1:]} == {r[1] for r in ROWS}  # NIKs as text: all 16 digits
    back = app.test_cli_runner().invoke(
        args=["smart_government", "import", str(out), "--tenant", village.slug]
    )
    assert back.exit_code == 0, back.output
    assert "residents 0 to create, 0 to update, 3 unchanged" in back.output
    assert "0 problem(s)" in back.output and "row " not in back.output
    assert _counts(app, village) == (3, 2)


def test_cli_export_format_by_name_or_explicit(app, village, tmp_path: Path) -> None:  # noqa: ANN001
    _commit(app, village, *as_file(ROWS, "csv"))
    as_csv = tmp_path / "residents.csv"
    assert _export(app, village, "-o", str(as_csv)).exit_code == 0
    assert as_csv.read_text(encoding="utf-8").startswith("kk_number,nik,name")
    bare = tmp_path / "residents"  # no extension: CSV, as the command always wrote
    assert _export(app, village, "-o", str(bare)).exit_code == 0
    assert not zipfile.is_zipfile(bare) and bare.read_text(encoding="utf-8").startswith("kk_number,")
    explicit = tmp_path / "explicit"
    assert _export(app, village, "--format", "xlsx", "-o", str(explicit)).exit_code == 0
    assert zipfile.is_zipfile(explicit)


def test_cli_export_refuses_unknown_types_and_contradicting_formats(app, village, tmp_path: Path) -> None:  # noqa: ANN001
    pdf = tmp_path / "residents.pdf"
    refused = _export(app, village, "-o", str(pdf))
    assert refused.exit_code != 0
    assert "Unsupported file type .pdf: use .csv or .xlsx." in refused.output
    assert not pdf.exists()
    xlsx = tmp_path / "residents.xlsx"
    mismatch = _export(app, village, "--format", "csv", "-o", str(xlsx))  # what wrote CSV into .xlsx
    assert mismatch.exit_code != 0
    assert "ends in .xlsx but the format is csv" in mismatch.output and not xlsx.exists()
    unknown = _export(app, village, "--format", "pdf", "-o", str(tmp_path / "x.csv"))
    assert unknown.exit_code != 0 and "pdf" in unknown.output


def test_an_old_csv_export_named_xlsx_still_imports(app, village, tmp_path: Path) -> None:  # noqa: ANN001
    """What ``export -o x.xlsx`` wrote before: CSV text in a file named .xlsx."""
    data, _name = as_file(ROWS, "csv")
    old = tmp_path / "old-export.xlsx"
    old.write_bytes(data)
    report = _plan(app, village, old.read_bytes(), old.name)
    assert report.ok and report.residents.create == 3, report.problems


HEADER = ["kk_number", "nik", "name", "birth_date", "sex", "hamlet", "occupation", "phone"]
FORMULA_LIKE = [
    [
        "5107010101200001",
        nik(17, 5, 1980, False, 1),
        "I Wayan",
        "1980-05-17",
        "L",
        "Kaja",
        "=1+2",
        "+6281234567",
    ],
    ["5107010101200001", nik(3, 2, 1984, True, 2), "Ni Made", "1984-02-03", "P", "Kaja", "-", "@home"],
]


def test_formula_like_cells_round_trip_in_both_formats(app, village, tmp_path: Path) -> None:  # noqa: ANN001
    _commit(app, village, *as_file(FORMULA_LIKE, "csv", HEADER))
    with app.app_context(), tenant_session(village.id) as session:
        wayan = session.scalar(select(Resident).where(Resident.name == "I Wayan"))
        assert (wayan.occupation, wayan.phone) == ("=1+2", "+6281234567")
        csv_path, xlsx_path = tmp_path / "out.csv", tmp_path / "out.xlsx"
        assert exporting.export(session, csv_path) == 2
        assert exporting.export(session, xlsx_path) == 2
    written = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    phone, occupation = written[0].index("phone"), written[0].index("occupation")
    by_name = {r[2]: r for r in written[1:]}
    assert by_name["I Wayan"][occupation] == "'=1+2"  # a spreadsheet shows it, never runs it
    assert by_name["I Wayan"][phone] == "'+6281234567"
    assert by_name["Ni Made"][phone] == "'@home"
    sheet = load_workbook(xlsx_path).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+2"]
    assert len(cells) == 1 and cells[0].data_type == "s"  # text, not a formula
    for path in (csv_path, xlsx_path):
        report = _plan(app, village, path.read_bytes(), path.name)
        assert report.ok and report.residents.skip == 2, (path.name, report.problems)
        assert report.residents.create == report.residents.update == 0
