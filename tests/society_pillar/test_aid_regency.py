"""The regency's view of double receipt across villages: both sides in full for the regency admin
(and the platform admin), audited; nobody else reads it."""

from __future__ import annotations

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent
from desacerdas.testing import support

from .aid_support import NIKS, decide, give_niks, programme, propose

# Wayan moved from Bebandem to Menanga: the same NIK in both registries.
MOVED = {"wayan": NIKS["wayan"], "kadek": "5107014203950012", "made": "5107010901880013"}


def _double_receipt(app, sv, sv_b) -> None:  # noqa: ANN001
    give_niks(app, sv)
    give_niks(app, sv_b, MOVED)
    pkh = programme(app, sv_b, name="PKH Bebandem", source="pkh", schedule="quarterly", excludes=[])
    cand, _n = propose(app, sv_b, "head", pkh, "wayan")
    decide(app, sv_b, "head", pkh, approve=[cand])
    blt = programme(app, sv, name="BLT-DD Menanga")
    cand, conflicts = propose(app, sv, "head", blt, "wayan")
    assert conflicts == 1
    return blt


def test_regency_admin_sees_both_villages(app, client, login, sv, sv_b) -> None:  # noqa: ANN001
    _double_receipt(app, sv, sv_b)
    regency = support.make_user(app, "regency_admin", area="51.07")
    login(regency)
    page = client.get("/rollout/aid-conflicts?lang=id")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in ("Menanga", "Bebandem", "BLT-DD Menanga", "PKH Bebandem", "PKH (Kemensos)"):
        assert words in html
    assert "pkh" not in html.replace("PKH", "")  # the source in words, never its code
    with app.app_context():
        read = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "aid.regency_conflicts_read")
        ).all()
        assert read and read[-1].actor_id == regency.id
    board = client.get("/rollout?lang=id").get_data(as_text=True)
    assert "/rollout/aid-conflicts" in board


def test_another_regency_sees_none_of_it(app, client, login, sv, sv_b) -> None:  # noqa: ANN001
    _double_receipt(app, sv, sv_b)
    login(support.make_user(app, "regency_admin", area="51.06"))
    html = client.get("/rollout/aid-conflicts?lang=id").get_data(as_text=True)
    assert "Menanga" not in html and "PKH Bebandem" not in html


def test_facilitator_and_village_staff_may_not(app, client, login, sv, sv_b) -> None:  # noqa: ANN001
    _double_receipt(app, sv, sv_b)
    login(sv.people["facilitator"])
    assert client.get("/rollout/aid-conflicts").status_code == 403
    assert "/rollout/aid-conflicts" not in client.get("/rollout").get_data(as_text=True)
    staff = app.test_client()
    login(sv.people["head"], staff)
    assert staff.get("/rollout/aid-conflicts").status_code == 403
    assert app.test_client().get("/rollout/aid-conflicts").status_code in (302, 401)
