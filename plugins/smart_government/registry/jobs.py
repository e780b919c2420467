"""The registry's background jobs: the import of a spreadsheet (its check, the dry run, and its
commit, all or nothing) and the export of a whole village as a document.

A page, the API or the CLI submits them (``desacerdas.jobs``); the worker runs them in the village's
tenant session. The import's commit writes in the job's own transaction, which the runner commits
together with the job's ``done`` state: a worker killed mid-import leaves nothing written, and
running it again is harmless (a re-import of the same file changes nothing), hence ``retry_safe``.
"""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from desacerdas import jobs
from desacerdas.jobs import JobContext, JobFailed, job_kind, output
from desacerdas.kit import tabular
from desacerdas.kit.access import scope_for
from desacerdas.models import Job, JobState, Visibility
from desacerdas.services import document_restrictions, documents
from desacerdas.services.i18n import N_, _

from .. import importing
from ..permissions import RESIDENTS_EDIT
from . import exporting, listing
from .models import Resident

PLUGIN = "smart_government"
IMPORT = "smart_government.registry_import"
EXPORT = "smart_government.registry_export"
IMPORT_OBJECT = "registry-import"  # the object_id of uploaded import files (documents, staff only)
EXPORT_OBJECT = "registry-export"  # the object_id of exports made by a job (documents, staff only)
# The whole registry in one file: only for those who may import and export, not every document reader.
document_restrictions.restrict("smart_government", IMPORT_OBJECT, RESIDENTS_EDIT)
document_restrictions.restrict("smart_government", EXPORT_OBJECT, RESIDENTS_EDIT)
SYNC_EXPORT_MAX = 10_000  # a list longer than this is exported by a job, not in the request

# Failure messages, stored in English with their values and shown in the reader's language.
FILE_GONE = N_("The file to import is no longer stored.")
FILE_HAS_PROBLEMS = N_("The file has %(count)s problem(s); nothing was imported. Check it again to see them.")
NO_LONGER_ALLOWED = N_("Whoever started this job may no longer do this.")
NO_STARTER = N_("Whoever started this export no longer has an account, so it was not made.")

# Job phases (``Job.phase``), shown in words by :func:`phase_label`.
CHECKING, WRITING, EXPORTING = "checking", "writing", "exporting"


def phase_label(phase: str | None) -> str:
    """A job phase in words (the stored value is a short English key)."""
    labels = {CHECKING: _("Checking rows"), WRITING: _("Writing rows"), EXPORTING: _("Writing the file")}
    return labels.get(phase or "", "")


def import_document(session: Any, document_id: uuid.UUID | str) -> Any:
    """The stored upload: a spreadsheet of this village uploaded for an import; else ``NotFound``."""
    try:
        key = document_id if isinstance(document_id, uuid.UUID) else uuid.UUID(str(document_id))
    except ValueError:
        raise documents.NotFound(_("No such document.")) from None
    document = documents.get(key, session)  # another village's id: NotFound
    if (document.plugin, document.kind, document.object_id) != (PLUGIN, "spreadsheet", IMPORT_OBJECT):
        raise documents.NotFound(_("No such document."))
    return document


def read_document(document: Any) -> tuple[IO[bytes], str]:
    """The document's current file, spooled (memory up to 1 MiB, then disk), and its file name."""
    current = documents.version(document)
    spooled = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - closed by the caller
    for chunk in documents.open_version(current):
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, current.filename


@contextmanager
def _source(ctx: JobContext) -> Iterator[tuple[Any, str, str]]:
    """(file, file name, audit source) of the import: the uploaded document, or a path (the CLI)."""
    if ctx.params.get("document_id"):
        try:
            document = import_document(ctx.session, ctx.params["document_id"])
        except documents.NotFound:
            raise JobFailed(FILE_GONE) from None
        file, filename = read_document(document)
        with file:
            yield file, filename, f"document:{document.id}"
        return
    path = Path(ctx.params.get("path") or "")
    if not path.is_file():
        raise JobFailed(FILE_GONE)
    yield path, path.name, path.name


def report_dict(report: importing.ImportReport) -> dict[str, Any]:
    """The report as JSON (the job's result and the API's body): counts, the problems, ``ok``."""
    data = dataclasses.asdict(report)
    data["ok"] = report.ok
    return data


def _checked(ctx: JobContext) -> importing.ImportReport | None:
    """The report of the check this commit follows (param ``checked``: a done, problem-free dry run
    of the same file in this village), so the file is not checked twice; else None."""
    try:
        check_id = uuid.UUID(str(ctx.params.get("checked")))
    except ValueError:
        return None
    check = ctx.session.get(Job, (ctx.tenant.id, check_id))
    if (
        check is None
        or check.kind != IMPORT
        or check.state != JobState.DONE
        or ctx.params.get("dry_run", True)
    ):
        return None
    same = all(check.params.get(k) == ctx.params.get(k) for k in ("document_id", "path"))
    result = check.result or {}
    if not same or not check.params.get("dry_run", True) or not result.get("ok"):
        return None
    return importing.ImportReport(result["layout"], rows=int(result["rows"]))


@job_kind(IMPORT, title=_l("Residents import"), retry_safe=True, permission=RESIDENTS_EDIT)
def run_import(ctx: JobContext) -> dict[str, Any]:
    """Check the file (always) and, unless ``dry_run``, write it: all or nothing.

    Params: ``document_id`` (an upload) or ``path`` (the CLI's file), ``dry_run`` (default true),
    ``checked`` (the id of the check job this commit follows), ``locale``.
    """
    dry_run = bool(ctx.params.get("dry_run", True))
    # Still allowed when it runs (a retry after a role was revoked); no permission: ServiceError.
    if ctx.user is not None and not scope_for(ctx.user, ctx.tenant, RESIDENTS_EDIT).village_wide:
        raise JobFailed(NO_LONGER_ALLOWED)
    with ctx.locale(), _source(ctx) as (file, filename, source):
        # A ServiceError (empty file, unknown header, a conflict) fails the job with its message.
        total = importing.estimate_rows(file, filename)
        ctx.progress(0, total, CHECKING)

        def checked(rows: int) -> None:
            ctx.check_cancelled()
            ctx.progress(rows, max(total or 0, rows), CHECKING)

        report = _checked(ctx)  # a commit right after its check: the write pass checks each row again
        if report is None:
            report = importing.plan_import(ctx.session, ctx.tenant, file, filename, progress=checked)
        if dry_run:
            ctx.progress(report.rows, report.rows, CHECKING)
            return {"dry_run": True, "document_id": ctx.params.get("document_id"), **report_dict(report)}
        if not report.ok:
            raise JobFailed(FILE_HAS_PROBLEMS, count=report.problem_count)
        ctx.progress(0, report.rows, WRITING)

        def written(rows: int) -> None:
            ctx.check_cancelled()
            ctx.progress(rows, report.rows, WRITING)

        done = importing.commit_import(
            ctx.session,
            ctx.tenant,
            file,
            filename,
            actor=ctx.user,
            plan=report,
            progress=written,
            source=source,
            commit=False,  # the runner commits the rows with the job's "done": one transaction
        )
    ctx.progress(done.rows, done.rows, WRITING)
    return {"dry_run": False, "document_id": ctx.params.get("document_id"), **report_dict(done)}


def _counted(ctx: JobContext, rows: Iterator[list[Any]], total: int) -> Iterator[list[Any]]:
    for n, row in enumerate(rows, 1):
        yield row
        if n % importing.PROGRESS_EVERY == 0:
            ctx.check_cancelled()
            ctx.progress(n, total, EXPORTING)


def _export_query(ctx: JobContext, filters: dict[str, Any]) -> Any:
    """The residents to export: the village (sorted by KK), or a list's filters within what the
    starter sees (a hamlet head: their hamlet), as on the page that started it."""
    if ctx.user is None:  # the starter's account was deleted: no scope to export within
        raise JobFailed(NO_STARTER)
    scope = scope_for(ctx.user, ctx.tenant, RESIDENTS_EDIT)  # no longer allowed: ServiceError
    if not filters and scope.village_wide:
        return None
    return listing.RESIDENTS.query(listing.visible(scope), filters)


def _store_export(ctx: JobContext, path: Path, fmt: str, filters: dict[str, Any]) -> Any:
    tenant = ctx.tenant
    with path.open("rb") as stream:
        return output.store_output(  # commits the document (and the audit event) itself
            ctx,
            stream,
            path.name,
            title=_("Residents of %(village)s, %(date)s", village=tenant.name, date=date.today().isoformat()),
            kind="spreadsheet",
            plugin=PLUGIN,
            object_id=EXPORT_OBJECT,
            event="smart_government.residents.exported",
            target=f"tenant:{tenant.id}",
            format=fmt,
            filters=filters,
        )


def store_upload(session: Any, tenant: Any, user: Any, stream: IO[bytes], filename: str | None) -> Any:
    """Keep an uploaded spreadsheet as the import's input document (staff only; read through the
    job's file link). Commits ``session``."""
    return documents.store(
        tenant,
        documents.NewFile(stream, filename or "upload.csv"),
        title=_("Residents import: %(name)s", name=filename or "file"),
        kind="spreadsheet",
        plugin=PLUGIN,
        object_id=IMPORT_OBJECT,
        visibility=Visibility.STAFF,
        actor=user,
        session=session,
    )


@job_kind(
    EXPORT,
    title=_l("Residents export"),
    retry_safe=True,  # a retry finds the document an earlier attempt stored (jobs.output)
    permission=RESIDENTS_EDIT,
    all_or_nothing=False,
)
def run_export(ctx: JobContext) -> dict[str, Any]:
    """Residents in the import template, stored as the job's document: the whole village, or a
    list too long to download at once. Params: ``format`` (``csv``/``xlsx``), ``filters`` (the
    list's, optional), ``locale``."""
    fmt = ctx.params.get("format") or tabular.CSV
    if fmt not in exporting.FORMATS:
        raise JobFailed("Export as csv or xlsx.")
    filters = {str(k): str(v) for k, v in (ctx.params.get("filters") or {}).items()}
    with ctx.locale():
        session, tenant = ctx.session, ctx.tenant
        stmt = _export_query(ctx, filters)
        counted = select(Resident.id) if stmt is None else stmt.order_by(None).with_only_columns(Resident.id)
        total = session.scalar(select(func.count()).select_from(counted.subquery())) or 0
        ctx.progress(0, total, EXPORTING)
        name = f"residents-{tenant.slug}-{date.today().isoformat()}.{fmt}"
        earlier = output.stored_output(ctx)
        if earlier is not None:  # a retry: the first attempt stored it before its worker stopped
            ctx.attach(earlier)
            ctx.output_kept = True
            return {"rows": total, "format": fmt, "document_id": str(earlier.id), "filename": name}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            rows = _counted(ctx, exporting.rows(session, stmt), total)
            count = tabular.write(path, importing.TEMPLATE_COLUMNS, rows, fmt, sheet=exporting.SHEET)
            document = _store_export(ctx, path, fmt, filters)
    ctx.progress(count, count, EXPORTING)
    return {"rows": count, "format": fmt, "document_id": str(document.id), "filename": name}


def submit_export(
    session: Any, tenant: Any, user: Any, fmt: str, filters: dict[str, Any] | None = None
) -> Job:
    """Start an export job (commits ``session``); ``filters`` are a list's (page names)."""
    clean = {
        str(k): str(v)
        for k, v in (filters or {}).items()
        if k not in ("format", "page") and v not in (None, "")
    }
    params = {"format": fmt, "filters": clean, "locale": str(get_locale() or "")}
    return jobs.submit(session, tenant, EXPORT, params, user)
