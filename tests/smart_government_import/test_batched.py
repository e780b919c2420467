"""The batched import: thousands of rows in chunks, one transaction, the same results as the services."""

from __future__ import annotations

import pytest
from smart_government import registry
from smart_government.importing import writer as importing
from smart_government.registry.models import Family, Resident
from sqlalchemy import func, select

from desacerdas.models import AuditEvent
from desacerdas.services import ServiceError, rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session

from .test_import import as_file

HEADER = ["kk_number", "nik", "name", "birth_date", "sex", "hamlet", "address", "religion", "occupation"]
N = 2000  # two chunks of 1,000


def big_rows(n: int = N) -> list[list[str]]:
    """``n`` residents in families of four, valid NIKs (kecamatan 510701) and KK numbers."""
    rows = []
    for i in range(n):
        family = i // 4 + 1
        kk = f"51070101012{family:05d}"
        female = i % 2 == 1
        day, month, year = 1 + i % 28, 1 + i % 12, 1950 + i % 60
        nik = f"510701{day + (40 if female else 0):02d}{month:02d}{year % 100:02d}{i % 9999 + 1:04d}"
        hamlet = "Kaja" if family % 2 else "Kelod"
        name = f"{'Ni' if female else 'I'} Kadék {i}"
        birth = f"{year}-{month:02d}-{day:02d}"
        rows.append(
            [kk, nik, name, birth, "P" if female else "L", hamlet, f"Jl. Raya {family}", "Hindu", "Petani"]
        )
    return rows


def _plan(app, village, data: bytes, name: str, **kw):  # noqa: ANN001, ANN003, ANN202
    with app.app_context(), tenant_session(village.id) as session:
        return importing.plan_import(session, village.tenant(), data, name, **kw)


def _commit(app, village, data: bytes, name: str, **kw):  # noqa: ANN001, ANN003, ANN202
    with app.app_context(), tenant_session(village.id) as session:
        return importing.commit_import(session, village.tenant(), data, name, **kw)


def _count(app, village, what) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as session:
        return session.scalar(select(func.count()).select_from(what))


def _audits(app, village, action: str) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as session:
        stmt = select(func.count(AuditEvent.id)).where(
            AuditEvent.tenant_id == village.id, AuditEvent.action == action
        )
        return session.scalar(stmt)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_two_thousand_rows_commit_once_and_a_second_import_changes_nothing(app, village, kind) -> None:  # noqa: ANN001
    data = as_file(big_rows(), kind, HEADER)
    seen: list[int] = []
    plan = _plan(app, village, *data, progress=seen.append)
    assert plan.ok and (plan.rows, plan.residents.create, plan.families.create) == (N, N, N // 4)
    assert seen == [1000, 2000]
    written: list[int] = []
    done = _commit(app, village, *data, progress=written.append)
    assert done.committed and done.residents == plan.residents and done.families == plan.families
    assert written == [1000, 2000]
    assert _count(app, village, Resident) == N and _count(app, village, Family) == N // 4
    assert _audits(app, village, "smart_government.resident.created") == N
    assert _audits(app, village, "smart_government.family.created") == N // 4
    with app.app_context(), tenant_session(village.id) as session:
        person = session.scalar(select(Resident).where(Resident.nik == big_rows()[5][1]))
        assert person.name == "Ni Kadék 5" and person.name_search == registry.normalise_name("Ni Kadék 5")
        assert person.family.kk_number == big_rows()[5][0] and person.citizenship == "WNI"
        assert person.status.value == "living" and not person.nik_temporary
        found = session.scalars(registry.search(session, q="kadek 1999")).all()
        assert [r.name for r in found] == ["Ni Kadék 1999"]
        stamp = person.updated_at
    again = _commit(app, village, *data)
    assert (again.residents.create, again.residents.update, again.residents.skip) == (0, 0, N)
    assert (again.families.create, again.families.update, again.families.skip) == (0, 0, N // 4)
    assert _count(app, village, Resident) == N and _count(app, village, Family) == N // 4
    assert _audits(app, village, "smart_government.resident.updated") == 0
    assert _audits(app, village, "smart_government.import.committed") == 2
    with app.app_context(), tenant_session(village.id) as session:
        assert session.scalar(select(Resident.updated_at).where(Resident.nik == big_rows()[5][1])) == stamp


def test_a_problem_in_the_last_row_imports_nothing(app, village) -> None:  # noqa: ANN001
    rows = big_rows()
    rows[-1][1] = "5107019999999999"  # not this person's birth date
    data = as_file(rows, "csv", HEADER)
    plan = _plan(app, village, *data)
    assert [(p.row, p.column) for p in plan.problems] == [(N + 1, "nik")]
    with pytest.raises(ServiceError) as refused:
        _commit(app, village, *data)
    assert refused.value.code == "import_problems"
    assert _count(app, village, Resident) == _count(app, village, Family) == 0
    assert _audits(app, village, "smart_government.resident.created") == 0


def test_a_failure_while_writing_the_last_chunk_rolls_back_the_first(app, village, monkeypatch) -> None:  # noqa: ANN001
    real = importing._Import._write
    chunks = []

    def failing(self):  # noqa: ANN001, ANN202
        chunks.append(len(self.new_residents))
        if len(chunks) == 2:
            raise RuntimeError("connection lost")
        return real(self)

    monkeypatch.setattr(importing._Import, "_write", failing)
    with pytest.raises(RuntimeError):
        _commit(app, village, *as_file(big_rows(), "csv", HEADER))
    assert chunks == [1000, 1000]
    assert _count(app, village, Resident) == _count(app, village, Family) == 0
    assert _audits(app, village, "smart_government.family.created") == 0


def test_a_plan_with_problems_passed_to_commit_is_refused(app, village) -> None:  # noqa: ANN001
    rows = big_rows(10)
    rows[3][3] = "tomorrow"
    data = as_file(rows, "csv", HEADER)
    plan = _plan(app, village, *data)
    with pytest.raises(ServiceError) as refused:
        _commit(app, village, *data, plan=plan)
    assert refused.value.code == "import_problems" and _count(app, village, Resident) == 0


def test_a_stale_plan_does_not_skip_the_checks_of_the_write(app, village) -> None:  # noqa: ANN001
    good = as_file(big_rows(10), "csv", HEADER)
    rows = big_rows(10)
    rows[9][4] = "X"
    plan = _plan(app, village, *good)
    with pytest.raises(ServiceError) as refused:
        _commit(app, village, *as_file(rows, "csv", HEADER), plan=plan)
    assert refused.value.code == "import_problems" and _count(app, village, Resident) == 0


def test_updates_in_bulk_change_only_what_differs(app, village) -> None:  # noqa: ANN001
    rows = big_rows()
    _commit(app, village, *as_file(rows, "csv", HEADER))
    changed = [r[:] for r in rows]
    for r in changed[:1200]:  # across the chunk boundary
        r[7] = "Islam"
    changed[0][2] = "I Gede Baru"  # a new name: name_search follows
    changed[11][0] = changed[0][0]  # Ni Kadék 11 moves to the first family
    changed[4][6] = "Jl. Baru 9"  # the second family's first row: the member's address, not the family's
    changed[5][6] = ""  # empty cells never erase
    plan = _plan(app, village, *as_file(changed, "csv", HEADER))
    assert (plan.residents.create, plan.residents.update, plan.residents.skip) == (0, 1200, N - 1200)
    assert (plan.families.create, plan.families.update) == (0, 0)
    done = _commit(app, village, *as_file(changed, "csv", HEADER))
    assert done.residents == plan.residents
    with app.app_context(), tenant_session(village.id) as session:
        religions = dict(
            session.execute(select(Resident.religion, func.count()).group_by(Resident.religion)).all()
        )
        assert religions == {"Islam": 1200, "Hindu": N - 1200}
        first = session.scalar(select(Resident).where(Resident.nik == rows[0][1]))
        assert first.name == "I Gede Baru" and first.name_search == "i gede baru"
        moved = session.scalar(select(Resident).where(Resident.nik == rows[11][1]))
        assert moved.family.kk_number == rows[0][0] and moved.address == "Jl. Raya 3"
        second = session.scalar(select(Family).where(Family.kk_number == rows[4][0]))
        assert second.address == "Jl. Raya 2"  # a member's row never moves a registered family
        assert session.scalar(select(Resident.address).where(Resident.nik == rows[4][1])) == "Jl. Baru 9"
        assert session.scalar(select(Resident.address).where(Resident.nik == rows[5][1])) == "Jl. Raya 2"
        detail = session.scalar(
            select(AuditEvent.detail).where(
                AuditEvent.action == "smart_government.resident.updated",
                AuditEvent.target == f"resident:{moved.id}",
            )
        )
        assert detail == {"fields": ["family_id", "religion"], "source": "import"}
    assert _audits(app, village, "smart_government.resident.updated") == 1200
    assert _audits(app, village, "smart_government.family.updated") == 0
    assert _plan(app, village, *as_file(changed, "csv", HEADER)).residents.skip == N


def test_problems_are_capped_but_all_counted(app, village, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(importing, "MAX_PROBLEMS", 5)
    rows = big_rows(40)
    for r in rows[:12]:
        r[4] = "?"
    plan = _plan(app, village, *as_file(rows, "csv", HEADER))
    assert len(plan.problems) == 5 and plan.problem_count == 12 and not plan.ok
    assert "12 problem(s)" in plan.summary()


def test_each_village_imports_into_its_own_registry(app, village, bebandem) -> None:  # noqa: ANN001
    with app.app_context():
        other = bebandem.tenant()
        tenant_svc.add_hamlet(other, "Kaja")
        tenant_svc.add_hamlet(other, "Kelod")
        rollout.enable(other, "smart_government", override_reason="test")
    data = as_file(big_rows(20), "csv", HEADER)
    _commit(app, village, *data)
    plan = _plan(app, bebandem, *data)
    assert plan.residents.create == 20 and plan.families.create == 5  # village A's rows are not seen
    _commit(app, bebandem, *data)
    assert _count(app, village, Resident) == _count(app, bebandem, Resident) == 20
    with app.app_context(), tenant_session(bebandem.id) as session, pytest.raises(RuntimeError):
        importing.commit_import(session, village.tenant(), *data)  # a session of another village
    assert _count(app, village, Resident) == 20


def test_siak_numeric_codes_become_the_registry_wording(app, village) -> None:  # noqa: ANN001
    header = ["NO_KK", "NIK", "NAMA_LGKP", "TGL_LHR", "JENIS_KLMIN", "AGAMA", "STAT_KWN", "STAT_HBKEL"]
    header += ["PDDK_AKH", "JENIS_PKRJN", "GOL_DRH", "DUSUN"]
    rows = [
        ["5107010101200001", "5107011705800001", "I WAYAN SUDARMA", "17-05-1980", "1", "4", "2", "1"]
        + ["5", "9", "11", "KAJA"],
        ["5107010101200001", "5107014302840002", "NI MADE SARI", "03-02-1984", "2", "3", "2", "3"]
        + ["8", "88", "13", "KAJA"],
        ["5107010101200001", "5107010909100003", "I KADEK PUTRA", "09-09-2010", "1", "5", "1", "4"]
        + ["2", "3", "4", "KAJA"],
    ]
    data = as_file(rows, "csv", header)
    assert _plan(app, village, *data).ok
    _commit(app, village, *data)
    with app.app_context(), tenant_session(village.id) as session:
        got = {
            r.name: (
                r.religion,
                r.marital_status,
                r.relationship_to_head,
                r.education,
                r.occupation,
                r.blood_type,
            )
            for r in session.scalars(select(Resident))
        }
    assert got == {
        "I Wayan Sudarma": ("Hindu", "Kawin", "Kepala keluarga", "SLTA", "Petani/pekebun", "O"),
        "Ni Made Sari": ("Katolik", "Kawin", "Istri", "Diploma IV/S1", "Wiraswasta", None),
        "I Kadek Putra": ("Buddha", "Belum kawin", "Anak", "Belum tamat SD", "Pelajar/mahasiswa", "O"),
    }
    assert _plan(app, village, *data).residents.skip == 3
    text = [
        ["5107010101200001", "5107011705800001", "I WAYAN SUDARMA", "17-05-1980", "LAKI-LAKI", "HINDU"]
        + ["KAWIN", "KEPALA KELUARGA", "SLTA/SEDERAJAT", "PETANI/PEKEBUN", "O", "KAJA"]
    ]
    assert _plan(app, village, *as_file(text, "csv", header)).residents.skip == 1  # codes = words


def test_unknown_numeric_codes_are_problems(app, village) -> None:  # noqa: ANN001
    header = ["NIK", "NAMA_LGKP", "TGL_LHR", "JENIS_KLMIN", "AGAMA", "PDDK_AKH", "JENIS_PKRJN", "GOL_DRH"]
    rows = [["5107011705800001", "I WAYAN", "17-05-1980", "1", "8", "11", "90", "14"]]
    plan = _plan(app, village, *as_file(rows, "csv", header))
    assert sorted(p.column for p in plan.problems) == ["AGAMA", "GOL_DRH", "JENIS_PKRJN", "PDDK_AKH"]
    assert all("SIAK code" in p.message for p in plan.problems)


def test_template_layout_accepts_codes_too(app, village) -> None:  # noqa: ANN001
    rows = [["5107010101200001", "5107011705800001", "I Wayan", "1980-05-17", "L", "Kaja", "", "1", "15"]]
    _commit(app, village, *as_file(rows, "csv", HEADER))
    with app.app_context(), tenant_session(village.id) as session:
        person = session.scalar(select(Resident))
        assert (person.religion, person.occupation) == ("Islam", "Karyawan swasta")


def test_estimate_rows(tmp_path) -> None:  # noqa: ANN001
    data, _name = as_file(big_rows(30), "csv", HEADER)
    assert importing.estimate_rows(data, "x.csv") == 30
    xlsx, _name = as_file(big_rows(30), "xlsx", HEADER)
    assert importing.estimate_rows(xlsx, "x.xlsx") == 30
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    assert importing.estimate_rows(path) == 30
    with pytest.raises(ServiceError):
        importing.estimate_rows(b"x", "x.pdf")


def test_cli_shows_progress_and_commits(app, village, tmp_path) -> None:  # noqa: ANN001
    data, name = as_file(big_rows(), "csv", HEADER)
    path = tmp_path / name
    path.write_bytes(data)
    runner = app.test_cli_runner()
    done = runner.invoke(args=["smart_government", "import", str(path), "--tenant", village.slug, "--commit"])
    assert done.exit_code == 0, done.output
    assert f"{N} created" in done.output and "Checking" in done.output and "Importing" in done.output
    assert _count(app, village, Resident) == N
    rows = big_rows(3)
    rows[1][4] = "X"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_file(rows, "csv", HEADER)[0])
    refused = runner.invoke(
        args=["smart_government", "import", str(bad), "--tenant", village.slug, "--commit"]
    )
    assert refused.exit_code != 0 and "row 3 [sex]" in refused.output
