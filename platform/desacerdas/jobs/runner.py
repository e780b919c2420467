"""Running one job: claim it, run its handler in the village's tenant session, record the outcome.

The handler's work and the job's ``done`` state are committed in ONE transaction: a worker killed
before that commit leaves nothing of the work behind, and the job still ``running`` (the sweep, or
the next delivery of its message, marks it failed with the reason, or runs it again when its kind
says that is safe).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Job, JobState, Tenant, User
from ..models.base import utcnow
from ..services import ServiceError
from ..tenancy import tenant_session
from . import errors, kinds
from .context import JobContext

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _finish(session: Session, job_id: uuid.UUID, state: JobState, **values: Any) -> bool:
    """Mark a running job finished in ``session``; False when it is no longer running (the sweep
    gave up on it meanwhile): the caller then throws its work away."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(state=state, finished_at=utcnow(), heartbeat_at=utcnow(), **values),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def fail(
    tenant_id: int,
    job_id: uuid.UUID,
    message: str,
    *,
    state: JobState = JobState.FAILED,
    only_if: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING),
    extra: dict | None = None,
) -> bool:
    """Mark the job failed (or cancelled) with ``message`` (English source text), if it is still in
    one of ``only_if``; whether it was changed."""
    with tenant_session(tenant_id) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state.in_(only_if))
            .values(
                state=state,
                error=message[:1000],
                finished_at=utcnow(),
                heartbeat_at=utcnow(),
                **(extra or {}),
            ),
            execution_options={"synchronize_session": False},
        )
        session.commit()
        return result.rowcount == 1


def _stale_after() -> timedelta:
    return timedelta(minutes=current_app.config.get("JOB_STALE_MINUTES", 10))


HEARTBEAT_SECONDS = 30.0
REDELIVERED_STALE_BEATS = 3  # a redelivered message takes over only after this many missed beats


def _busy_window(redelivered: bool) -> timedelta:
    """How fresh a running job's heartbeat must be for a message of it to leave it alone. A
    redelivered message (its worker may have died, or the broker only timed it out) takes over only
    when the heartbeat missed a few beats: a live worker beats every ``HEARTBEAT_SECONDS``."""
    if redelivered:
        return min(_stale_after(), timedelta(seconds=REDELIVERED_STALE_BEATS * HEARTBEAT_SECONDS))
    return _stale_after()


def claim(tenant_id: int, job_id: uuid.UUID, *, redelivered: bool = False) -> str:
    """``"claimed"`` (this process runs it now), ``"busy"`` (another worker runs it),
    ``"finished"`` (nothing to do) or ``"failed"`` (found abandoned and not safe to run again)."""
    with tenant_session(tenant_id) as session:
        now = utcnow()
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now),
            execution_options={"synchronize_session": False},
        )
        session.commit()
        if claimed.rowcount == 1:
            return "claimed"
        job = session.get(Job, (tenant_id, job_id))
        if job is None or job.finished:
            return "finished"
        beat = job.heartbeat_at
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=now.tzinfo)
        if beat is not None and now - beat < _busy_window(redelivered):
            return "busy"  # a second message for a job that another worker is running
        kind = kinds.find(job.kind)
        attempts = job.attempts
    # Found running although its message came again: the worker that had it stopped.
    if kind is not None and kind.retry_safe and attempts < MAX_ATTEMPTS:
        with tenant_session(tenant_id) as session:
            again = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.attempts == attempts)
                .values(
                    attempts=attempts + 1,
                    started_at=utcnow(),
                    heartbeat_at=utcnow(),
                    progress_done=0,
                    phase=None,
                ),
                execution_options={"synchronize_session": False},
            )
            session.commit()
            return "claimed" if again.rowcount == 1 else "busy"
    fail(tenant_id, job_id, errors.WORKER_STOPPED, only_if=(JobState.RUNNING,))
    return "failed"


def _run_handler(tenant_id: int, job_id: uuid.UUID, on_progress: Callable | None) -> None:
    """Run the handler and commit its work together with the job's ``done``; raise on failure."""
    with tenant_session(tenant_id) as session:
        job = session.get(Job, (tenant_id, job_id))
        tenant = session.get(Tenant, tenant_id)
        user = session.get(User, job.started_by) if job.started_by else None
        kind = kinds.get(job.kind)
        ctx = JobContext(job, tenant, session, user)
        ctx.on_progress = on_progress
        result = kind.handler(ctx)
        if ctx.cancelled():
            raise errors.JobCancelled()
        done = ctx.total if ctx.total is not None else ctx.done
        session.flush()
        finished = _finish(
            session,
            job_id,
            JobState.DONE,
            result=result if result is None else dict(result),
            document_id=ctx.document_id,
            progress_done=done,
            progress_total=ctx.total,
            error=None,
        )
        if not finished:
            session.rollback()
            log.warning("job %s was given up on while it ran; its work is not kept", job_id)
            return
        session.commit()


class _Heartbeat:
    """Bumps ``heartbeat_at`` while a handler works without reporting progress, so that the sweep
    does not take a long, quiet job for one whose worker died (best effort, like progress)."""

    def __init__(self, tenant_id: int, job_id: uuid.UUID, every: float | None = None) -> None:
        self.tenant_id, self.job_id = tenant_id, job_id
        self.every = HEARTBEAT_SECONDS if every is None else every
        self.app = current_app._get_current_object()  # noqa: SLF001
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job_id}", daemon=True)

    def _beat(self) -> None:
        from .context import write_progress

        while not self.stopped.wait(self.every):
            with self.app.app_context():
                write_progress(self.tenant_id, self.job_id, {})

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)


def execute(
    tenant_id: int, job_id: uuid.UUID | str, *, redelivered: bool = False, on_progress: Callable | None = None
) -> str:
    """Claim and run one job; the state it ended in (``done``, ``failed``, ``cancelled``) or why it
    did not run (``busy``, ``finished``). Never raises for the handler's errors: they are recorded."""
    job_id = _as_uuid(job_id)
    claimed = claim(tenant_id, job_id, redelivered=redelivered)
    if claimed != "claimed":
        return claimed
    kind = kinds.find(_kind_of(tenant_id, job_id))
    atomic = kind is None or kind.all_or_nothing
    try:
        with _Heartbeat(tenant_id, job_id):
            _run_handler(tenant_id, job_id, on_progress)
    except errors.JobCancelled:
        message = errors.CANCELLED if atomic else errors.CANCELLED_PARTIAL
        fail(tenant_id, job_id, message, state=JobState.CANCELLED, only_if=(JobState.RUNNING,))
        return JobState.CANCELLED.value
    except errors.JobFailed as exc:
        extra = {"result": {"error": {"msgid": exc.msgid, "vars": _plain(exc.variables)}}}
        fail(tenant_id, job_id, exc.message, only_if=(JobState.RUNNING,), extra=extra)
        return JobState.FAILED.value
    except kinds.UnknownJobKind:
        fail(tenant_id, job_id, errors.UNKNOWN_KIND, only_if=(JobState.RUNNING,))
        return JobState.FAILED.value
    except ServiceError as exc:  # a refused request inside the work: its message is already in words
        fail(tenant_id, job_id, exc.message, only_if=(JobState.RUNNING,))
        return JobState.FAILED.value
    except Exception:  # noqa: BLE001 - recorded on the job; the worker goes on with the next one
        log.exception("job %s (village %s) failed", job_id, tenant_id)
        message = errors.UNEXPECTED if atomic else errors.UNEXPECTED_PARTIAL
        fail(tenant_id, job_id, message, only_if=(JobState.RUNNING,))
        return JobState.FAILED.value
    except BaseException:  # Ctrl+C in the CLI, a worker's shutdown: never leave it "running"
        message = errors.CANCELLED if atomic else errors.CANCELLED_PARTIAL
        fail(tenant_id, job_id, message, state=JobState.CANCELLED, only_if=(JobState.RUNNING,))
        raise
    return JobState.DONE.value


def _kind_of(tenant_id: int, job_id: uuid.UUID) -> str:
    with tenant_session(tenant_id) as session:
        return session.scalar(select(Job.kind).where(Job.id == job_id)) or ""


def _plain(variables: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in variables.items()}


def run_inline(tenant: Tenant, job: Job, on_progress: Callable | None = None) -> Job:
    """Run ``job`` in this process, without the broker (the CLI: same runner, same states).

    ``on_progress(done, total, phase)`` is called at each progress report (a click progress bar).
    Returns the job re-read after it ended.
    """
    execute(tenant.id, job.id, on_progress=on_progress)
    with tenant_session(tenant.id) as session:
        fresh = session.get(Job, (tenant.id, job.id))
        session.expunge(fresh)
    return fresh
