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

log = logging.getLogger(__name__)

REPUBLISH_AFTER = timedelta(minutes=5)


@dataclass
class SweepReport:
    failed: int = 0  # running, worker silent: failed with the reason
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


def sweep_village(
    tenant_id: int, *, stale_after: timedelta, report: SweepReport, publish: bool = True
) -> None:
    from .service import publish as hand_over

    now = utcnow()
    stale_before, quiet_before = now - stale_after, now - REPUBLISH_AFTER
    with tenant_session(tenant_id) as session:
        stale = session.scalars(
            select(Job).where(
                Job.state == JobState.RUNNING,
                or_(Job.heartbeat_at.is_(None), Job.heartbeat_at <= stale_before),
            )
        ).all()
        again = []
        for job in stale:
            kind = kinds.find(job.kind)
            if kind is not None and kind.retry_safe and job.attempts < MAX_ATTEMPTS:
                job.state, job.phase, job.progress_done, job.updated_at = JobState.QUEUED, None, 0, now
                again.append(job.id)
                report.requeued += 1
            else:
                job.state, job.error, job.finished_at = JobState.FAILED, errors.WORKER_STOPPED, now
                report.failed += 1
        waiting = list(
            session.scalars(
                select(Job.id).where(Job.state == JobState.QUEUED, Job.updated_at <= quiet_before)
            )
        )
        if waiting:
            session.execute(
                update(Job).where(Job.id.in_(waiting)).values(updated_at=now),
                execution_options={"synchronize_session": False},
            )
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
