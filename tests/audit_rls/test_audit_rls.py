"""Audit events under Row-Level Security: a village session reads and writes only its own events;
platform events (no village) and other villages' events only in a platform context.

The RLS parts need PostgreSQL with the application role (``deploy/pg-test-db.sh``); on SQLite only
the ORM-side behaviour is checked.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from desacerdas.extensions import db
from desacerdas.models import AuditEvent
from desacerdas.services import audit
from desacerdas.tenancy import tenant_session
from desacerdas.tenancy.rls import tables_without_rls

PG_URL = os.environ.get("DESA_TEST_DATABASE_URL")

pg_only = pytest.mark.skipif(not PG_URL, reason="Row-Level Security needs PostgreSQL")


@pytest.fixture
def events(app, menanga, bebandem):
    """One event in each village and one platform event, written in a platform context."""
    with app.app_context():
        db.session.execute(db.delete(AuditEvent))
        audit.record("test.menanga", tenant_id=menanga.id, target="a")
        audit.record("test.bebandem", tenant_id=bebandem.id, target="b")
        audit.record("test.platform", target="p")
        db.session.commit()
    return menanga, bebandem


def _actions(session: Session) -> set[str]:
    return set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.startswith("test."))))


@pg_only
def test_audit_table_has_forced_rls(app):
    with app.app_context(), db.engine.connect() as conn:
        assert tables_without_rls(conn, ["audit_events"]) == []
        role = conn.execute(
            text("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user")
        ).one()
        assert tuple(role) == (False, False)  # the test really runs as the application role


@pg_only
def test_village_session_reads_only_its_own_events(app, events):
    menanga, bebandem = events
    with app.app_context():
        with tenant_session(menanga.id) as s:
            assert _actions(s) == {"test.menanga"}
            # Even asked by id or by village, the other rows are not there.
            assert s.scalars(select(AuditEvent).where(AuditEvent.tenant_id == bebandem.id)).all() == []
            assert s.scalars(select(AuditEvent).where(AuditEvent.tenant_id.is_(None))).all() == []
        with tenant_session(bebandem.id) as s:
            assert _actions(s) == {"test.bebandem"}


@pg_only
def test_village_session_cannot_write_other_or_platform_events(app, events):
    menanga, bebandem = events
    with app.app_context():
        for tenant_id in (bebandem.id, None):
            with tenant_session(menanga.id) as s:
                s.add(AuditEvent(action="test.forged", tenant_id=tenant_id))
                with pytest.raises(DBAPIError, match="row-level security"):
                    s.flush()
        with tenant_session(menanga.id) as s:
            # Nor change or delete them: invisible rows are not touched.
            assert (
                s.execute(text("UPDATE audit_events SET target = 'x' WHERE tenant_id IS NULL")).rowcount == 0
            )
            assert (
                s.execute(text("DELETE FROM audit_events WHERE tenant_id = :b"), {"b": bebandem.id}).rowcount
                == 0
            )
            s.commit()
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.target).where(AuditEvent.action == "test.platform")) == "p"
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "test.forged")) is None


@pg_only
def test_raw_connection_without_context_sees_nothing(app, events):
    """Fail closed: a connection that set neither a village nor the platform flag reads no row."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0
            conn.execute(text("SELECT set_config('desa.platform', 'on', true)"))
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() >= 3
    finally:
        engine.dispose()


@pg_only
def test_platform_flag_is_ignored_once_a_village_is_set(app, events):
    menanga, _ = events
    with app.app_context(), tenant_session(menanga.id) as s:
        s.execute(text("SELECT set_config('desa.platform', 'on', true)"))
        assert _actions(s) == {"test.menanga"}


def test_platform_context_reads_every_event(app, events):
    with app.app_context():
        assert _actions(db.session) == {"test.menanga", "test.bebandem", "test.platform"}


def test_event_recorded_in_a_village_session_belongs_to_it(app, menanga):
    with app.app_context():
        with tenant_session(menanga.id) as s:
            event = audit.record("test.in_village", session=s)
            s.commit()
            assert event.tenant_id == menanga.id
        assert (
            db.session.scalar(select(AuditEvent.tenant_id).where(AuditEvent.action == "test.in_village"))
            == menanga.id
        )


def test_platform_session_sharing_a_transaction_with_village_sessions(app, menanga, bebandem):
    """Applying a manifest: one transaction, a platform session and a village session after another
    on the same connection; the platform session still records any village's events."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        try:
            outer = Session(bind=connection, join_transaction_mode="create_savepoint")
            audit.record("test.first", tenant_id=menanga.id, session=outer)
            outer.flush()
            with tenant_session(menanga.id, connection) as s:
                audit.record("test.inside", session=s)
                s.commit()
            audit.record("test.after", tenant_id=bebandem.id, session=outer)
            audit.record("test.platform_after", session=outer)
            outer.commit()
            transaction.commit()
        finally:
            connection.close()
        rows = dict(db.session.execute(select(AuditEvent.action, AuditEvent.tenant_id)).all())
    assert rows["test.first"] == menanga.id and rows["test.inside"] == menanga.id
    assert rows["test.after"] == bebandem.id and rows["test.platform_after"] is None
