"""Binding a SQLAlchemy session to exactly one village."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session, scoped_session

TENANT_KEY = "desa_tenant_id"
PG_SETTING = "desa.tenant_id"


class NoTenantContext(RuntimeError):
    """A tenant-owned model was used with no current village: refusing rather than returning all rows."""


class TenantMismatch(RuntimeError):
    """A session already bound to one village was asked to serve another."""


class CrossTenantWrite(RuntimeError):
    """A row of another village was about to be written."""


def _real(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def current_tenant_id(session: Session | scoped_session) -> int | None:
    return _real(session).info.get(TENANT_KEY)


def bind_tenant(session: Session | scoped_session, tenant_id: int) -> None:
    """Bind ``session`` to one village for the rest of its life.

    A session never serves two villages: its identity map would hand one village's object to the
    other without any SQL. On PostgreSQL the village is also set for Row-Level Security, per
    transaction (``set_config(..., true)``), never with a plain ``SET`` that would outlive it on a
    pooled connection.
    """
    session = _real(session)
    existing = session.info.get(TENANT_KEY)
    if existing is not None and existing != tenant_id:
        raise TenantMismatch(f"session serves village {existing}, refusing village {tenant_id}")
    session.info[TENANT_KEY] = tenant_id
    if session.in_transaction():
        apply_rls_setting(session, session.connection())


PRESET_KEY = "desa_rls_preset"  # session.info: (village id, transaction) already set by a query


def note_preset(session: Session | scoped_session, tenant_id: int) -> None:
    """A statement of this transaction already ran ``set_config(PG_SETTING, tenant_id, true)``
    (tenant resolution reads the tenant row and sets it in one statement): :func:`bind_tenant`
    need not run it again. Undo with :func:`forget_preset` if the village is then refused."""
    session = _real(session)
    session.info[PRESET_KEY] = (tenant_id, session.connection().get_transaction())


def forget_preset(session: Session | scoped_session) -> None:
    """Clear a village set by :func:`note_preset` that the session was not bound to (a refusal)."""
    session = _real(session)
    preset = session.info.pop(PRESET_KEY, None)
    if preset is None or session.info.get(TENANT_KEY) == preset[0] or not session.in_transaction():
        return
    connection = session.connection()
    if preset[1] is connection.get_transaction() and preset[1].is_active:
        connection.execute(text("SELECT set_config(:name, '', true)"), {"name": PG_SETTING})


def _preset_holds(session: Session, connection, tenant_id: int) -> bool:  # noqa: ANN001
    preset = session.info.pop(PRESET_KEY, None)
    return (
        preset is not None
        and preset[0] == tenant_id
        and preset[1] is connection.get_transaction()
        and preset[1].is_active
    )


def apply_rls_setting(session: Session, connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    if connection.dialect.name != "postgresql":
        return
    tenant_id = session.info.get(TENANT_KEY)
    if tenant_id is None:
        return
    if _preset_holds(session, connection, tenant_id):
        return  # set in this transaction by the statement that resolved the village
    connection.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": PG_SETTING, "value": str(tenant_id)}
    )


@contextmanager
def tenant_session(tenant_id: int, connection=None, info: dict | None = None) -> Iterator[Session]:  # noqa: ANN001
    """A fresh session bound to one village, for CLI commands, jobs and cross-village views.

    With ``connection``, the session joins that connection's transaction (through a savepoint), so
    that work on several villages can still commit or roll back as one.
    """
    from ..extensions import db

    if connection is not None:
        session = Session(bind=connection, join_transaction_mode="create_savepoint", info=dict(info or {}))
    else:
        session = Session(db.engine, info=dict(info or {}))
    try:
        bind_tenant(session, tenant_id)
        yield session
    finally:
        session.close()
