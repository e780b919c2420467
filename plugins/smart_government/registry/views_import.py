"""Pages to import residents from a spreadsheet (check, then commit all or nothing) and to
export the registry, on the registry's blueprint.

The check (the dry run) and the commit run as background jobs (``registry/jobs.py``): the upload
is stored as a document (read through the job's file link, which checks the edit permission), a
job reads it, and the job's page here shows its progress
and then its report (``job.result``). The export of a list stays a download (it streams); the
export of the whole village is a job whose output is a document.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from desacerdas import jobs
from desacerdas.extensions import db
from desacerdas.jobs import labels
from desacerdas.kit.access import Access, require
from desacerdas.kit.forms import handle
from desacerdas.models import Job, JobState
from desacerdas.services import NotFound, documents

from ..pages import ConfirmForm, Routes
from ..permissions import RESIDENTS_EDIT
from . import exporting, listing
from . import jobs as registry_jobs
from .forms import REQUIRED

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


# -- import and export -----------------------------------------------------------------------------

PLUGIN = registry_jobs.PLUGIN
IMPORT_OBJECT = registry_jobs.IMPORT_OBJECT
SHOWN_PROBLEMS = 100
IMPORT_TEMPLATE = "smart_government/registry/import.html"
JOB_TEMPLATE = "smart_government/registry/import_job.html"


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(message=REQUIRED)],
        description=_l("The platform template (as exported here) or the SIAK export."),
    )


class ExportForm(FlaskForm):
    format = SelectField(
        _l("Format"), choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "XLSX")], default="csv"
    )


def _import_access() -> Access:
    """Imports write anywhere in the village: the edit permission for the whole village (404 to
    outsiders, 403 to a hamlet head or without the permission)."""
    access = require(RESIDENTS_EDIT)
    if not access.scope.village_wide:
        abort(403)
    return access


def _locale() -> str:
    return str(get_locale() or "")


def _import_job(job_id: uuid.UUID) -> Job:
    """An import job of this village the user may see (theirs; a village admin: all), else 404
    (another village's id, another member's job, another kind of job)."""
    access = _import_access()
    try:
        job = jobs.get_visible(db.session, access.tenant, access.user, job_id)
    except NotFound:
        abort(404)
    if job.kind != registry_jobs.IMPORT:
        abort(404)
    return job


def _submit_import(access: Access, document_id: Any, *, dry_run: bool, checked: Job | None = None) -> Job:
    params = {"document_id": str(document_id), "dry_run": dry_run, "locale": _locale()}
    if checked is not None:
        params["checked"] = str(checked.id)  # the commit need not check the file a second time
    return jobs.submit(db.session, access.tenant, registry_jobs.IMPORT, params, access.user)


@routes.route("/residents/import", methods=["GET", "POST"])
@login_required
def import_residents() -> ResponseReturnValue:
    """Step 1: upload. The file is stored as a staff-only document, then checked by a job."""
    access = _import_access()
    tenant, user = access.tenant, access.user
    form = ImportForm()

    def store() -> Job:
        upload = form.file.data
        document = registry_jobs.store_upload(db.session, tenant, user, upload.stream, upload.filename)
        return _submit_import(access, document.id, dry_run=True)

    return handle(
        form,
        store,
        template=IMPORT_TEMPLATE,
        on_success=lambda job: redirect(url_for(".import_job", job_id=job.id)),
        commit=False,
        export_form=ExportForm(formdata=None),
    )


@routes.route("/residents/import/jobs/<uuid:job_id>")
@login_required
def import_job(job_id: uuid.UUID) -> ResponseReturnValue:
    """Step 2: the job's progress while it runs, then its report (the check's or the commit's)."""
    job = _import_job(job_id)
    report = labels.result_of(job) if job.state == JobState.DONE else None
    document = None
    if job.params.get("document_id"):
        try:
            document = registry_jobs.import_document(db.session, job.params["document_id"])
        except documents.NotFound:
            document = None
    return render_template(
        JOB_TEMPLATE,
        job=job,
        report=report,
        document=document,
        dry_run=bool(job.params.get("dry_run", True)),
        error=labels.error_text(job) if job.state in (JobState.FAILED, JobState.CANCELLED) else None,
        state=labels.state_label(job.state),
        phase=registry_jobs.phase_label(job.phase),
        confirm=ConfirmForm(),
        form=ImportForm(formdata=None),
        shown=SHOWN_PROBLEMS,
    )


@routes.route("/residents/import/jobs/<uuid:job_id>/commit", methods=["POST"])
@login_required
def commit_import(job_id: uuid.UUID) -> ResponseReturnValue:
    """Step 3: write the checked file, all or nothing, as another job."""
    access = _import_access()
    check = _import_job(job_id)
    confirm = ConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    report = labels.result_of(check) if check.state == JobState.DONE else None
    uploaded = check.params.get("document_id")  # a check run by the CLI read a path: not here
    if not check.params.get("dry_run", True) or not report or not report.get("ok") or not uploaded:
        flash(_("Only a file checked without problems can be imported."), "error")
        return redirect(url_for(".import_job", job_id=check.id), 303)
    job = _submit_import(access, uploaded, dry_run=False, checked=check)
    return redirect(url_for(".import_job", job_id=job.id))


@routes.route("/residents/export/all", methods=["POST"])
@login_required
def export_all() -> ResponseReturnValue:
    """Every resident of the village as a file, made by a job (its page links the document)."""
    access = _import_access()
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    job = registry_jobs.submit_export(db.session, access.tenant, access.user, form.format.data)
    return redirect(jobs.job_url(job))


@routes.route("/residents/export")
@login_required
def export_residents() -> ResponseReturnValue:
    """The list's residents (same filters, same hamlet scope) as CSV or XLSX in the import template;
    a list longer than ``SYNC_EXPORT_MAX`` is made by a job instead (its page links the file)."""
    tenant, scope, user = require(RESIDENTS_EDIT)
    args = request.args
    fmt = args.get("format", "csv")
    if fmt not in exporting.FORMATS:
        abort(400, _("Export as csv or xlsx."))
    stmt = listing.RESIDENTS.query(listing.visible(scope), args)  # a bad filter: ListError → 400
    if exporting.count(db.session, stmt) > registry_jobs.SYNC_EXPORT_MAX:
        job = registry_jobs.submit_export(db.session, tenant, user, fmt, dict(args))
        flash(_("This list is long: its file is being made in the background."), "info")
        return redirect(jobs.job_url(job))
    return exporting.response(db.session, tenant, stmt, fmt, actor=user, filters=dict(args))
