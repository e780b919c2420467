"""Job kinds used by the jobs tests, in the test process and (``celery … -I jobs.kinds``) in a real
worker process. Each writes what a real handler would: rows in its own transaction."""

from __future__ import annotations

import os
import time
from pathlib import Path

from desacerdas.jobs import JobContext, JobFailed, job_kind
from desacerdas.models import Hamlet


@job_kind("testing.count", title="Count to a number")
def count(ctx: JobContext) -> dict:
    total = int(ctx.params.get("to", 3))
    for n in range(1, total + 1):
        ctx.progress(n, total, phase="counting")
    ctx.session.add(Hamlet(name=ctx.params.get("hamlet", "Banjar Hitung")))
    return {"counted": total}


@job_kind("testing.fail", title="Fail on a row")
def fail(ctx: JobContext) -> None:
    ctx.session.add(Hamlet(name="Banjar Gagal"))
    ctx.session.flush()
    raise JobFailed("Row %(row)s has no NIK.", row=int(ctx.params.get("row", 7)))


@job_kind("testing.crash", title="Crash")
def crash(ctx: JobContext) -> None:
    ctx.session.add(Hamlet(name="Banjar Rusak"))
    ctx.session.flush()
    raise RuntimeError("a bug in the handler")


def _hang(ctx: JobContext) -> None:
    """Report progress, write a row (not committed), say so in a file, then wait to be killed."""
    ctx.progress(1, 10, phase="writing")
    ctx.session.add(Hamlet(name="Banjar Setengah"))
    if ctx.params.get("write_first", True):  # on SQLite this holds the one write lock until the end
        ctx.session.flush()
    marker = ctx.params.get("marker")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    deadline = time.monotonic() + float(ctx.params.get("seconds", 60))
    while time.monotonic() < deadline:
        if ctx.cancelled():
            from desacerdas.jobs import JobCancelled

            raise JobCancelled()
        time.sleep(0.1)


job_kind("testing.hang", title="Hang")(_hang)
job_kind("testing.hang_safe", title="Hang (safe to repeat)", retry_safe=True)(_hang)


@job_kind("testing.quiet", title="Work quietly")
def quiet(ctx: JobContext) -> None:
    """Works a while without reporting progress; returns whether the heartbeat moved meanwhile."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from desacerdas.jobs.context import progress_engine
    from desacerdas.models import Job
    from desacerdas.tenancy import bind_tenant

    time.sleep(float(ctx.params.get("seconds", 0.5)))
    with Session(progress_engine()) as s:
        bind_tenant(s, ctx.tenant.id)
        started, beat = s.execute(select(Job.started_at, Job.heartbeat_at).where(Job.id == ctx.job.id)).one()
    return {"heartbeat_moved": beat > started}
