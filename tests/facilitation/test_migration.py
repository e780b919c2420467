"""Revision 0013_facilitator_visits goes down and up again on the suite's database (SQLite, or
PostgreSQL in the PostgreSQL lane, where the table comes back with Row-Level Security FORCEd and
its policy), and the visit log works after it."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from desacerdas.extensions import db


def _migrate(app, target: str, down: bool = False) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        (downgrade if down else upgrade)(revision=target)
        db.engine.dispose()


def _tables(app) -> set[str]:  # noqa: ANN001
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_downgrade_and_upgrade_again(app, client, login, sg_village, facilitator_of):
    try:
        _migrate(app, "0012_invitations", down=True)
        assert "facilitator_visits" not in _tables(app)
    finally:
        _migrate(app, "heads")  # every branch: plugin revisions that depend on later core ones come back too
    assert "facilitator_visits" in _tables(app)
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            row = conn.execute(
                text(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class"
                    " WHERE relname = 'facilitator_visits'"
                )
            ).one()
            assert tuple(row) == (True, True)
            policies = conn.execute(
                text("SELECT count(*) FROM pg_policies WHERE tablename = 'facilitator_visits'")
            ).scalar()
            assert policies >= 1
        index = {i["name"] for i in inspect(conn).get_indexes("facilitator_visits")}
        assert "ix_facilitator_visits_tenant_visited_on" in index
    village = sg_village()
    login(facilitator_of(village))
    from .test_visits import record, visits_of

    assert record(client, village.slug).status_code == 302
    assert len(visits_of(app, village)) == 1
