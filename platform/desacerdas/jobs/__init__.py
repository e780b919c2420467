"""Background jobs on Celery: a job is a row the village can see (docs/jobs.md).

Public API for the core and plugins::

    from desacerdas.jobs import JobContext, JobFailed, job_kind, submit

    @job_kind("waste_bank.recount", title=_l("Recount the deposits"), retry_safe=True)
    def recount(ctx: JobContext) -> dict:
        rows = ...
        for n, row in enumerate(rows, 1):
            ...
            ctx.progress(n, len(rows), phase="counting")
        return {"rows": len(rows)}

    job = submit(db.session, tenant, "waste_bank.recount", {}, user)   # commits, then queues
    return redirect(job_url(job))
"""

from __future__ import annotations

from flask import Flask

from .context import JobContext
from .errors import BrokerDown, JobCancelled, JobFailed
from .kinds import JobKind, job_kind
from .runner import run_inline
from .service import (
    accepted_response,
    api_url,
    cancel,
    get_visible,
    job_url,
    may_cancel,
    record,
    submit,
    visible,
)

__all__ = [
    "BrokerDown",
    "JobCancelled",
    "JobContext",
    "JobFailed",
    "JobKind",
    "accepted_response",
    "api_url",
    "cancel",
    "get_visible",
    "init_app",
    "job_kind",
    "job_url",
    "may_cancel",
    "record",
    "run_inline",
    "submit",
    "visible",
]


def init_app(app: Flask) -> None:
    """Wire the Celery app, the periodic tasks, the job pages, API and error page into ``app``."""
    from . import celery_app, periodic, views  # noqa: F401 - periodic declares the core's beat tasks

    celery_app.init_app(app)
    views.init_app(app)
