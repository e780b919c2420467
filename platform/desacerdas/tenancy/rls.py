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
