"""``desa jobs …`` (a village's background jobs), ``desa worker`` and ``desa beat`` (Celery).

desa jobs list --tenant menanga [--state failed]
desa jobs show --tenant menanga JOB_ID
desa jobs wait --tenant menanga JOB_ID          # a progress bar until it ends; exit 1 unless done
desa jobs sweep [--tenant menanga]              # fail jobs whose worker died, re-queue lost ones
desa worker                                     # one Celery worker (solo pool) for this platform
desa beat                                       # the periodic tasks (schedule file in the instance)
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..jobs import kinds
from ..jobs.celery_app import is_filesystem
from ..jobs.labels import error_text, result_of, state_label
from ..jobs.sweep import sweep as sweep_jobs
from ..models import Job, JobState
from ..services import ServiceError
from ..services import tenants as tenant_svc
from ..tenancy import tenant_session
from ._util import service_errors

group = click.Group("jobs", help="Background jobs of a village: list, show, wait for, sweep.")
tenant_option = click.option("--tenant", "slug", required=True, help="The village's slug.")


def _job_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a job id") from None


def _load(tenant_id: int, job_id: uuid.UUID) -> Job:
    with tenant_session(tenant_id) as session:
        job = session.get(Job, (tenant_id, job_id))
        if job is None:
            raise ServiceError(f"No job {job_id} in this village.", "not_found", 404)
        session.expunge(job)
        return job


def _progress(job: Job) -> str:
    if job.progress_total is not None:
        return f"{job.progress_done}/{job.progress_total}"
    return str(job.progress_done or "")


@group.command("list")
@tenant_option
@click.option("--state", type=click.Choice([s.value for s in JobState]), help="Only jobs in this state.")
@click.option("--limit", default=50, show_default=True, help="At most this many, newest first.")
@with_appcontext
@service_errors
def list_jobs(slug: str, state: str | None, limit: int) -> None:
    """The village's jobs, newest first: id, state, progress, kind."""
    tenant = tenant_svc.get_by_slug(slug)
    with tenant_session(tenant.id) as session:
        stmt = select(Job).order_by(Job.created_at.desc()).limit(limit)
        if state:
            stmt = stmt.where(Job.state == JobState(state))
        found = session.scalars(stmt).all()
        for job in found:
            click.echo(f"{job.id}  {job.state.value:<9}  {_progress(job):>11}  {job.kind}")
        if not found:
            click.echo("No jobs.")


@group.command("show")
@tenant_option
@click.argument("job_id")
@with_appcontext
@service_errors
def show(slug: str, job_id: str) -> None:
    """One job as JSON (state, progress, result or error)."""
    tenant = tenant_svc.get_by_slug(slug)
    job = _load(tenant.id, _job_id(job_id))
    click.echo(json.dumps(_summary(job), indent=2, default=str))


def _summary(job: Job) -> dict:
    return {
        "id": str(job.id),
        "kind": job.kind,
        "title": kinds.title_of(job.kind),
        "state": job.state.value,
        "state_label": state_label(job.state),
        "progress": {"done": job.progress_done, "total": job.progress_total, "phase": job.phase},
        "attempts": job.attempts,
        "result": result_of(job),
        "error": error_text(job),
        "document_id": str(job.document_id) if job.document_id else None,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@group.command("wait")
@tenant_option
@click.argument("job_id")
@click.option("--timeout", default=0, help="Give up after this many seconds (0: wait as long as it takes).")
@with_appcontext
@service_errors
def wait(slug: str, job_id: str, timeout: int) -> None:
    """Show a progress bar until the job ends; exit code 0 when done, 1 otherwise."""
    tenant = tenant_svc.get_by_slug(slug)
    key = _job_id(job_id)
    deadline = time.monotonic() + timeout if timeout else None
    job = _load(tenant.id, key)
    with click.progressbar(
        length=max(job.progress_total or 1, 1), label=kinds.title_of(job.kind), file=sys.stderr
    ) as bar:
        while not job.finished:
            if deadline is not None and time.monotonic() > deadline:
                raise click.ClickException(f"still {job.state.value} after {timeout} s")
            time.sleep(0.5)
            job = _load(tenant.id, key)
            if job.progress_total:
                bar.length = job.progress_total
            bar.update(max(0, (job.progress_done or 0) - bar.pos))
    click.echo(f"{state_label(job.state)}: {error_text(job) or json.dumps(result_of(job), default=str)}")
    if job.state != JobState.DONE:
        sys.exit(1)


@group.command("sweep")
@click.option("--tenant", "slug", help="One village (default: every village).")
@click.option(
    "--stale-minutes", type=float, help="Silence that means the worker died (default DESA_JOB_STALE_MINUTES)."
)
@with_appcontext
@service_errors
def sweep(slug: str | None, stale_minutes: float | None) -> None:
    """Fail running jobs whose worker went silent (or queue them again where that is safe), and hand
    queued jobs no worker picked up to the queue again."""
    if slug:
        tenant_svc.get_by_slug(slug)
    click.echo(f"Swept: {sweep_jobs(slug, stale_minutes=stale_minutes)}.")


def _exec_celery(args: list[str]) -> None:
    """Become ``celery -A desacerdas.jobs.worker …`` (exec: signals reach Celery directly)."""
    argv = [sys.executable, "-m", "celery", "-A", "desacerdas.jobs.worker", *args]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with celery


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", default=1, show_default=True, help="Tasks at a time (1: the solo pool).")
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker(concurrency: int, extra: tuple[str, ...]) -> None:
    """Run a Celery worker for this platform (more celery worker options may follow)."""
    args = ["worker", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    if concurrency <= 1:
        args += ["--pool", "solo"]
    else:
        args += ["--pool", "prefork", "--concurrency", str(concurrency)]
    if is_filesystem(str(current_app.config.get("BROKER_URL", ""))):
        args.append("--without-heartbeat")
    _exec_celery([*args, *extra])


@click.command("beat", context_settings={"ignore_unknown_options": True})
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def beat(extra: tuple[str, ...]) -> None:
    """Run Celery beat: queues the periodic tasks (sweep, snapshots, purge, deliveries)."""
    schedule = Path(current_app.instance_path) / "celerybeat-schedule"
    _exec_celery(["beat", "--loglevel", "INFO", "--schedule", str(schedule), *extra])
