"""Registry import (CSV and XLSX, template and SIAK layouts) and export, through the services and the CLI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from smart_government.importing import writer as importing
from smart_government.registry import exporting
from smart_government.registry.models import Family, Resident
from sqlalchemy import func, select

from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

HEADER = ["kk_number", "nik", "name", "birth_date", "sex", "hamlet", "address", "religion"]


def nik(day: int, month: int, year: int, female: bool, serial: int) -> str:
    """A NIK issued in kecamatan Rendang (510701), where Menanga lies."""
    return f"510701{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"


KK1, KK2 = "5107010101200001", "5107010202200002"
ROWS = [
    [KK1, nik(17, 5, 1980, False, 1), "I Wayan Sudarma", "1980-05-17", "L", "Kaja", "Jl. Raya 1", "Hindu"],
    [KK1, nik(3, 2, 1984, True, 2), "Ni Made Sari", "03-02-1984", "P", "Kaja", "Jl. Raya 1", "Hindu"],
    [KK2, nik(9, 9, 2010, False, 3), "I Kadek Putra", "2010-09-09", "L", "Kelod", "Jl. Pura 2", "Hindu"],
]


def as_file(rows: list[list[object]], kind: str, header: list[str] = HEADER) -> tuple[bytes, str]:
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
        return out.getvalue().encode(), "residents.csv"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), "residents.xlsx"


def _plan(app, village, data: bytes, name: str):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village.id) as session:
        return importing.plan_import(session, village.tenant(), data, name)


def _commit(app, village, data: bytes, name: str):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(village.id) as session:
        return importing.commit_import(session, village.tenant(), data, name)


def _counts(app, village) -> tuple[int, int]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as session:
        return session.scalar(select(func.count(Resident.id))), session.scalar(select(func.count(Family.id)))


KINDS = ["csv", "xlsx"]


@pytest.mark.parametrize("kind", KINDS)
def test_dry_run_reports_bad_niks_by_row_and_column_and_writes_nothing(app, village, kind) -> None:  # noqa: ANN001
    bad = [
        *ROWS,
        [KK2, "12345", "Short Nik", "2001-01-01", "L", "Kelod", "", ""],
        [KK2, nik(1, 1, 2001, False, 9), "Wrong Sex", "2001-01-01", "P", "Kelod", "", ""],
        [KK2, nik(2, 2, 2002, False, 8), "Nowhere", "2002-02-02", "L", "Tengah", "", ""],
    ]
    report = _plan(app, village, *as_file(bad, kind))
    assert report.layout == "template" and report.rows == 6
    assert (report.residents.create, report.families.create) == (3, 2)
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(5, "nik"), (6, "nik"), (7, "hamlet")}
    assert "16 digits" in next(p.message for p in report.problems if p.row == 5)
    assert _counts(app, village) == (0, 0)
    with pytest.raises(ServiceError) as refused:
        _commit(app, village, *as_file(bad, kind))
    assert refused.value.code == "import_problems"
    assert _counts(app, village) == (0, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_commit_writes_the_plan_and_a_second_import_only_skips(app, village, kind) -> None:  # noqa: ANN001
    data = as_file(ROWS, kind)
    plan = _plan(app, village, *data)
    done = _commit(app, village, *data)
    assert done.committed and done.residents == plan.residents and done.families == plan.families
    assert _counts(app, village) == (3, 2)
    with app.app_context(), tenant_session(village.id) as session:
        sari = session.scalar(select(Resident).where(Resident.nik == ROWS[1][1]))
        assert sari.name == "Ni Made Sari" and sari.family.kk_number == KK1 and sari.religion == "Hindu"
    again = _plan(app, village, *data)
    assert (again.residents.create, again.residents.update, again.residents.skip) == (0, 0, 3)
    assert (again.families.create, again.families.update, again.families.skip) == (0, 0, 2)
    _commit(app, village, *data)
    assert _counts(app, village) == (3, 2)
    changed = [row[:] for row in ROWS]
    changed[2][7] = "Islam"
    update = _plan(app, village, *as_file(changed, kind))
    assert (update.residents.update, update.residents.skip) == (1, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_a_failure_mid_way_writes_nothing(app, village, kind, monkeypatch) -> None:  # noqa: ANN001
    """The write goes chunk by chunk (one row per chunk here): a failure in the third chunk rolls
    back the two written before it."""
    real = importing._Import._write
    calls = []

    def failing(self):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(self)

    monkeypatch.setattr(importing, "CHUNK_ROWS", 1)
    monkeypatch.setattr(importing._Import, "_write", failing)
    with pytest.raises(RuntimeError):
        _commit(app, village, *as_file(ROWS, kind))
    assert len(calls) == 3
    assert _counts(app, village) == (0, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_file_and_unknown_header_are_errors(app, village, kind) -> None:  # noqa: ANN001
    for rows, header, code in (
        ([], [], "empty_file"),
        ([], HEADER, "empty_file"),
        (ROWS, ["a", "b", "c"], "unknown_layout"),
    ):
        with pytest.raises(ServiceError) as error:
            _plan(app, village, *as_file(rows, kind, header))
        assert error.value.code == code


@pytest.mark.parametrize("kind", KINDS)
def test_siak_layout_is_recognised(app, village, kind) -> None:  # noqa: ANN001
    header = ["NO_KK", "NIK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "AGAMA", "STATUS_KAWIN"]
    header += ["STAT_HBKEL", "PENDIDIKAN", "PEKERJAAN", "GOL_DARAH", "ALAMAT", "NO_RT", "NO_RW", "DUSUN"]
    rows = [
        [KK1, nik(17, 5, 1980, False, 1), "I WAYAN SUDARMA", "KARANGASEM", "17-05-1980", "LAKI-LAKI", "HINDU"]
        + ["KAWIN", "KEPALA KELUARGA", "SLTA/SEDERAJAT", "PETANI/PEKEBUN", "O", "BR. KAJA", "1", "2", "KAJA"],
        [KK1, nik(3, 2, 1984, True, 2), "NI MADE SARI", "KARANGASEM", "03/02/1984", "PEREMPUAN", "HINDU"]
        + [
            "KAWIN",
            "ISTRI",
            "TAMAT SD/SEDERAJAT",
            "MENGURUS RUMAH TANGGA",
            "TIDAK TAHU",
            "BR. KAJA",
            "1",
            "2",
            "KAJA",
        ],
    ]
    data = as_file(rows, kind, header)
    assert _plan(app, village, *data).layout == "siak"
    _commit(app, village, *data)
    with app.app_context(), tenant_session(village.id) as session:
        wayan = session.scalar(select(Resident).where(Resident.nik == rows[0][1]))
        assert wayan.name == "I Wayan Sudarma" and wayan.marital_status == "Kawin"
        assert wayan.education == "SLTA" and wayan.relationship_to_head == "Kepala keluarga"
        assert wayan.address == "BR. KAJA RT 001 RW 002" and wayan.blood_type == "O"
    again = _plan(app, village, *data)
    assert again.residents.skip == 2 and again.residents.create == again.residents.update == 0


@pytest.mark.parametrize("kind", KINDS)
def test_export_then_import_is_all_skips(app, village, kind, tmp_path: Path) -> None:  # noqa: ANN001
    _commit(app, village, *as_file(ROWS, "csv"))
    path = tmp_path / f"out.{kind}"
    with app.app_context(), tenant_session(village.id) as session:
        assert exporting.export(session, path, kind) == 3
    report = _plan(app, village, path.read_bytes(), path.name)
    assert (
        report.ok and report.residents.skip == 3 and report.residents.create == report.residents.update == 0
    )
    assert report.families.skip == 2


def test_cli_import_export_and_refusal(app, village, bebandem, tmp_path: Path) -> None:  # noqa: ANN001
    data, name = as_file(ROWS, "csv")
    path = tmp_path / name
    path.write_bytes(data)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["smart_government", "import", str(path), "--tenant", bebandem.slug])
    assert refused.exit_code != 0 and "not enabled" in refused.output
    dry = runner.invoke(args=["smart_government", "import", str(path), "--tenant", village.slug])
    assert dry.exit_code == 0, dry.output
    assert "3 to create" in dry.output and _counts(app, village) == (0, 0)
    done = runner.invoke(args=["smart_government", "import", str(path), "--tenant", village.slug, "--commit"])
    assert done.exit_code == 0, done.output
    assert _counts(app, village) == (3, 2)
    out = tmp_path / "export.xlsx"
    exported = runner.invoke(
        args=["smart_government", "export", "--tenant", village.slug, "--format", "xlsx", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    assert out.exists()
    refused = runner.invoke(
        args=["smart_government", "export", "--tenant", bebandem.slug, "--format", "csv", "-o", str(out)]
    )
    assert refused.exit_code != 0 and "not enabled" in refused.output
