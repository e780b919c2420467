"""``desa smart_society aid-import|aid-export``: a dry run by default that writes nothing and shows
the rows it would not import, --apply imports, the export writes the header and the rows; the
village is given explicitly and must run the pillar."""

from __future__ import annotations

import csv
import io

import pytest
from smart_society.aid.models import AidRecipient
from sqlalchemy import func, select

from desacerdas.models import AuditEvent
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .aid_support import NIKS, decide, give_niks, programme, propose


@pytest.fixture
def village(app, sv):  # noqa: ANN001, ANN201
    give_niks(app, sv)
    return sv


def _count(app, village, model=AidRecipient) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(model))


def _list(tmp_path, *rows: tuple[str, str]):  # noqa: ANN001, ANN202
    path = tmp_path / "daftar.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["NIK", "NAMA"])
        writer.writerows(rows)
    return path


def _invoke(app, *args: str):  # noqa: ANN001, ANN202
    return app.test_cli_runner().invoke(args=["smart_society", *args])


def test_a_dry_run_shows_what_would_not_be_imported_and_writes_nothing(app, village, tmp_path):
    sv = village
    pkh = programme(app, sv, name="PKH", source="pkh", schedule="quarterly", excludes=[])
    cand, _n = propose(app, sv, "head", pkh, "wayan")
    decide(app, sv, "head", pkh, approve=[cand])
    pid = programme(app, sv, name="BPNT", source="bpnt", unit="person", excludes=["pkh"])
    before = _count(app, sv)
    path = _list(
        tmp_path,
        (NIKS["made"], "I Made Kelod"),
        (NIKS["wayan"], "I Wayan Sudarsana"),  # receives PKH, which BPNT excludes
        ("5107019999999999", "Tidak Ada"),
    )
    email = sv.people["head"].email
    done = _invoke(app, "aid-import", "--tenant", sv.slug, "--programme", str(pid), str(path), "--as", email)
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].startswith("Dry run for BPNT")
    assert any(line.split() == ["imported", "1"] for line in lines)
    assert any(line.split() == ["unmatched", "1"] for line in lines)
    assert any(line.split() == ["conflict", "1"] for line in lines)
    conflict = next(line for line in lines if NIKS["wayan"] in line)
    assert "conflict" in conflict and "PKH" in conflict
    unmatched = next(line for line in lines if "5107019999999999" in line)
    assert "unmatched" in unmatched and "No living resident" in unmatched
    assert NIKS["made"] not in done.output  # imported rows are counted, not listed
    assert "Nothing written" in done.output
    assert _count(app, sv) == before
    with app.app_context(), tenant_session(sv.id) as s:
        checks = s.scalar(select(func.count()).where(AuditEvent.action == "aid.ledger_checked"))
    assert checks >= 2  # the cross-village checks are audited, dry run or not

    done = _invoke(
        app, "aid-import", "--tenant", sv.slug, "--programme", str(pid), str(path), "--as", email, "--apply"
    )
    assert done.exit_code == 0, done.output
    assert "1 recipient(s) imported" in done.output
    assert _count(app, sv) == before + 1


def test_the_import_acts_as_someone_allowed_to(app, village, tmp_path):
    sv = village
    pid = programme(app, sv, unit="person", excludes=[])
    path = _list(tmp_path, (NIKS["made"], "I Made Kelod"))
    args = ["aid-import", "--tenant", sv.slug, "--programme", str(pid), str(path)]
    done = _invoke(app, *args)  # no platform administrator to default to
    assert done.exit_code != 0 and "--as" in done.output
    done = _invoke(app, *args, "--as", sv.people["kelian_kaja"].email)
    assert done.exit_code != 0 and "Traceback" not in done.output
    done = _invoke(app, *args, "--as", "nobody@example.test")
    assert done.exit_code != 0 and "nobody@example.test" in done.output
    support.make_user(app, "platform_admin")
    done = _invoke(app, *args, "--apply")
    assert done.exit_code == 0, done.output
    assert _count(app, sv) == 1
    done = _invoke(app, "aid-import", "--tenant", sv.slug, "--programme", "nope", str(path), "--as", "x@y.z")
    assert done.exit_code != 0


def test_another_village_or_a_village_without_the_pillar_is_refused(app, village, sv_b, bebandem, tmp_path):
    pid = programme(app, village, unit="person", excludes=[])
    path = _list(tmp_path, (NIKS["made"], "I Made Kelod"))
    email = sv_b.people["head"].email
    # village B's head naming village A's programme through B: no such programme
    done = _invoke(
        app, "aid-import", "--tenant", sv_b.slug, "--programme", str(pid), str(path), "--as", email
    )
    assert done.exit_code != 0 and "I Made" not in done.output
    # through A, B's head may not import
    done = _invoke(
        app, "aid-import", "--tenant", village.slug, "--programme", str(pid), str(path), "--as", email
    )
    assert done.exit_code != 0 and "I Made" not in done.output
    done = _invoke(app, "aid-export", "--tenant", sv_b.slug, "--programme", str(pid), str(tmp_path / "x.csv"))
    assert done.exit_code != 0 and not (tmp_path / "x.csv").exists()
    done = _invoke(app, "aid-export", "--tenant", "no-such-village", "--programme", str(pid), "x.csv")
    assert done.exit_code != 0
    assert _count(app, village) == 0


def test_the_export_writes_the_header_and_the_rows(app, village, tmp_path):
    sv = village
    pid = programme(app, sv, unit="person", excludes=[])
    wayan, _n = propose(app, sv, "head", pid, "wayan")
    propose(app, sv, "head", pid, "made")
    decide(app, sv, "head", pid, approve=[wayan])
    out = tmp_path / "bansos.csv"
    done = _invoke(app, "aid-export", "--tenant", sv.slug, "--programme", str(pid), str(out))
    assert done.exit_code == 0, done.output
    assert "Exported 2 row(s)" in done.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert rows[0] == ["NIK", "Nama", "No KK", "Banjar/Dusun", "Status", "Program", "Sumber", "Sasaran"]
    assert sorted(r[0] for r in rows[1:]) == sorted([NIKS["wayan"], NIKS["made"]])
    assert {r[3] for r in rows[1:]} == {"Banjar Dinas Kaja", "Banjar Dinas Kelod"}
    xlsx = tmp_path / "bansos.xlsx"
    done = _invoke(app, "aid-export", "--tenant", sv.slug, "--programme", str(pid), str(xlsx))
    assert done.exit_code == 0, done.output
    assert xlsx.read_bytes()[:2] == b"PK"
    done = _invoke(
        app, "aid-export", "--tenant", sv.slug, "--programme", str(pid), "--format", "xlsx", str(out)
    )
    assert done.exit_code != 0  # the name says csv
    with app.app_context(), tenant_session(sv.id) as s:
        exports = s.scalar(select(func.count()).where(AuditEvent.action == "smart_society.aid.list_exported"))
    assert exports == 2
