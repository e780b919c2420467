"""Social aid after the decision: receipts with proof, the period's report and printed list, the
recipient list import (dry run, then applied) and export, aid ended by the registry's civil
events, the indicators, and the demo."""

from __future__ import annotations

import io
from datetime import date

import pytest
from smart_government.registry import service as registry
from smart_government.registry.models import Resident
from smart_society.aid import distribution, figures, importing, service
from smart_society.aid.models import AidProgramme, AidRecipient, RecipientStatus
from sqlalchemy import select

from desacerdas.models import AuditEvent, Tenant, User
from desacerdas.services import ServiceError
from desacerdas.tenancy import tenant_session

from .aid_support import NIKS, YEAR, decide, give_niks, programme, propose, run


@pytest.fixture
def village(app, sv):  # noqa: ANN001, ANN201
    give_niks(app, sv)
    return sv


def _recipient(app, village, resident: str = "wayan", **fields):  # noqa: ANN001, ANN202
    pid = programme(app, village, **fields)
    cand, _n = propose(app, village, "head", pid, resident)
    assert decide(app, village, "head", pid, approve=[cand])["approved"] == [cand]
    return pid, cand


def _receipt(app, village, who: str, cand, period: str, **kw):  # noqa: ANN001, ANN202
    def _do(s, t, u):  # noqa: ANN001, ANN202
        r = service.get_candidate(s, t, u, cand)
        values = {"handed_by": "Kelian", "proof": "signature", **kw}
        return distribution.record_receipt(s, t, u, r, period=period, **values).amount

    return run(app, village, who, _do)


def test_periods_and_labels() -> None:
    monthly = AidProgramme(schedule="monthly", period_start=date(2026, 11, 1), period_end=date(2027, 1, 31))
    assert distribution.periods(monthly) == ["2026-11", "2026-12", "2027-01"]
    quarterly = AidProgramme(
        schedule="quarterly", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    assert distribution.periods(quarterly) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert distribution.period_label("2026-Q4") == "Triwulan IV 2026"
    assert distribution.period_label("2026-12") == "Desember 2026"
    assert distribution.period_label("2026-12", "en") == "December 2026"


def test_receipt_once_per_period_with_its_amount_and_the_report(app, village) -> None:  # noqa: ANN001
    pid, cand = _recipient(app, village)
    period = f"{YEAR}-01"
    assert _receipt(app, village, "operator", cand, period, received_on=date(YEAR, 1, 10)) == 300_000
    with pytest.raises(ServiceError) as err:
        _receipt(app, village, "operator", cand, period)
    assert err.value.code == "already_received"
    with pytest.raises(ServiceError) as err:
        _receipt(app, village, "operator", cand, "1999-01")
    assert err.value.code == "unknown_period"
    with pytest.raises(ServiceError) as err:
        _receipt(app, village, "operator", cand, f"{YEAR}-02", proof="photo")
    assert err.value.code == "photo_required"
    with pytest.raises(ServiceError) as err:  # the hamlet head of Kelod does not hand over in Kaja
        _receipt(app, village, "kelian_kelod", cand, f"{YEAR}-03")
    assert err.value.status in (403, 404)

    def _report(s, t, u):  # noqa: ANN001, ANN202
        p = service.get_programme(s, t, u, pid)
        rep = distribution.report(s, t, u, p, period)
        return rep.recipients, rep.received, rep.waiting, rep.amount, distribution.distribution_pdf(s, t, rep)

    recipients, received, waiting, amount, pdf = run(app, village, "operator", _report)
    assert (recipients, received, waiting, amount) == (1, 1, 0, 300_000)
    assert pdf.startswith(b"%PDF")


def test_import_dry_run_then_apply_and_export(app, village) -> None:  # noqa: ANN001
    pkh = programme(app, village, name="PKH", source="pkh", schedule="quarterly", excludes=[])
    blt = programme(app, village)
    csv = (
        "NIK,NAMA\n"
        f"{NIKS['wayan']},I Wayan Sudarsana\n"
        "9999999999999999,Orang Asing\n"
        "12345,Salah\n"
        f"{NIKS['wayan']},I Wayan Sudarsana\n"
    ).encode()

    def _import(pid, apply: bool):  # noqa: ANN001, ANN202
        def _do(s, t, u):  # noqa: ANN001, ANN202
            p = service.get_programme(s, t, u, pid)
            result = importing.import_list(s, t, u, p, io.BytesIO(csv), "list.csv", dry_run=not apply)
            return result.summary, [r.outcome.value for r in result.rows]  # committed, a dry run too

        return run(app, village, "operator", _do)

    summary, outcomes = _import(pkh, apply=False)
    assert outcomes == ["imported", "unmatched", "invalid", "already"]
    with app.app_context(), tenant_session(village.id) as s:
        assert s.scalar(select(AidRecipient.id)) is None  # a dry run writes nothing but its audit event
        (check,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "aid.ledger_checked")).all()
        assert check.detail == {"source": "pkh", "conflicts": 0, "checked": 1}
    _import(pkh, apply=True)
    with app.app_context(), tenant_session(village.id) as s:
        row = s.scalar(select(AidRecipient))
        assert row.status == RecipientStatus.RECIPIENT and row.nik == NIKS["wayan"]
    # the same list into BLT-DD (which excludes PKH) is in conflict, in words
    summary, outcomes = _import(blt, apply=False)
    assert outcomes[0] == "conflict"
    header_and_rows = run(
        app,
        village,
        "operator",
        lambda s, t, u: list(importing.export_rows(s, service.get_programme(s, t, u, pkh))),
    )
    assert header_and_rows[0][0] == NIKS["wayan"] and header_and_rows[0][4] == "Penerima"
    with pytest.raises(ServiceError) as err:  # a hamlet head does not import
        run(
            app,
            village,
            "kelian_kaja",
            lambda s, t, u: importing.import_list(
                s, t, u, service.get_programme(s, t, u, pkh), io.BytesIO(csv)
            ),
        )
    assert err.value.status == 403


def test_import_refuses_unreadable_files(app, village) -> None:  # noqa: ANN001
    pid = programme(app, village)
    for body, code in ((b"", "empty"), (b"NAMA\nBudi\n", "no_nik_column")):
        with pytest.raises(ServiceError) as err:
            run(
                app,
                village,
                "operator",
                lambda s, t, u, b=body: importing.import_list(
                    s, t, u, service.get_programme(s, t, u, pid), io.BytesIO(b), "x.csv"
                ),
            )
        assert err.value.code == code


def test_death_in_the_registry_ends_a_persons_aid(app, village) -> None:  # noqa: ANN001
    pid, cand = _recipient(app, village, "made", unit="person", name="Bantuan lansia", excludes=[])
    with app.app_context(), tenant_session(village.id) as s:
        resident = s.get(Resident, (village.id, village.residents["made"]))
        actor = s.get(User, village.people["operator"].id)
        registry.record_event(resident, "death", date.today(), actor=actor)
        s.commit()
    with app.app_context(), tenant_session(village.id) as s:
        row = s.get(AidRecipient, (village.id, cand))
        assert row.status == RecipientStatus.DEACTIVATED and row.end_reason.value == "died"
        assert row.ended_on == date.today()


def test_end_aid_needs_a_known_reason(app, village) -> None:  # noqa: ANN001
    _pid, cand = _recipient(app, village)

    def _end(reason):  # noqa: ANN001, ANN202
        return run(
            app,
            village,
            "head",
            lambda s, t, u: (
                service.end_aid(s, t, u, service.get_candidate(s, t, u, cand), reason=reason).status
            ),
        )

    with pytest.raises(ServiceError):
        _end("bored")
    with pytest.raises(ServiceError) as err:  # the hamlet head may propose, not end
        run(
            app,
            village,
            "kelian_kaja",
            lambda s, t, u: service.end_aid(s, t, u, service.get_candidate(s, t, u, cand), reason="moved"),
        )
    assert err.value.status == 403
    assert _end("not_eligible") == RecipientStatus.DEACTIVATED


def test_indicators_count_recipients_households_and_conflicts(app, village) -> None:  # noqa: ANN001
    pkh = programme(app, village, name="PKH", source="pkh", schedule="quarterly", excludes=[])
    cand, _n = propose(app, village, "head", pkh, "wayan")
    decide(app, village, "head", pkh, approve=[cand])
    blt = programme(app, village)
    caught, conflicts = propose(app, village, "head", blt, "kadek")
    assert conflicts == 1
    decide(app, village, "head", blt, refuse={caught: "Sudah menerima PKH"})
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        period = date.today().strftime("%Y-%m")
        found = {i.key: i.value for i in figures.indicators(tenant, period, s)}
        assert found["smart_society.aid_recipients"] == 1
        assert found["smart_society.aid_recipients_pkh"] == 1
        assert "smart_society.aid_recipients_blt_dd" not in found  # no recipient of that source
        assert found["smart_society.aid_households"] == 1
        assert found["smart_society.aid_conflicts_found"] == 1
        assert found["smart_society.aid_conflicts_resolved"] == 1
        checks = s.scalars(select(AuditEvent).where(AuditEvent.action == "aid.ledger_checked")).all()
        assert checks and all(e.tenant_id == village.id for e in checks)


def test_demo_fills_programmes_recipients_a_caught_conflict_and_handovers(app, bebandem) -> None:  # noqa: ANN001
    from smart_government.registry import demo as registry_demo
    from smart_society.aid import demo
    from smart_society.aid.models import AidConflict, AidReceipt

    from desacerdas.extensions import db
    from desacerdas.services import rollout

    with app.app_context():
        tenant = db.session.get(Tenant, bebandem.id)
        for name in ("smart_government", "smart_society"):
            rollout.enable(tenant, name, override_reason="test")
        db.session.remove()
    with app.app_context(), tenant_session(bebandem.id) as s:
        tenant = s.get(Tenant, bebandem.id)
        registry_demo.load(tenant, s, 40)
        s.commit()
        assert demo.load(tenant, s) == 3
        s.commit()
        assert demo.load(tenant, s) == 0  # once
        states = {r.status for r in s.scalars(select(AidRecipient))}
        assert {RecipientStatus.RECIPIENT, RecipientStatus.REFUSED} <= states
        assert s.scalar(select(AidConflict.id).where(AidConflict.resolution == "refused")) is not None
        assert s.scalar(select(AidReceipt.id)) is not None or date.today().month < 3


def test_a_periods_lines_are_paged(app, village, as_user, monkeypatch) -> None:  # noqa: ANN001
    from smart_society.aid import views_handover as views

    monkeypatch.setattr(views, "LINES_PER_PAGE", 2)
    pid = programme(app, village, unit="person", excludes=[], name="Bantuan lansia")
    cands = [propose(app, village, "head", pid, who)[0] for who in ("wayan", "kadek", "made")]
    decide(app, village, "head", pid, approve=cands)
    staff = as_user(village.people["operator"])
    staff.get("/?lang=id")
    url = village.page(f"aid/programmes/{pid}/periods/{YEAR}-01")
    first, second = staff.get(url).get_data(as_text=True), staff.get(url + "?page=2").get_data(as_text=True)
    assert first.count('class="cards lines"') == 1 and "Halaman 1 dari 2" in first
    assert first.count('<li id="line-') == 2 and second.count('<li id="line-') == 1
    # a receipt recorded for the line on page 2 comes back to page 2
    last = next(c for c in cands if f"line-{c}" in second)
    prefix = views.receipt_prefix(last)
    resp = staff.post(
        village.page(f"aid/candidates/{last}/receipts"),
        data={
            f"{prefix}-period": f"{YEAR}-01",
            f"{prefix}-received_on": f"{YEAR}-01-10",
            f"{prefix}-handed_by": "Kelian",
            f"{prefix}-proof": "signature",
        },
    )
    assert resp.status_code == 303 and "page=2" in resp.headers["Location"]
