"""What a handler gets: :class:`JobContext` (the job, its village, a tenant-bound session, progress).

Progress is written through a separate, short transaction on its own connection, so that the job
page sees it while the handler's own transaction is still open. It is best effort: on SQLite the
handler's transaction may hold the database's one write lock; the progress write then gives up at
once (a busy timeout of a few milliseconds), does not try again for ``BUSY_BACKOFF_SECONDS``, and
the job goes on (the page shows the last figure it could save).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Job, JobState, Tenant, User
from ..models.base import utcnow
from ..tenancy import bind_tenant
from .errors import JobCancelled

log = logging.getLogger(__name__)

ENGINE_KEY = "desa_jobs_progress_engine"
SQLITE_WAIT_MS = 5  # SQLite: wait this long for the write lock, then skip the progress write
BUSY_BACKOFF_SECONDS = 5.0  # after a busy answer on SQLite, skip progress writes for this long
_busy_until: dict[uuid.UUID, float] = {}  # job id → monotonic time before which not to try
_busy_lock = threading.Lock()


def progress_engine() -> Engine:
    """The engine progress writes go through: the app's own on PostgreSQL (short lock timeout per
    statement), a second engine with a short busy timeout on SQLite."""
    app = current_app._get_current_object()  # noqa: SLF001
    engine = app.extensions.get(ENGINE_KEY)
    if engine is not None:
        return engine
    if db.engine.dialect.name != "sqlite":
        engine = db.engine
    else:
        engine = create_engine(db.engine.url, connect_args={"timeout": SQLITE_WAIT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout={SQLITE_WAIT_MS}")
            cur.close()

    app.extensions[ENGINE_KEY] = engine
    return engine


def write_progress(tenant_id: int, job_id: uuid.UUID, values: dict[str, Any]) -> bool:
    """Save ``values`` on the job row in a transaction of its own; False when the database was busy
    (or was busy for this job a moment ago, on SQLite: then nothing is tried)."""
    engine = progress_engine()
    sqlite = engine.dialect.name == "sqlite"
    if sqlite and _busy_until.get(job_id, 0.0) > time.monotonic():
        return False
    session = Session(engine)
    try:
        bind_tenant(session, tenant_id)
        if engine.dialect.name == "postgresql":
            session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.RUNNING)
            .values(**values, heartbeat_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        session.commit()
        if sqlite:
            with _busy_lock:
                _busy_until.pop(job_id, None)
        return True
    except DBAPIError as exc:  # locked, busy, lock timeout: skip this update, never fail the job
        session.rollback()
        log.debug("job %s: progress not saved (%s)", job_id, exc.__class__.__name__)
        if sqlite:
            now = time.monotonic()
            with _busy_lock:
                for old in [k for k, until in _busy_until.items() if until <= now]:
                    del _busy_until[old]  # jobs that ended meanwhile
                _busy_until[job_id] = now + BUSY_BACKOFF_SECONDS
        return False
    finally:
        session.close()


def read_cancel_requested(tenant_id: int, job_id: uuid.UUID) -> bool:
    """Whether someone asked to cancel (read on the progress connection: it sees committed rows)."""
    session = Session(progress_engine())
    try:
        bind_tenant(session, tenant_id)
        return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))
    except DBAPIError:
        session.rollback()
        return False
    finally:
        session.close()


class JobContext:
    """The job being run, its village and the handler's own transaction.

    ``session`` is bound to the job's village (ORM filter and, on PostgreSQL, Row-Level Security);
    the runner commits it when the handler returns and rolls it back when it raises.
    """

    def __init__(self, job: Job, tenant: Tenant, session: Session, user: User | None) -> None:
        self.job = job
        self.tenant = tenant
        self.session = session
        self.user = user
        self.params: dict[str, Any] = dict(job.params or {})
        self.document_id: uuid.UUID | None = None
        self.done = 0
        self.total: int | None = job.progress_total
        self.phase: str | None = job.phase
        self.on_progress: Any = None  # the CLI's progress bar (run_inline)
        self.output_kept = False  # its output is committed (jobs.output.store_output): no cancel now

    def progress(self, done: int, total: int | None = None, phase: str | None = None) -> None:
        """Report ``done`` rows of ``total`` (and what is being done now, e.g. ``"checking"``)."""
        self.done = max(0, int(done))
        if total is not None:
            self.total = max(0, int(total))
        if phase is not None:
            self.phase = str(phase)[:40]
        values: dict[str, Any] = {"progress_done": self.done, "progress_total": self.total}
        if self.phase is not None:
            values["phase"] = self.phase
        write_progress(self.tenant.id, self.job.id, values)
        if self.on_progress is not None:
            self.on_progress(self.done, self.total, self.phase)

    def attach(self, document: Any) -> None:
        """Name the job's output document (a ``Document`` or its id): the job page links to it."""
        self.document_id = getattr(document, "id", document)

    def cancelled(self) -> bool:
        """Whether someone asked to cancel; a handler that sees it may stop (raise through
        :meth:`check_cancelled`): its transaction rolls back and the job ends ``cancelled``.
        False once the job's output is stored: it is kept, so the job finishes."""
        if self.output_kept:
            return False
        return read_cancel_requested(self.tenant.id, self.job.id)

    def locale(self) -> Any:
        """A context manager: messages written into the result in the language of whoever
        started the job (param ``locale``), else the default."""
        from contextlib import nullcontext

        from flask_babel import force_locale

        locale = self.params.get("locale")
        return force_locale(locale) if locale else nullcontext()

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise JobCancelled()
