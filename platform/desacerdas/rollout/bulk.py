"""Enabling one plugin in many villages: a preview per village, then a job per village.

Each village is its own unit: a ``rollout.enable`` job enables the plugin and what it requires
there all together or not at all (in the job's transaction), and a village that fails is reported
while the others go on. The jobs of one confirmation share a ``batch`` id; the board's batch page
(:func:`batch_outcomes`) shows how far the batch got and what happened in each village.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.permissions import can
from ..extensions import db
from ..jobs import JobContext, JobFailed, job_kind, submit
from ..jobs.labels import error_text, state_label
from ..models import AuditEvent, Job, JobState, Tenant, User
from ..plugin_system.state import plugins
from ..plugin_system.types import ReadinessCheck
from ..services import ServiceError, audit, rollout
from ..services.i18n import N_
from ..tenancy.cross_village import read_each

MANAGE = "village.plugins.manage"
OVERRIDE = "village.plugins.override"

ENABLE_JOB = "rollout.enable"
BATCH_ACTION = "rollout.bulk_enable"  # the audit event naming a batch's villages

# What will happen (preview) or what happened (run) in one village; WAITING: its job has not ended.
ENABLE, ENABLED, ALREADY, BLOCKED, FORBIDDEN, FAILED, WAITING = (
    "enable",
    "enabled",
    "already",
    "blocked",
    "forbidden",
    "failed",
    "waiting",
)


@dataclass
class Outcome:
    tenant: Tenant
    kind: str
    plugins: list[str] = field(default_factory=list)  # titles, requirements first
    failing: list[tuple[str, ReadinessCheck]] = field(default_factory=list)
    message: str = ""
    may_override: bool = False
    overridden: bool = False

    @property
    def actionable(self) -> bool:
        """Whether confirming may change something here (blocked ones only with an override)."""
        return self.kind == ENABLE or (self.kind == BLOCKED and self.may_override)


def _titles(names: list[str], locale: str) -> list[str]:
    return [plugins().info(n).title(locale) for n in names]


def _failing(plan: rollout.Plan) -> list[tuple[str, ReadinessCheck]]:
    return [(s.plugin, c) for s in plan.steps for c in s.failing]


def preview_one(user: User, tenant: Tenant, name: str, locale: str) -> Outcome:
    if not can(user, MANAGE, tenant):
        return Outcome(tenant, FORBIDDEN)
    try:
        plan = rollout.plan_enable(tenant, name)
    except ServiceError as exc:
        return Outcome(tenant, FAILED, message=exc.message)
    if not plan.changes:
        return Outcome(tenant, ALREADY)
    titles = _titles([s.plugin for s in plan.changes], locale)
    if plan.ready:
        return Outcome(tenant, ENABLE, titles)
    return Outcome(tenant, BLOCKED, titles, _failing(plan), may_override=can(user, OVERRIDE, tenant))


def preview(user: User, tenants: list[Tenant], name: str, locale: str) -> list[Outcome]:
    return [preview_one(user, t, name, locale) for t in tenants]


# -- as jobs: one per village, one batch -----------------------------------------------------------


def _refused(outcome: Outcome) -> JobFailed:
    """A village left unchanged: the job fails with the reason in words (``outcome`` says which)."""
    if outcome.kind == FORBIDDEN:
        return JobFailed(N_("Not allowed: you may not enable pillars in this village."), outcome=FORBIDDEN)
    if outcome.kind == BLOCKED:
        checks = "; ".join(
            f"{c.label}: {c.how_to_pass}" if c.how_to_pass else c.label for _p, c in outcome.failing
        )
        return JobFailed(
            N_("Blocked, not ready for: %(names)s. %(checks)s"),
            names=", ".join(outcome.plugins),
            checks=checks,
            outcome=BLOCKED,
        )
    return JobFailed(N_("Failed: %(message)s"), message=outcome.message, outcome=FAILED)


@job_kind(ENABLE_JOB, title=_l("Enable a pillar"), retry_safe=True, permission=MANAGE)
def enable_job(ctx: JobContext) -> dict[str, Any]:
    """Enable ``params["plugin"]`` in the job's village as its starter may (override included),
    written in the job's transaction; a village that is not changed fails the job with why."""
    name, user, tenant = ctx.params["plugin"], ctx.user, ctx.tenant
    locale = ctx.params.get("locale") or "id"
    with ctx.locale():
        ctx.progress(0, 1, "enabling")
        if user is None or not can(user, MANAGE, tenant):
            raise _refused(Outcome(tenant, FORBIDDEN))
        wanted = ctx.params.get("override_reason")
        reason = wanted if wanted and can(user, OVERRIDE, tenant) else None
        try:
            plan = rollout.enable(tenant, name, actor=user, override_reason=reason, dry_run=True)
        except ServiceError as exc:
            if exc.code == "no_change":
                return {"outcome": ALREADY, "plugin": name, "plugins": []}
            if exc.code == "not_ready":
                raise _refused(preview_one(user, tenant, name, locale)) from None
            raise _refused(Outcome(tenant, FAILED, message=exc.message)) from None
        rollout.apply_enable(ctx.session, tenant, plan.changes, actor=user, reason=reason)
        titles = _titles([s.plugin for s in plan.changes], locale)
    ctx.progress(1, 1)
    return {"outcome": ENABLED, "plugin": name, "plugins": titles, "overridden": not plan.ready}


def submit_batch(
    user: User, tenants: list[Tenant], name: str, override_reason: str | None, locale: str
) -> str:
    """One ``rollout.enable`` job per village, all with one new batch id (returned). The batch's
    villages are recorded in an audit event, so the batch page knows where to look."""
    batch = str(uuid.uuid4())
    audit.record(
        BATCH_ACTION,
        actor=user,
        target=f"batch:{batch}",
        session=db.session,
        plugin=name,
        tenant_ids=[t.id for t in tenants],
        override=bool(override_reason),
    )
    db.session.commit()
    params = {"plugin": name, "override_reason": override_reason, "locale": locale}
    for tenant in tenants:
        submit(None, tenant, ENABLE_JOB, params, user, batch=batch)
    return batch


@dataclass
class Batch:
    plugin: str
    outcomes: list[Outcome]
    total: int
    finished: int
    enabled: int
    unchanged: int  # finished without a change: already enabled
    failed: int  # not changed: blocked, not allowed or failed

    @property
    def done(self) -> bool:
        return self.finished == self.total


def _outcome(tenant: Tenant, job: Job | None) -> Outcome:
    if job is None:  # the batch's request stopped before this village's job (the queue went down)
        return Outcome(tenant, FAILED, message=_("Not started: the work queue was not available."))
    if not job.finished:
        return Outcome(tenant, WAITING, message=state_label(job.state))
    result = job.result or {}
    if job.state == JobState.DONE:
        kind = ENABLED if result.get("outcome") == ENABLED else ALREADY
        return Outcome(
            tenant, kind, list(result.get("plugins") or []), overridden=bool(result.get("overridden"))
        )
    found = result.get("error") if isinstance(result.get("error"), dict) else {}
    kind = (found.get("vars") or {}).get("outcome")
    message = error_text(job) or ""
    if kind is None:  # stopped by something unexpected (the runner's words)
        kind, message = FAILED, _("Failed: %(message)s", message=message)
    return Outcome(tenant, kind, message=message)


def batch_outcomes(user: User, batch: str, visible: list[Tenant] | None = None) -> Batch | None:
    """How far a batch got and each village's outcome (the villages ``user`` sees); None if unknown.

    Each village's job is read through its own tenant session (``read_each``)."""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == BATCH_ACTION, AuditEvent.target == f"batch:{batch}")
    )
    if event is None:
        return None
    from .scope import villages_by_id

    tenants = (
        visible if visible is not None else villages_by_id(user, list(event.detail.get("tenant_ids") or []))
    )

    def read(session: Any, _tenant_id: int) -> Job | None:
        job = session.scalar(select(Job).where(Job.batch == batch, Job.kind == ENABLE_JOB))
        if job is not None:
            session.expunge(job)
        return job

    found = read_each([t.id for t in tenants], read, actor_id=user.id, reason="rollout.batch")
    outcomes = [_outcome(t, found.get(t.id)) for t in tenants]
    count = {k: sum(1 for o in outcomes if o.kind == k) for k in (ENABLED, ALREADY, WAITING)}
    finished = len(outcomes) - count[WAITING]
    return Batch(
        plugin=str(event.detail.get("plugin") or ""),
        outcomes=outcomes,
        total=len(outcomes),
        finished=finished,
        enabled=count[ENABLED],
        unchanged=count[ALREADY],
        failed=finished - count[ENABLED] - count[ALREADY],
    )


@dataclass(frozen=True)
class RecentBatch:
    batch: str
    plugin: str
    count: int
    at: Any


def recent_batches(user: User, limit: int = 5) -> list[RecentBatch]:
    """The user's last bulk actions (newest first), for links from the board to their progress."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == BATCH_ACTION, AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.at.desc())
        .limit(limit)
    )
    return [
        RecentBatch(
            e.target.removeprefix("batch:"),
            str((e.detail or {}).get("plugin") or ""),
            len((e.detail or {}).get("tenant_ids") or []),
            e.at,
        )
        for e in events
    ]
