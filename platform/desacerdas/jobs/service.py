"""Starting, finding and cancelling jobs: what pages, the API and the CLI call."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import current_task
from flask import current_app, url_for
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from ..auth.permissions import registry
from ..kit.access import may
from ..models import Job, JobState, Role, Tenant, User
from ..models.base import utcnow
from ..services import NotFound, ServiceError
from ..services.i18n import _
from ..tenancy import bind_tenant, tenant_session
from ..tenancy.context import current_tenant_id
from . import celery_app, errors, kinds, runner

log = logging.getLogger(__name__)

RUN_TASK = "desa.jobs.run"
INLINE = "inline"  # params key: a job the CLI runs in its own process (never re-queued)
SEE_ALL = "village.jobs.view"  # a village admin: every job of the village

registry.register(
    SEE_ALL,
    "See every background job of the village",
    (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.FACILITATOR),
    read_only=True,
)
MANAGE = "village.jobs.manage"  # a village admin: cancel any job of the village
registry.register(
    MANAGE, "Cancel any background job of the village", (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY)
)


@celery_app.task(RUN_TASK)
def run_task(tenant_id: int, job_id: str) -> str:
    """The worker side of :func:`submit`: run one job (``redelivered``: its worker may have died)."""
    info = getattr(getattr(current_task, "request", None), "delivery_info", None) or {}
    return runner.execute(int(tenant_id), job_id, redelivered=bool(info.get("redelivered")))


def publish(tenant_id: int, job_id: uuid.UUID) -> None:
    """Hand the job to the broker; raises :class:`errors.BrokerDown` when it cannot be reached."""
    try:
        celery_app.send(RUN_TASK, tenant_id, str(job_id))
    except Exception as exc:  # noqa: BLE001 - kombu/redis/amqp/OS errors: the queue is down
        log.error("broker unavailable, job %s not queued: %s", job_id, exc)
        raise errors.BrokerDown() from exc


def _own_session(session: Session | None, tenant: Tenant) -> Session | None:
    if session is None:
        return None
    bound = current_tenant_id(session)
    if bound is None:
        bind_tenant(session, tenant.id)
    elif bound != tenant.id:
        raise ValueError("submit() got a session of another village")
    return session


def _new_job(tenant: Tenant, kind: str, params: dict[str, Any], user: User | None, batch: str | None) -> Job:
    return Job(
        tenant_id=tenant.id,
        kind=kind,
        params=dict(params or {}),
        started_by=getattr(user, "id", None),
        batch=batch,
        state=JobState.QUEUED,
        progress_done=0,
        attempts=0,
        cancel_requested=False,
    )


def record(tenant: Tenant, kind: str, params: dict[str, Any], user: User | None = None) -> Job:
    """A queued job written but not handed to the broker: the CLI runs it here with ``run_inline``.

    Marked ``inline``: the sweep never hands it to a worker (the process that ran it stopped)."""
    kinds.get(kind)
    with tenant_session(tenant.id) as session:
        job = _new_job(tenant, kind, {**(params or {}), INLINE: True}, user, None)
        session.add(job)
        session.commit()
        session.refresh(job)
        session.expunge(job)
    return job


def submit(
    session: Session | None,
    tenant: Tenant,
    kind: str,
    params: dict[str, Any],
    user: User | None,
    batch: str | None = None,
) -> Job:
    """Record a job and queue it. COMMITS ``session`` (the caller's pending changes go with it).

    If the broker cannot be reached the job is marked failed and :class:`BrokerDown` is raised
    (the page answers 503): nothing is left queued that no worker will ever see. With
    ``JOBS_EAGER`` the job runs here, right after the commit. ``session=None``: a session of its own.
    """
    kinds.get(kind)  # an unknown kind is a programming error: refuse before writing anything
    if session is None:
        with tenant_session(tenant.id) as own:
            return submit(own, tenant, kind, params, user, batch)
    session = _own_session(session, tenant)
    job = _new_job(tenant, kind, params, user, batch)
    session.add(job)
    session.commit()
    if current_app.config.get("JOBS_EAGER"):
        runner.execute(tenant.id, job.id)
    else:
        try:
            publish(tenant.id, job.id)
        except errors.BrokerDown:
            runner.fail(tenant.id, job.id, errors.QUEUE_DOWN, only_if=(JobState.QUEUED,))
            raise
    session.refresh(job)  # loaded: usable after the caller's session is closed
    return job


def visible(stmt: Select, user: User, tenant: Tenant) -> Select:
    """``stmt`` limited to the jobs ``user`` may see in ``tenant``: all for a village admin, their
    own for other members. Callers have already checked that the user belongs to the village."""
    if may(user, tenant, SEE_ALL):
        return stmt
    return stmt.where(Job.started_by == user.id)


def get_visible(session: Session, tenant: Tenant, user: User, job_id: Any) -> Job:
    """The job, or :class:`NotFound` (404) when it does not exist, is another village's or another
    member's (nothing tells the caller which)."""
    try:
        key = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(_("This job does not exist.")) from None
    job = session.scalar(visible(select(Job).where(Job.id == key), user, tenant))
    if job is None:
        raise NotFound(_("This job does not exist."))
    return job


def may_cancel(user: User | None, tenant: Tenant, job: Job) -> bool:
    """Who may stop a job they can see: its starter, a village admin (``village.jobs.manage``), or
    someone who may start jobs of its kind. Seeing a job (``village.jobs.view``) is not enough."""
    if user is None:
        return False
    if job.started_by is not None and job.started_by == user.id:
        return True
    if may(user, tenant, MANAGE):
        return True
    kind = kinds.find(job.kind)
    if kind is None or not kind.permission or registry.get(kind.permission).read_only:
        return False  # a read-only permission (a facilitator's, a regency admin's) stops nothing
    return may(user, tenant, kind.permission)


def _already_finished() -> ServiceError:
    return ServiceError(_("This job has already finished."), "job_finished", 409)


def cancel(session: Session, job: Job) -> Job:
    """Ask a job to stop: a queued job is cancelled at once, a running one when its handler next
    looks (``ctx.cancelled()``) or, at the latest, its work is thrown away when it ends.

    Both are conditional UPDATEs (only from the state expected): a job that finished meanwhile is
    never overwritten, the caller gets 409 instead."""
    if job.finished:
        raise _already_finished()
    key = (Job.tenant_id == job.tenant_id, Job.id == job.id)
    now = utcnow()
    stopped = session.execute(
        update(Job)
        .where(*key, Job.state == JobState.QUEUED)
        .values(
            state=JobState.CANCELLED,
            cancel_requested=True,
            error=errors.CANCELLED,
            finished_at=now,
            updated_at=now,
        ),
        execution_options={"synchronize_session": False},
    )
    if stopped.rowcount != 1:
        asked = session.execute(
            update(Job)
            .where(*key, Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
            .values(cancel_requested=True, updated_at=now),
            execution_options={"synchronize_session": False},
        )
        if asked.rowcount != 1:
            session.rollback()
            session.refresh(job)
            raise _already_finished()
    session.commit()
    session.refresh(job)
    return job


def job_url(job: Job, **kwargs: Any) -> str:
    """The job's page."""
    return url_for("jobs.show", slug=_slug(job), job_id=job.id, **kwargs)


def api_url(job: Job, **kwargs: Any) -> str:
    """The job in the API (``Location`` of a 202 answer)."""
    return url_for("Jobs.JobItem", slug=_slug(job), job_id=job.id, **kwargs)


def _slug(job: Job) -> str:
    from ..extensions import db

    tenant = db.session.get(Tenant, job.tenant_id)
    return tenant.slug


def accepted_response(job: Job) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A view's answer for work handed to a job: ``202 Accepted``, the job, ``Location`` its API URL."""
    from .schemas import dump

    return dump(job), 202, {"Location": api_url(job)}
