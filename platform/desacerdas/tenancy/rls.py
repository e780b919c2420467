"""PostgreSQL Row-Level Security for tenant-owned tables, used from migrations.

Policies fail closed: with no village set, ``current_setting(..., true)`` is NULL or empty, the
comparison is not true, and no row is visible or writable.
"""

from __future__ import annotations

from .context import PG_SETTING

POLICY = "tenant_isolation"
_EXPR = f"tenant_id = NULLIF(current_setting('{PG_SETTING}', true), '')::integer"


def enable_rls(op, table: str) -> None:  # noqa: ANN001 - alembic.op
    """Enable and FORCE RLS on ``table`` with a USING and WITH CHECK policy (PostgreSQL only)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY {POLICY} ON "{table}" USING ({_EXPR}) WITH CHECK ({_EXPR})')


def disable_rls(op, table: str) -> None:  # noqa: ANN001
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


def tables_without_rls(connection, tables: list[str]) -> list[str]:  # noqa: ANN001 - a SQLAlchemy Connection
    """Which of ``tables`` lack enabled+forced RLS with a policy (PostgreSQL; [] elsewhere)."""
    if connection.dialect.name != "postgresql" or not tables:
        return []
    from sqlalchemy import bindparam, text

    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname IN :names AND c.relrowsecurity "
            "AND c.relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)"
        ).bindparams(bindparam("names", expanding=True)),
        {"names": tables},
    )
    protected = {r[0] for r in rows}
    return [t for t in tables if t not in protected]


# -- audit events: village rows for their village, platform rows (and the cross-village view) only
# -- in a platform context -----------------------------------------------------------------------

PLATFORM_SETTING = "desa.platform"
AUDIT_POLICY = "audit_scope"
_TENANT = f"NULLIF(current_setting('{PG_SETTING}', true), '')::integer"
# A session bound to a village sees and writes only that village's events. A session bound to no
# village (platform pages, CLI, jobs' bookkeeping) is a platform context only when the ORM said so
# with ``desa.platform = 'on'`` for the transaction: a raw connection that set nothing sees nothing.
AUDIT_EXPR = (
    f"(tenant_id = {_TENANT}) OR ({_TENANT} IS NULL AND current_setting('{PLATFORM_SETTING}', true) = 'on')"
)


# The same rows, written as a CASE: PostgreSQL cannot know ``current_setting`` when it plans, and
# estimates the OR form above to keep ~0.1% of a table, so a platform read with ORDER BY … LIMIT
# over a large table (the regency market: 200,000 listings) leaves its index for a full scan and
# a sort (p95 142 ms → 21 ms with this form, bench/market.py). For the tables a village writes and
# the platform reads across villages (the aid ledger, the market listing).
PLATFORM_READ_EXPR = (
    f"CASE WHEN {_TENANT} IS NULL THEN current_setting('{PLATFORM_SETTING}', true) = 'on' "
    f"ELSE tenant_id = {_TENANT} END"
)


def enable_audit_rls(op, table: str = "audit_events", expr: str = AUDIT_EXPR) -> None:  # noqa: ANN001 - alembic.op
    """Enable and FORCE RLS on the audit table with the village-or-platform policy (PostgreSQL only);
    ``expr``: :data:`PLATFORM_READ_EXPR` for a large table the platform reads in order."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'CREATE POLICY {AUDIT_POLICY} ON "{table}" USING ({expr}) WITH CHECK ({expr})')


def disable_audit_rls(op, table: str = "audit_events") -> None:  # noqa: ANN001
    """Undo :func:`enable_audit_rls`."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'DROP POLICY IF EXISTS {AUDIT_POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


# Tables whose policy reads the platform flag: the audit log, and the tables a village writes its
# own rows to and only the platform reads across villages (the aid ledger, the market listing).
PLATFORM_POLICY_TABLES = ("audit_events", "aid_ledger", "market_listings")
_PENDING = "desa_platform_pending"  # connection.info: the transaction still owed the platform flag
_DONE = "desa_platform_done"  # connection.info: the transaction whose flag was set (savepoints)
_PLATFORM_SQL = f"SELECT set_config('{PLATFORM_SETTING}', 'on', true)"


def apply_platform_setting(session, transaction, connection) -> None:  # noqa: ANN001 - SQLAlchemy objects
    """``after_begin``: a transaction of a session bound to no village is a platform context.

    Lazily: the flag is set (:func:`_platform_before_cursor`) just before the first statement of
    this transaction that names a table of :data:`PLATFORM_POLICY_TABLES`, whose policies read it; most
    transactions never touch it and pay nothing. The mark is the transaction object itself, so a
    later transaction on the same pooled connection (a raw connection that set nothing) never
    inherits it. Harmless once a village is bound later in the same transaction: the policy reads
    the platform flag only while no village is set.
    """
    from .context import TENANT_KEY

    if connection.dialect.name != "postgresql" or session.info.get(TENANT_KEY) is not None:
        return
    connection.info[_PENDING] = connection.get_transaction()


def _platform_before_cursor(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
    """``before_cursor_execute``: set the platform flag owed by this transaction before the first
    statement reading or writing audit events (on the same cursor, in the same transaction)."""
    marker = conn.info.get(_PENDING)
    if marker is None or not any(table in statement for table in PLATFORM_POLICY_TABLES):
        return
    del conn.info[_PENDING]
    if marker is conn.get_transaction() and marker.is_active:
        cursor.execute(_PLATFORM_SQL)
        conn.info[_DONE] = marker


def _platform_flag_set(connection) -> None:  # noqa: ANN001
    """The flag was set explicitly in this transaction: nothing is owed any more."""
    marker = connection.info.pop(_PENDING, None)
    if marker is not None:
        connection.info[_DONE] = marker


def _platform_savepoint_rolled_back(conn, name, context) -> None:  # noqa: ANN001
    """``rollback_savepoint``: a flag set inside the savepoint is undone with it; owe it again."""
    done = conn.info.get(_DONE)
    if done is not None and done is conn.get_transaction() and done.is_active:
        conn.info[_PENDING] = done


_PREVIOUS = "desa_audit_previous_tenant"


def _writes_audit(session) -> bool:  # noqa: ANN001
    rows = list(session.new) + list(session.dirty) + list(session.deleted)
    return any(getattr(type(obj), "__tablename__", None) in PLATFORM_POLICY_TABLES for obj in rows)


def _platform_flush_begins(session, flush_context, instances) -> None:  # noqa: ANN001
    """``before_flush``: a platform session's audit events are written in a platform context.

    A platform session may share its connection's transaction with village sessions
    (``tenant_session(id, connection)``, e.g. applying a manifest); the village they set stays set
    for the rest of the transaction. For the flush, clear it; :func:`_platform_flush_ends` puts it
    back.
    """
    from .context import TENANT_KEY

    if session.info.get(TENANT_KEY) is not None or not _writes_audit(session):
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    previous = connection.execute(text(f"SELECT current_setting('{PG_SETTING}', true)")).scalar()
    connection.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PLATFORM_SETTING})
    _platform_flag_set(connection)
    if previous:
        connection.execute(text("SELECT set_config(:name, '', true)"), {"name": PG_SETTING})
        session.info[_PREVIOUS] = previous


def _platform_flush_ends(session, flush_context) -> None:  # noqa: ANN001
    """``after_flush_postexec``: give a shared transaction back the village it had."""
    previous = session.info.pop(_PREVIOUS, None)
    if previous is None:
        return
    from sqlalchemy import text

    session.connection().execute(
        text("SELECT set_config(:name, :value, true)"), {"name": PG_SETTING, "value": previous}
    )


_platform_installed = False


def install_platform_context() -> None:
    """Attach :func:`apply_platform_setting` to every SQLAlchemy session and the lazy flag to
    every engine (idempotent)."""
    global _platform_installed
    if _platform_installed:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    event.listen(Session, "after_begin", apply_platform_setting)
    event.listen(Engine, "before_cursor_execute", _platform_before_cursor)
    event.listen(Engine, "rollback_savepoint", _platform_savepoint_rolled_back)
    event.listen(Session, "before_flush", _platform_flush_begins)
    event.listen(Session, "after_flush_postexec", _platform_flush_ends)
    _platform_installed = True
