"""``desa documents …``: reconcile stored files with their rows, purge deleted documents.

Both commands work village by village, each in its own ``tenant_session``, and print one line per
village as they go; the check runs as a ``documents.check`` job per village (recorded, run here
with ``run_inline``; beat queues the same job weekly, see ``documents/jobs.py``). They fail with
exit code 1 and a clear message when the storage cannot be reached, before changing anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..documents import jobs as doc_jobs
from ..extensions import db
from ..jobs import record, run_inline
from ..jobs.labels import error_text
from ..models import JobState, Tenant
from ..services import document_upkeep as upkeep
from ..services import documents as svc
from ..services import tenants as tenant_svc
from ..storage import StorageUnavailable, storage
from ..tenancy import tenant_session
from ._util import service_errors

group = click.Group("documents", help="Village documents: check files against rows, purge deleted ones.")

SHOWN_KEYS = doc_jobs.SHOWN_KEYS  # per village and per side; the counts are always complete


def _villages(slug: str | None) -> list[Tenant]:
    """One village by slug, or every village (archived ones too: their files are still stored)."""
    if slug:
        return [tenant_svc.get_by_slug(slug)]
    return list(db.session.scalars(select(Tenant).order_by(Tenant.code)))


def _storage_down(exc: BaseException, done: str) -> click.ClickException:
    return click.ClickException(
        f"document storage ({current_app.config['STORAGE_URL'].split('://', 1)[0]}) is unreachable: "
        f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}. {done}"
    )


@contextmanager
def _reachable_storage(done: str) -> Iterator[None]:
    """Refuse to start when the storage is down; turn a failure mid-run into the same clear error."""
    try:
        storage().check()
    except StorageUnavailable as exc:
        raise _storage_down(exc, "Nothing was done.") from None
    try:
        yield
    except svc.Unavailable as exc:
        raise _storage_down(exc.__cause__ or exc, done) from None
    except StorageUnavailable as exc:
        raise _storage_down(exc, done) from None


def _show(label: str, keys: list[str], total: int) -> None:
    for key in keys[:SHOWN_KEYS]:
        click.echo(f"    {label}: {key}")
    if total > SHOWN_KEYS:
        click.echo(f"    … and {total - SHOWN_KEYS} more {label} objects")


@group.command("check")
@click.option("--tenant", "slug", help="Village slug; without it, every village.")
@click.option("--fix", is_flag=True, help="Remove objects without a row; hide documents whose file is gone.")
@with_appcontext
@service_errors
def check(slug: str | None, fix: bool) -> None:
    """Compare each village's document rows with the objects in storage.

    Reports rows whose object is missing and objects that no row points at. Exits with 1 when
    problems remain (so it can run from cron), 0 when everything is consistent or was fixed.
    """
    villages = _villages(slug)
    if not villages:
        click.echo("No villages.")
        return
    problems = fixed = 0
    done = 0
    with _reachable_storage("Villages checked so far are listed above; run the check again later."):
        for n, tenant in enumerate(villages, 1):
            job = run_inline(tenant, record(tenant, doc_jobs.CHECK, {"fix": fix}))
            if job.state != JobState.DONE and job.error == doc_jobs.STORAGE_DOWN:
                raise svc.Unavailable()  # the storage went away mid-run
            if job.state != JobState.DONE:
                raise click.ClickException(f"{tenant.slug}: {error_text(job)}")
            report = job.result or {}
            done += 1
            status = {doc_jobs.OK: "ok", doc_jobs.FIXED: "fixed"}.get(report["status"], "PROBLEMS")
            known = report["known_missing"]
            click.echo(
                f"[{n}/{len(villages)}] {tenant.slug} ({tenant.code}): {report['rows']} rows, "
                f"{report['objects']} objects, {report['missing_count']} missing, "
                f"{report['orphan_count']} orphans"
                + (f" ({known} more missing in deleted documents)" if known else "")
                + f" — {status}"
            )
            _show("missing", report["missing"], report["missing_count"])
            _show("orphan", report["orphans"], report["orphan_count"])
            fixed += report["status"] == doc_jobs.FIXED
            problems += report["status"] == doc_jobs.PROBLEMS
    summary = f"Checked {done} {'village' if done == 1 else 'villages'}"
    if problems:
        hint = "See the log for what could not be removed." if fix else "Run with --fix to repair them."
        click.echo(f"{summary}: {problems} with problems. {hint}")
        click.get_current_context().exit(1)
    elif fixed:
        click.echo(
            f"{summary}: {fixed} fixed (objects without a row removed, documents whose file is gone hidden)."
        )
    else:
        click.echo(f"{summary}: all consistent.")


@group.command("purge")
@click.option("--tenant", "slug", help="Village slug; without it, every village.")
@click.option(
    "--older-than-days",
    "days",
    type=click.IntRange(min=0),
    help="Purge documents deleted more than this many days ago (default: DESA_DOCUMENT_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="List what would be purged; delete nothing.")
@with_appcontext
@service_errors
def purge(slug: str | None, days: int | None, dry_run: bool) -> None:
    """Delete for good the documents (rows and files) deleted longer ago than the retention period."""
    if days is None:
        days = int(current_app.config["DOCUMENT_RETENTION_DAYS"])
    villages = _villages(slug)
    if not villages:
        click.echo("No villages.")
        return
    total = 0
    verb = "would purge" if dry_run else "purged"
    with _reachable_storage("Villages listed above were purged; run the purge again later."):
        for n, tenant in enumerate(villages, 1):
            with tenant_session(tenant.id) as session:
                ids = upkeep.purge_deleted(tenant, session, older_than_days=days, dry_run=dry_run)
            total += len(ids)
            click.echo(f"[{n}/{len(villages)}] {tenant.slug} ({tenant.code}): {verb} {len(ids)} documents")
            for doc_id in ids if dry_run else ():
                click.echo(f"    {doc_id}")
    docs = "document" if total == 1 else "documents"
    if dry_run:
        click.echo(
            f"Dry run: {total} {docs} deleted more than {days} days ago would be purged; nothing changed."
        )
    else:
        click.echo(f"Purged {total} {docs} deleted more than {days} days ago.")
