"""Social aid across villages: a person who moved from Menanga (village A) to Bebandem (village B)
receives PKH in B; proposing his family in A for BLT-DD (which excludes PKH) finds the conflict
through the platform's aid ledger, which answers with the source and the period only.

Nothing of village B (its name, its programme, the person's name or record there) reaches village
A: not in the check's result, the conflict kept on the candidate, A's audit events, any row of A,
or A's pages and API. Ending B's aid before A's period clears the conflict; the regency sees both
sides; every check writes an audit event in the asking village. On PostgreSQL (CI lane 2, the
application role under Row-Level Security) a village session sees and writes only its own ledger
rows, and the check still finds the other village's claim.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import date

import pytest
from smart_government.registry.models import Resident
from smart_society.aid import importing, rules, service
from smart_society.aid.models import AidConflict, AidProgramme, ConflictKind
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desacerdas.extensions import db
from desacerdas.models import AidLedgerEntry, AuditEvent, Tenant, User
from desacerdas.models.base import Base
from desacerdas.services import aid_ledger
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .aid_support import NIKS, YEAR, decide, give_niks, programme, propose, run

# In B, the man who moved from A (wayan's NIK) and his new family; every string here is B's alone.
MOVED_NAME = "I Wayan Rantau Pindahan"
B_PROGRAMME = "Program Keluarga Harapan Tahap Khusus"
B_NIKS = {"wayan": NIKS["wayan"], "kadek": "5107064508960004", "made": "5107061112870005"}
PKH_START, PKH_END = date(YEAR, 1, 1), date(YEAR, 12, 31)
BLT_START, BLT_END = date(YEAR, 3, 1), date(YEAR, 12, 31)


@pytest.fixture
def villages(app, sv, sv_b):  # noqa: ANN001, ANN201
    """A (Menanga) with real NIKs; B (Bebandem) with the moved man, renamed, as a resident."""
    give_niks(app, sv)
    give_niks(app, sv_b, B_NIKS)
    with app.app_context(), tenant_session(sv_b.id) as s:
        moved = s.get(Resident, (sv_b.id, sv_b.residents["wayan"]))
        moved.name, moved.name_search = MOVED_NAME, MOVED_NAME.lower()
        s.commit()
    return sv, sv_b


def pkh_in_b(app, b) -> tuple[uuid.UUID, uuid.UUID]:  # noqa: ANN001
    """B's PKH programme with the moved man's family as recipients (proposed, then decided)."""
    pkh = programme(
        app, b, name=B_PROGRAMME, source="pkh", schedule="quarterly", excludes=[],
        period_start=PKH_START, period_end=PKH_END,
    )  # fmt: skip
    cand, conflicts = propose(app, b, "head", pkh, "wayan")
    assert conflicts == 0
    assert decide(app, b, "head", pkh, approve=[cand])["approved"] == [cand]
    return pkh, cand


def blt_in_a(app, a, **fields) -> uuid.UUID:  # noqa: ANN001
    return programme(app, a, **{"period_start": BLT_START, "period_end": BLT_END, **fields})


def b_secrets(app, b, *extra: object) -> list[str]:  # noqa: ANN001
    """Strings that are village B's alone: village A must never read any of them."""
    with app.app_context():
        tenant = db.session.get(Tenant, b.id)
        names = [tenant.name, tenant.slug, tenant.code]
        db.session.remove()
    return [*names, B_PROGRAMME, MOVED_NAME, B_NIKS["kadek"], *(str(x) for x in extra)]


def assert_no_leak(where: str, blob: str, secrets: list[str]) -> None:
    lowered = blob.casefold()
    leaked = [s for s in secrets if s.casefold() in lowered]
    assert not leaked, f"village B's {leaked} in {where}"


def events(app, action: str, tenant_id: int | None) -> list[AuditEvent]:  # noqa: ANN001
    """Audit events of one action, read in a platform context (every village's, on PostgreSQL)."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        out = [r for r in rows if r.tenant_id == tenant_id]
        db.session.expunge_all()
        db.session.remove()
    return out


def village_rows(app, village) -> str:  # noqa: ANN001
    """Every row with a ``tenant_id`` that village A's session reads (every model's), as text."""
    chunks: list[str] = []
    with app.app_context(), tenant_session(village.id) as s:
        for mapper in Base.registry.mappers:
            model = mapper.class_
            if "tenant_id" not in mapper.columns or mapper.inherits is not None:
                continue
            keys = [a.key for a in mapper.column_attrs]
            for obj in s.scalars(select(model).where(mapper.columns["tenant_id"] == village.id)):
                values = {k: getattr(obj, k) for k in keys}
                chunks.append(f"{model.__name__}: {json.dumps(values, default=str)}")
        assert chunks, "village A has rows"
    return "\n".join(chunks)


def check(app, village, programme_id, resident: str) -> list[rules.Found]:  # noqa: ANN001
    """rules.find() for a resident of ``village`` as its head (committed: the audit event stays)."""

    def _do(s, t, u):  # noqa: ANN001, ANN202
        p = s.get(AidProgramme, (t.id, programme_id))
        r = s.get(Resident, (t.id, village.residents[resident]))
        return rules.find(s, t, p, resident_id=r.id, family_id=r.family_id, actor=u)

    return run(app, village, "head", _do)


def conflict_rows(app, village, candidate_id) -> list[AidConflict]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        rows = list(
            s.scalars(
                select(AidConflict).where(AidConflict.recipient_id == candidate_id).order_by(AidConflict.id)
            )
        )
        s.expunge_all()
    return rows


def test_conflict_names_only_source_and_period(app, villages) -> None:  # noqa: ANN001
    a, b = villages
    _pkh, cand_b = pkh_in_b(app, b)
    blt = blt_in_a(app, a)
    secrets = b_secrets(app, b, cand_b)

    # the service's answer: another village, PKH, B's period, nothing else
    found = check(app, a, blt, "wayan")
    assert found == [rules.Found(ConflictKind.OTHER_VILLAGE, "pkh", PKH_START, PKH_END, None)]
    assert_no_leak("rules.find()", repr(found), secrets)

    # the ledger's own answer carries exactly three fields
    with app.app_context(), tenant_session(a.id) as s:
        tenant, p = s.get(Tenant, a.id), s.get(AidProgramme, (a.id, blt))
        claim = rules.claim_of(p, [NIKS["wayan"], NIKS["kadek"]])
        hits = aid_ledger.conflicts(s, tenant, claim, actor=None, about="test")
        s.rollback()
    assert hits == [aid_ledger.Conflict("pkh", PKH_START, PKH_END)]
    assert set(aid_ledger.Conflict.__dataclass_fields__) == {"source", "period_start", "period_end"}

    # proposing kadek (wayan's family, whose NIK the moved man carries) keeps the conflict
    cand_a, n = propose(app, a, "head", blt, "kadek")
    assert n == 1
    (row,) = conflict_rows(app, a, cand_a)
    assert (row.kind, row.source, row.period_start, row.period_end) == (
        ConflictKind.OTHER_VILLAGE,
        "pkh",
        PKH_START,
        PKH_END,
    )
    assert row.other_programme is None and row.resolved_at is None
    kept = {c.key: getattr(row, c.key) for c in row.__mapper__.columns}
    assert_no_leak("the AidConflict row", repr(kept), secrets)

    # the Musdes holds the candidate back
    out = decide(app, a, "head", blt, approve=[cand_a])
    assert out["approved"] == [] and out["held"] == [(cand_a, "conflict")]

    # A's audit events of the checks say the source asked for and how many conflicts, no more
    checked = events(app, "aid.ledger_checked", a.id)
    assert checked and all(set(e.detail) == {"source", "conflicts"} for e in checked)
    assert all(e.detail["source"] == "blt_dd" for e in checked)
    assert [e.detail["conflicts"] for e in checked] == [1] * len(checked)
    for e in checked:
        assert_no_leak("A's audit event", f"{e.target} {json.dumps(e.detail)} {e.actor_label}", secrets)

    # nothing A's session reads anywhere (candidates, conflicts, steps, audit events …) is B's
    assert_no_leak("village A's rows", village_rows(app, a), secrets)
    assert MOVED_NAME in village_rows(app, b) and B_PROGRAMME in village_rows(app, b)  # the scan reads


def test_import_dry_run_in_a_names_only_source_and_period(app, villages) -> None:  # noqa: ANN001
    """B's recipients come from the ministry's list (import); A's dry run of its own list shows the
    conflict in the row's words: the source's label and the period."""
    a, b = villages
    pkh = programme(
        app, b, name=B_PROGRAMME, source="pkh", schedule="quarterly", excludes=[],
        period_start=PKH_START, period_end=PKH_END,
    )  # fmt: skip
    listed = f"NIK,NAMA\n{B_NIKS['wayan']},{MOVED_NAME}\n".encode()

    def _import(village, programme_id, data: bytes, dry_run: bool):  # noqa: ANN001, ANN202
        def _do(s, t, u):  # noqa: ANN001, ANN202
            p = service.get_programme(s, t, u, programme_id)
            return importing.import_list(s, t, u, p, io.BytesIO(data), "list.csv", dry_run=dry_run)

        return run(app, village, "head", _do)

    assert _import(b, pkh, listed, False).summary["imported"] == 1
    blt = blt_in_a(app, a)
    result = _import(a, blt, f"NIK,NAMA\n{NIKS['wayan']},I Wayan Sudarsana\n".encode(), True)
    (row,) = result.rows
    assert row.outcome == importing.Outcome.CONFLICT
    assert "PKH" in row.detail and f"{PKH_START:%d-%m-%Y}" in row.detail
    assert_no_leak("A's import result", repr(result), b_secrets(app, b))


def test_no_overlap_no_conflict(app, villages) -> None:  # noqa: ANN001
    a, b = villages
    pkh_in_b(app, b)
    next_year = blt_in_a(
        app, a, name="BLT Dana Desa tahun depan",
        period_start=date(YEAR + 1, 1, 1), period_end=date(YEAR + 1, 12, 31),
    )  # fmt: skip
    assert check(app, a, next_year, "wayan") == []
    cand, n = propose(app, a, "head", next_year, "wayan")
    assert n == 0
    assert decide(app, a, "head", next_year, approve=[cand])["approved"] == [cand]
    # overlapping periods but no clash: a BLT-DD excluding nothing against B's PKH excluding nothing
    plain = blt_in_a(app, a, name="BLT tanpa pengecualian", excludes=[])
    assert check(app, a, plain, "wayan") == []
    assert all(e.detail["conflicts"] == 0 for e in events(app, "aid.ledger_checked", a.id))


def test_ending_b_before_a_starts_clears_the_conflict(app, villages) -> None:  # noqa: ANN001
    a, b = villages
    _pkh, cand_b = pkh_in_b(app, b)
    blt = blt_in_a(app, a)
    cand_a, n = propose(app, a, "head", blt, "wayan")
    assert n == 1
    assert decide(app, a, "head", blt, approve=[cand_a])["held"] == [(cand_a, "conflict")]

    # he moved: B ends his PKH the day before A's programme starts
    def _end(s, t, u):  # noqa: ANN001, ANN202
        candidate = service.get_candidate(s, t, u, cand_b)
        service.end_aid(s, t, u, candidate, reason="moved", on=date(YEAR, 2, 28))
        return candidate.status.value

    assert run(app, b, "head", _end) == "deactivated"
    with app.app_context(), tenant_session(b.id) as s:
        theirs = s.scalars(select(AidLedgerEntry).where(AidLedgerEntry.record_id == cand_b)).all()
        ends = {e.period_end for e in theirs}
    assert ends == {date(YEAR, 2, 28)}  # kept, ended: B's past stays true

    # (the check without the candidate's own row finds the candidate itself: same programme)
    assert [f.kind for f in check(app, a, blt, "kadek")] == [ConflictKind.SAME_PROGRAMME]
    out = decide(app, a, "head", blt, approve=[cand_a])
    assert out["approved"] == [cand_a] and out["held"] == []
    (row,) = conflict_rows(app, a, cand_a)
    assert row.resolved_at is not None and row.resolution == "cleared"
    # now A's family is on the ledger, in A's name
    with app.app_context(), tenant_session(a.id) as s:
        mine = s.scalars(select(AidLedgerEntry).where(AidLedgerEntry.record_id == cand_a)).all()
        assert {e.tenant_id for e in mine} == {a.id} and len(mine) == 2  # wayan's and kadek's NIK
        assert {e.pending for e in mine} == {False}  # no longer a candidate's pending claim
        assert {e.nik_hash for e in mine} == {
            aid_ledger.fingerprint(NIKS["wayan"]),
            aid_ledger.fingerprint(NIKS["kadek"]),
        }


def test_regency_sees_both_villages(app, villages) -> None:  # noqa: ANN001
    """A's candidate is a pending claim on the ledger: the regency sees it against B's recipient,
    with the detail the villages never do."""
    a, b = villages
    pkh_in_b(app, b)
    blt = blt_in_a(app, a)
    propose(app, a, "head", blt, "wayan")
    regent_id = support.make_user(app, "regency_admin", a.lv, area="51.07").id
    with app.app_context():
        regent = db.session.get(User, regent_id)
        rows = aid_ledger.regency_conflicts([a.id], actor=regent)
        names = {t.id: t.name for t in db.session.scalars(select(Tenant))}
        db.session.remove()
    assert len(rows) == 1, rows  # wayan's NIK; kadek's is only A's
    (r,) = rows
    assert (r.village, r.other_village) == (names[a.id], names[b.id]) == ("Menanga", "Bebandem")
    assert (r.programme, r.source, r.period, r.pending) == (
        "BLT Dana Desa",
        "blt_dd",
        (BLT_START, BLT_END),
        True,
    )
    theirs = (r.other_programme, r.other_source, r.other_period)
    assert theirs == (B_PROGRAMME, "pkh", (PKH_START, PKH_END))
    (read,) = events(app, "aid.regency_conflicts_read", None)
    assert read.detail == {"tenant_ids": [a.id], "conflicts": 1} and read.actor_id == regent_id
    # A's own view of the same candidate stays source and period
    found = [f for f in check(app, a, blt, "wayan") if f.kind == ConflictKind.OTHER_VILLAGE]
    assert found == [rules.Found(ConflictKind.OTHER_VILLAGE, "pkh", PKH_START, PKH_END)]


def test_every_check_is_audited_in_the_asking_village(app, villages) -> None:  # noqa: ANN001
    a, b = villages
    pkh_in_b(app, b)
    in_b = events(app, "aid.ledger_checked", b.id)
    assert len(in_b) >= 2  # B's proposal and its decision checked too, in B's name
    blt = blt_in_a(app, a)
    assert events(app, "aid.ledger_checked", a.id) == []

    check(app, a, blt, "wayan")
    assert len(events(app, "aid.ledger_checked", a.id)) == 1
    cand, _n = propose(app, a, "head", blt, "wayan")
    after_propose = events(app, "aid.ledger_checked", a.id)
    assert len(after_propose) == 2 and after_propose[-1].target == f"aid_programme:{blt}"
    assert after_propose[-1].actor_id == a.people["head"].id
    decide(app, a, "head", blt, approve=[cand])
    after_decide = events(app, "aid.ledger_checked", a.id)
    assert len(after_decide) == 3 and after_decide[-1].target == f"aid_candidate:{cand}"
    # A's checks were never written in B's name (nor in the platform's)
    assert len(events(app, "aid.ledger_checked", b.id)) == len(in_b)
    assert events(app, "aid.ledger_checked", None) == []


def test_a_pages_and_api_show_no_b_data(app, villages, as_user, bearer) -> None:  # noqa: ANN001
    """The candidate's page and its API (and the programme's page, its deliberation page and its
    candidates in the API), for every member of A's staff who may see them."""
    a, b = villages
    _pkh, cand_b = pkh_in_b(app, b)
    blt = blt_in_a(app, a)
    cand_a, n = propose(app, a, "head", blt, "wayan")
    assert n == 1
    secrets = b_secrets(app, b, cand_b)
    for who in ("head", "operator", "kelian_kaja"):
        client = as_user(a.people[who])
        page = client.get(a.page(f"aid/candidates/{cand_a}"))
        assert page.status_code == 200, f"{who}: the candidate page answered {page.status_code}"
        html = page.get_data(as_text=True)
        assert "PKH" in html, "the page names the conflict's source"
        assert_no_leak(f"the candidate page ({who})", html, secrets)
        for path in (f"aid/programmes/{blt}", f"aid/programmes/{blt}/decide"):
            other = client.get(a.page(path))
            if who == "kelian_kaja" and path.endswith("/decide"):
                assert other.status_code == 403  # the hamlet head does not decide
                continue
            assert other.status_code == 200, f"{who}: {path} answered {other.status_code}"
            assert_no_leak(f"{path} ({who})", other.get_data(as_text=True), secrets)
        headers = bearer(a.people[who])
        resp = app.test_client().get(a.api(f"aid/candidates/{cand_a}"), headers=headers)
        assert resp.status_code == 200, f"{who}: the candidate API answered {resp.status_code}"
        body = resp.get_data(as_text=True)
        assert "pkh" in body.casefold() and PKH_START.isoformat() in body
        assert_no_leak(f"the candidate API ({who})", body, secrets)
        listed = app.test_client().get(a.api(f"aid/programmes/{blt}/candidates"), headers=headers)
        assert listed.status_code == 200, f"{who}: the candidates API answered {listed.status_code}"
        assert_no_leak(f"the candidates API ({who})", listed.get_data(as_text=True), secrets)


# -- PostgreSQL with Row-Level Security, as the application role (CI lane 2) ----------------------


@pytest.fixture
def postgres_only(app):  # noqa: ANN001, ANN201
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "postgresql":
        pytest.skip("Row-Level Security on the aid ledger is PostgreSQL's (CI lane 2); SQLite has none")


def test_rls_holds_a_village_to_its_ledger_rows(app, postgres_only, villages) -> None:  # noqa: ANN001
    a, b = villages
    _pkh, cand_b = pkh_in_b(app, b)
    a_record = uuid.uuid4()
    with app.app_context():
        # the suite's app role: neither a superuser nor allowed to bypass RLS
        with db.engine.connect() as conn:
            role = conn.execute(
                text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
            assert tuple(role) == (False, False), "the test database is used as a superuser"
            # a raw connection that set nothing sees nothing (the policy fails closed)
            assert conn.execute(text("SELECT count(*) FROM aid_ledger")).scalar() == 0
        with tenant_session(a.id) as s:
            s.execute(
                text(
                    "INSERT INTO aid_ledger (tenant_id, record_id, nik_hash, source, excludes, period_start,"
                    " period_end, programme, recorded_at) VALUES (:t, :r, :h, 'blt_dd', 'pkh', :s, :e,"
                    " 'BLT Dana Desa', now())"
                ),
                {
                    "t": a.id,
                    "r": a_record,
                    "h": aid_ledger.fingerprint(NIKS["kadek"]),
                    "s": BLT_START,
                    "e": BLT_END,
                },
            )
            s.commit()
        with tenant_session(a.id) as s:
            seen = s.execute(text("SELECT tenant_id, record_id FROM aid_ledger")).all()
            assert {r[0] for r in seen} == {a.id} and {r[1] for r in seen} == {a_record}
            of_b = text("SELECT count(*) FROM aid_ledger WHERE tenant_id = :b")
            assert s.execute(of_b, {"b": b.id}).scalar() == 0
            # the ORM the same
            assert {e.tenant_id for e in s.scalars(select(AidLedgerEntry))} == {a.id}
        with tenant_session(a.id) as s, pytest.raises(DBAPIError) as refused:
            s.execute(
                text(
                    "INSERT INTO aid_ledger (tenant_id, record_id, nik_hash, source, excludes, period_start,"
                    " period_end, programme, recorded_at)"
                    " VALUES (:t, :r, 'x', 'pkh', '', :s, :e, 'forged', now())"
                ),
                {"t": b.id, "r": uuid.uuid4(), "s": PKH_START, "e": PKH_END},
            )
        assert "row-level security" in str(refused.value).lower()
        # nor can A's session change or take away B's rows: they are not there for it
        with tenant_session(a.id) as s:
            shorten = text("UPDATE aid_ledger SET period_end = period_start WHERE tenant_id = :b")
            assert s.execute(shorten, {"b": b.id}).rowcount == 0
            assert s.execute(text("DELETE FROM aid_ledger WHERE tenant_id = :b"), {"b": b.id}).rowcount == 0
            s.commit()
        with tenant_session(b.id) as s:
            theirs = s.scalars(select(AidLedgerEntry).where(AidLedgerEntry.record_id == cand_b)).all()
            assert len(theirs) == 2 and {e.period_end for e in theirs} == {PKH_END}
        # a platform session (bound to no village) reads every village's rows
        assert {e.tenant_id for e in db.session.scalars(select(AidLedgerEntry))} == {a.id, b.id}
        db.session.remove()

    # the check, run in A's session, still finds B's claim through the platform session
    blt = blt_in_a(app, a)
    assert check(app, a, blt, "wayan") == [rules.Found(ConflictKind.OTHER_VILLAGE, "pkh", PKH_START, PKH_END)]
    cand_a, n = propose(app, a, "head", blt, "wayan")
    assert n == 1
    assert decide(app, a, "head", blt, approve=[cand_a])["held"] == [(cand_a, "conflict")]
    # and its audit events landed in A (RLS let A's session write them, A's only)
    with app.app_context(), tenant_session(a.id) as s:
        mine = s.scalars(select(AuditEvent).where(AuditEvent.action == "aid.ledger_checked")).all()
        assert mine and {e.tenant_id for e in mine} == {a.id}
