"""Cross-village reports read from a PostgreSQL streaming replica (``DESA_DATABASE_REPLICA_URL``).

Reports (the regency indicators, the rollout board and its CSV) read many villages and write
nothing, so they can run on a hot standby and leave the primary to the villages' own work. The
tenancy rules do not change: a :func:`replica_session` is an ordinary SQLAlchemy session, so the
isolation hook refuses tenant-owned queries with no village, and a village-bound one sets
``desa.tenant_id`` for Row-Level Security per transaction on the replica exactly as on the primary
(RLS policies and roles replicate with the WAL; connect as the application role).

Every replica transaction is read-only, and so is the primary's when it stands in: unset URL → the
primary; replica unreachable → the primary, with a warning, and the replica is not tried again for
:data:`RETRY_SECONDS` (a report must not wait for a connect timeout on every request).

How to prove where a page read: its response says ``X-Desa-Read-Source: replica`` (or
``primary``), :func:`stats` counts the statements run on the replica, and the replica's connections
carry ``application_name`` :data:`APPLICATION_NAME` in ``pg_stat_activity`` on the standby.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .context import bind_tenant

T = TypeVar("T")
log = logging.getLogger("desacerdas.replica")

APPLICATION_NAME = "desa-replica"
RETRY_SECONDS = 30.0
CONNECT_TIMEOUT = 2  # seconds; a replica that does not answer by then is treated as down
SOURCE_KEY = "desa_read_source"
HEADER = "X-Desa-Read-Source"
REPLICA, PRIMARY = "replica", "primary"


@dataclass
class ReplicaState:
    """One app's replica engine and what it has done (statements run, fallbacks taken)."""

    url: str | None
    engine: Engine | None = None
    statements: int = 0
    fallbacks: int = 0
    down_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _engine_for(url: str) -> Engine:
    connect_args: dict[str, object] = {}
    if url.startswith("postgresql"):
        connect_args = {"application_name": APPLICATION_NAME, "connect_timeout": CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def state(app: Flask | None = None) -> ReplicaState:
    """The app's replica state, its engine created on first use (none when no URL is set)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("desa_replica")
    if found is None:
        url = app.config.get("DATABASE_REPLICA_URL") or None
        found = ReplicaState(url)
        if url:
            found.engine = _engine_for(url)

            @event.listens_for(found.engine, "before_cursor_execute")
            def _count(*_args: object) -> None:
                found.statements += 1

        found = app.extensions.setdefault("desa_replica", found)
    return found


def stats(app: Flask | None = None) -> dict[str, int | bool]:
    """For tests, the drill and operators: is a replica configured, statements run on it, fallbacks."""
    s = state(app)
    return {"configured": s.engine is not None, "statements": s.statements, "fallbacks": s.fallbacks}


def dispose(app: Flask | None = None) -> None:
    """Close the replica's pooled connections (tests, and before a fork)."""
    s = state(app)
    if s.engine is not None:
        s.engine.dispose()


def _connect() -> tuple[Connection, str]:
    """A read-only connection to the replica, or to the primary when there is none or it is down."""
    from ..extensions import db

    s = state()
    if s.engine is not None and time.monotonic() >= s.down_until:
        try:
            return s.engine.connect().execution_options(postgresql_readonly=True), REPLICA
        except DBAPIError as exc:
            with s.lock:
                s.down_until = time.monotonic() + RETRY_SECONDS
                s.fallbacks += 1
            log.warning(
                "read replica unreachable, reading from the primary for %ss: %s",
                RETRY_SECONDS,
                str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else exc,
            )
    elif s.engine is not None:
        with s.lock:
            s.fallbacks += 1
    return db.engine.connect().execution_options(postgresql_readonly=True), PRIMARY


def _mark(source: str) -> None:
    """Remember for the response where this request read; a page that read from both says so."""
    if has_request_context():
        previous = g.get(SOURCE_KEY)
        setattr(g, SOURCE_KEY, source if previous in (None, source) else "mixed")


def read_source() -> str | None:
    """Where this request's reports read (``replica``, ``primary``, ``mixed``), None if nowhere."""
    return g.get(SOURCE_KEY) if has_request_context() else None


def add_header(response):  # noqa: ANN001, ANN201 - a Flask after_request hook
    """``after_request``: say where the page's report read (the drill and the tests check it)."""
    source = read_source()
    if source is not None:
        response.headers[HEADER] = source
    return response


@contextmanager
def replica_session(tenant_id: int | None = None) -> Iterator[Session]:
    """A read-only session on the replica (or the primary standing in), optionally bound to one
    village. Nothing it does is ever committed: it rolls back on the way out."""
    connection, source = _connect()
    session = Session(bind=connection, info={SOURCE_KEY: source})
    try:
        _mark(source)
        if tenant_id is not None:
            bind_tenant(session, tenant_id)
        yield session
    finally:
        session.close()
        connection.close()


@contextmanager
def replica_connection() -> Iterator[Connection]:
    """A read-only connection on the replica (or the primary standing in), for code that takes a
    connection (``services.rollout.readiness``); whoever uses it ends each transaction it begins."""
    connection, source = _connect()
    try:
        _mark(source)
        yield connection
    finally:
        connection.close()


def read_each(
    tenant_ids: Iterable[int],
    fn: Callable[[Session, int], T],
    *,
    actor_id: int | None,
    reason: str,
) -> dict[int, T]:
    """``tenancy.cross_village.read_each`` on the replica: ``fn(session, tenant_id)`` once per
    village, each in its own session bound to that village (its own transaction, so RLS sees one
    village at a time) over one replica connection; one audit event on the primary says who read
    which villages."""
    from ..extensions import db
    from ..models import AuditEvent

    ids = list(dict.fromkeys(tenant_ids))
    results: dict[int, T] = {}
    connection, source = _connect()
    _mark(source)
    try:
        for tenant_id in ids:
            session = Session(bind=connection, info={SOURCE_KEY: source})
            try:
                bind_tenant(session, tenant_id)
                results[tenant_id] = fn(session, tenant_id)
            finally:
                session.close()
                if connection.in_transaction():
                    connection.rollback()
    finally:
        connection.close()
    with Session(db.engine) as audit:
        audit.add(
            AuditEvent(
                action="tenant.cross_village_read",
                actor_id=actor_id,
                target=reason[:200],
                detail={"tenant_ids": ids, "source": source},
            )
        )
        audit.commit()
    return results
