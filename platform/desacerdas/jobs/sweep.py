"""The sweep: jobs whose worker went silent are failed with the reason (or queued again where safe);
jobs that no worker picked up are handed to the broker again.

Runs village by village, each in its own tenant session (the ``jobs`` table is village-owned: on
PostgreSQL, Row-Level Security shows a session only its village's rows).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Job, JobState, Tenant
from ..models.base import utcnow
from ..tenancy import tenant_session
from . import errors, kinds
from .runner import MAX_ATTEMPTS
from .service import INLINE

log = logging.getLogger(__name__)

REPUBLISH_AFTER = timedelta(minutes=5)
REPUBLISHED = "republished"  # params key: how many times the sweep handed a queued job over again


@dataclass
class SweepReport:
    failed: int = 0  # running, worker silent: failed (or cancelled, when asked) with the reason
    requeued: int = 0  # running, worker silent, safe to run again: queued again
    republished: int = 0  # queued and never picked up: handed to the broker again

    def __str__(self) -> str:
        return (
            f"{self.failed} failed, {self.requeued} queued again, "
            f"{self.republished} handed to the queue again"
        )


def _villages(slug: str | None) -> list[Tenant]:
    stmt = select(Tenant).order_by(Tenant.code)
    if slug:
        stmt = stmt.where(Tenant.slug == slug)
    return list(db.session.scalars(stmt))


def _stale_running(session, tenant_id: int, stale_before, now, report: SweepReport) -> list:  # noqa: ANN001
    """Fail, cancel or re-queue running jobs whose heartbeat stopped; the ids queued again.

    Each change is a conditional UPDATE (still running, heartbeat still old): a job that committed
    ``done`` since the SELECT is left alone."""
    silent = (
        Job.state == JobState.RUNNING,
        or_(Job.heartbeat_at.is_(None), Job.heartbeat_at <= stale_before),
    )
    stale = session.execute(
        select(Job.id, Job.kind, Job.attempts, Job.cancel_requested, Job.params).where(*silent)
    ).all()
    again = []
    for job_id, kind_name, attempts, cancel_requested, params in stale:
        kind = kinds.find(kind_name)
        atomic = kind is None or kind.all_or_nothing
        inline = bool((params or {}).get(INLINE))  # its process stopped: no worker may run it
        if cancel_requested:
            message = errors.CANCELLED if atomic else errors.CANCELLED_PARTIAL
            values = {"state": JobState.CANCELLED, "error": message, "finished_at": now}
        elif kind is not None and kind.retry_safe and attempts < MAX_ATTEMPTS and not inline:
            values = {"state": JobState.QUEUED, "phase": None, "progress_done": 0}
        else:
            values = {"state": JobState.FAILED, "error": errors.WORKER_STOPPED, "finished_at": now}
        changed = session.execute(
            update(Job).where(Job.id == job_id, *silent).values(**values, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        if changed.rowcount != 1:
            continue  # it finished (or beat) meanwhile
        if values["state"] == JobState.QUEUED:
            again.append(job_id)
            report.requeued += 1
        else:
            report.failed += 1
    return again


def _waiting(session, now, report: SweepReport) -> list:  # noqa: ANN001
    """Queued jobs that no worker picked up, due to be handed over again: after 5 minutes, then
    after 10, 20, 40, 80 (a backlog behind a long job is not flooded with duplicate messages).
    An inline job (the CLI's) that never ran is failed instead."""
    rows = session.execute(
        select(Job.id, Job.params, Job.updated_at).where(
            Job.state == JobState.QUEUED, Job.updated_at <= now - REPUBLISH_AFTER
        )
    ).all()
    due = []
    for job_id, params, updated in rows:
        params = dict(params or {})
        queued = (Job.id == job_id, Job.state == JobState.QUEUED)
        if params.get(INLINE):
            values = {"state": JobState.FAILED, "error": errors.WORKER_STOPPED, "finished_at": now}
        else:
            times = int(params.get(REPUBLISHED, 0))
            if updated.tzinfo is None:
                updated = updated.replace(tzinfo=now.tzinfo)
            if now - updated < REPUBLISH_AFTER * 2 ** min(times, 4):
                continue
            values = {"params": {**params, REPUBLISHED: times + 1}}
        changed = session.execute(
            update(Job).where(*queued).values(**values, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        if changed.rowcount == 1 and "params" in values:
            due.append(job_id)
        elif changed.rowcount == 1:
            report.failed += 1
    return due


def sweep_village(
    tenant_id: int, *, stale_after: timedelta, report: SweepReport, publish: bool = True
) -> None:
    from .service import publish as hand_over

    now = utcnow()
    with tenant_session(tenant_id) as session:
        again = _stale_running(session, tenant_id, now - stale_after, now, report)
        waiting = _waiting(session, now, report)
        session.commit()
    if not publish:
        return
    for job_id in [*again, *waiting]:
        try:
            hand_over(tenant_id, job_id)
        except errors.BrokerDown:
            log.warning("sweep: broker down, job %s stays queued", job_id)
            return
        if job_id in waiting:
            report.republished += 1


def sweep(
    slug: str | None = None, *, stale_minutes: float | None = None, publish: bool = True
) -> SweepReport:
    """Sweep every village (or one); ``stale_minutes`` defaults to ``JOB_STALE_MINUTES``."""
    minutes = current_app.config.get("JOB_STALE_MINUTES", 10) if stale_minutes is None else stale_minutes
    report = SweepReport()
    for tenant in _villages(slug):
        sweep_village(tenant.id, stale_after=timedelta(minutes=minutes), report=report, publish=publish)
    return report
