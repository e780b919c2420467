"""Revision smart_government_0006 moves letters onto the kit: a village that issued letters before
the upgrade goes on with the next number after it, and its letters (valid and revoked) verify on the
pillar's printed address and on the core one. Downgrading gives the old table back with the numbers.

Runs on the suite's database (SQLite, or PostgreSQL with FORCEd Row-Level Security in the PostgreSQL
lane): it moves the pillar's branch back to smart_government_0005 and up again, and leaves it at head.
"""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from smart_government.letters import issuing
from smart_government.letters.numbering import NAMESPACE
from sqlalchemy import create_engine, inspect, select, text

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.models.kit import Sequence, Verification
from desacerdas.tenancy import tenant_session

from .test_service import signed, user

OLD_TABLE = "smart_government_letter_sequences"


def _migrate(app, revision: str, down: bool = False) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        (downgrade if down else upgrade)(revision=revision)
        db.engine.dispose()


def _tables(app) -> set[str]:  # noqa: ANN001
    engine = create_engine(app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _issue(app, lv, n: int) -> list[tuple[str, str, int]]:  # noqa: ANN001
    """``n`` SKD letters of ``lv`` through the service, dated today: (token, number, seq) each."""
    out = []
    with app.app_context(), tenant_session(lv.id) as s:
        tenant = s.get(Tenant, lv.id)
        for i in range(n):
            req = signed(s, tenant, lv, resident=("wayan", "kadek", "made")[i % 3])
            letter = issuing.issue(s, tenant, req, user(s, lv, "operator"))
            out.append((letter.token, letter.number, letter.seq))
    return out


def _old_sequences(app, lv) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """The village's rows of the old table (raw SQL: no model maps it any more)."""
    query = f'SELECT scope_key, year, last_value FROM "{OLD_TABLE}" WHERE tenant_id = :t'  # noqa: S608
    with app.app_context(), tenant_session(lv.id) as s:
        return [tuple(r) for r in s.execute(text(query), {"t": lv.id})]


def _year(app, lv) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(lv.id) as s:
        return issuing.local_date(s.get(Tenant, lv.id)).year


@pytest.fixture
def back_at_head(app):  # noqa: ANN001, ANN201
    """Whatever a test does to the pillar's branch, the database is at head afterwards."""
    yield
    _migrate(app, "smart_government@head")


def test_numbers_go_on_and_old_letters_verify_after_the_upgrade(app, client, as_user, lv, lv_b, back_at_head):
    before, year = _issue(app, lv, 3), _year(app, lv)
    assert [seq for _t, _n, seq in before] == [1, 2, 3]
    operator = as_user(lv.people["operator"])
    with app.app_context(), tenant_session(lv.id) as s:
        revoked = issuing.find_by_token(s, before[0][0])
        issuing.revoke(s, s.get(Tenant, lv.id), revoked, user(s, lv, "operator"), "Salah ketik")

    _migrate(app, "smart_government_0005", down=True)  # the layout every database had before
    assert OLD_TABLE in _tables(app)
    assert _old_sequences(app, lv) == [("SKD", year, 3)]
    with app.app_context(), tenant_session(lv.id) as s:
        assert s.scalar(select(Sequence.id).where(Sequence.namespace == NAMESPACE)) is None
        assert s.scalars(select(Verification.token)).all() == []
        # The old code issues two more letters meanwhile: only its table knows.
        s.execute(text(f'UPDATE "{OLD_TABLE}" SET last_value = 5 WHERE tenant_id = :t'), {"t": lv.id})  # noqa: S608
        s.commit()

    _migrate(app, "smart_government@head")
    assert OLD_TABLE not in _tables(app)
    with app.app_context(), tenant_session(lv.id) as s:
        rows = s.execute(select(Sequence.namespace, Sequence.scope_key, Sequence.year, Sequence.last_value))
        assert [tuple(r) for r in rows] == [(NAMESPACE, "SKD", year, 5)]
        moved = {v.token: v for v in s.scalars(select(Verification))}
        assert set(moved) == {token for token, _n, _s in before}
        assert {(v.plugin, v.kind, v.number) for v in moved.values()} == {
            ("smart_government", "letter", number) for _t, number, _s in before
        }
        assert moved[before[0][0]].revoked_reason == "Salah ketik"

    after = _issue(app, lv, 1)
    assert after[0][2] == 6 and after[0][1].startswith("SKD/006/")  # the next number, no repeat
    for token, number, _seq in before:
        for page in (lv.page(f"verify/{token}"), f"/desa/{lv.slug}/verify/{token}"):
            answer = client.get(page)
            assert answer.status_code == 200 and number in answer.get_data(as_text=True), page
        assert client.get(lv_b.page(f"verify/{token}")).status_code == 404  # another village's address
        assert client.get(f"/desa/{lv_b.slug}/verify/{token}").status_code == 404
    revoked_page = client.get(lv.page(f"verify/{before[0][0]}")).get_data(as_text=True)
    assert "verify-revoked" in revoked_page and "verify-valid" not in revoked_page
    assert client.get(lv.api(f"verify/{before[1][0]}")).get_json()["valid"] is True
    assert operator.get(lv.page("letters/requests?status=issued")).status_code == 200


def test_the_other_village_keeps_its_own_numbers_through_the_upgrade(app, lv, lv_b, back_at_head):
    _issue(app, lv, 2)
    _issue(app, lv_b, 1)
    year = _year(app, lv)
    _migrate(app, "smart_government_0005", down=True)
    assert _old_sequences(app, lv) == [("SKD", year, 2)]
    assert _old_sequences(app, lv_b) == [("SKD", year, 1)]
    _migrate(app, "smart_government@head")
    assert [seq for _t, _n, seq in _issue(app, lv_b, 1)] == [2]
    assert [seq for _t, _n, seq in _issue(app, lv, 1)] == [3]
