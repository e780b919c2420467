"""Pages to import residents from a spreadsheet (check, then commit all or nothing) and to
export the registry, on the registry's blueprint.
"""

from __future__ import annotations

import tempfile
import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from desacerdas.extensions import db
from desacerdas.kit.access import Access, require
from desacerdas.kit.forms import handle
from desacerdas.models import Visibility
from desacerdas.services import ServiceError, documents

from .. import importing
from ..pages import ConfirmForm, Routes
from ..permissions import RESIDENTS_EDIT
from . import exporting, listing
from .views import REQUIRED

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


# -- import and export -----------------------------------------------------------------------------

PLUGIN = "smart_government"
IMPORT_OBJECT = "registry-import"  # the object_id of uploaded import files (documents, staff only)
SHOWN_PROBLEMS = 100
IMPORT_TEMPLATE = "smart_government/registry/import.html"


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[FileRequired(message=REQUIRED)],
        description=_l("The platform template (as exported here) or the SIAK export."),
    )


def _import_access() -> Access:
    """Imports write anywhere in the village: the edit permission for the whole village (404 to
    outsiders, 403 to a hamlet head or without the permission)."""
    access = require(RESIDENTS_EDIT)
    if not access.scope.village_wide:
        abort(403)
    return access


def _import_document(document_id: uuid.UUID) -> Any:
    """The stored upload: a spreadsheet of this village uploaded for an import, else 404."""
    document = documents.get(document_id, db.session)  # another village's id: NotFound → 404
    if (document.plugin, document.kind, document.object_id) != (PLUGIN, "spreadsheet", IMPORT_OBJECT):
        abort(404)
    return document


def _read_document(document: Any) -> tuple[Any, str]:
    """The document's current file, spooled (memory up to 1 MiB, then disk), and its file name."""
    current = documents.version(document)
    spooled = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - closed by the caller
    for chunk in documents.open_version(current):
        spooled.write(chunk)
    spooled.seek(0)
    return spooled, current.filename


def _render_import(
    form: FlaskForm, *, report: Any = None, document: Any = None, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            IMPORT_TEMPLATE,
            form=form,
            confirm=ConfirmForm(),
            report=report,
            document=document,
            form_error=error,
            shown=SHOWN_PROBLEMS,
        ),
        status,
    )


@routes.route("/residents/import", methods=["GET", "POST"])
@login_required
def import_residents() -> ResponseReturnValue:
    """Step 1: upload. The file is stored as a staff-only document and checked (the dry run)."""
    tenant, _scope, user = _import_access()
    form = ImportForm()

    def store() -> Any:
        upload = form.file.data
        return documents.store(  # commits the document itself
            tenant,
            documents.NewFile(upload.stream, upload.filename),
            title=_("Residents import: %(name)s", name=upload.filename or "file"),
            kind="spreadsheet",
            plugin=PLUGIN,
            object_id=IMPORT_OBJECT,
            visibility=Visibility.STAFF,
            actor=user,
            session=db.session,
        )

    return handle(
        form,
        store,
        template=IMPORT_TEMPLATE,
        on_success=lambda document: redirect(url_for(".import_report", document_id=document.id)),
        commit=False,
        confirm=ConfirmForm(),
        report=None,
        document=None,
        shown=SHOWN_PROBLEMS,
    )


@routes.route("/residents/import/<uuid:document_id>")
@login_required
def import_report(document_id: uuid.UUID) -> ResponseReturnValue:
    """Step 2: the dry run's report (run again on every view: the registry may have changed)."""
    tenant = _import_access().tenant
    document = _import_document(document_id)
    file, filename = _read_document(document)
    with file:
        try:
            report = importing.plan_import(db.session, tenant, file, filename)
        except ServiceError as exc:
            return _render_import(ImportForm(), document=document, error=exc.message, status=exc.status)
    return _render_import(ImportForm(), report=report, document=document)


@routes.route("/residents/import/<uuid:document_id>/commit", methods=["POST"])
@login_required
def commit_import(document_id: uuid.UUID) -> ResponseReturnValue:
    """Step 3: write the stored file, all or nothing."""
    tenant, _scope, user = _import_access()
    confirm = ConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    document = _import_document(document_id)
    file, filename = _read_document(document)
    with file:
        try:
            done = importing.commit_import(
                db.session, tenant, file, filename, actor=user, source=f"document:{document.id}"
            )
        except ServiceError as exc:
            try:
                report = importing.plan_import(db.session, tenant, file, filename)
            except ServiceError:
                report = None
            return _render_import(
                ImportForm(), report=report, document=document, error=exc.message, status=exc.status
            )
    flash(
        _(
            "Imported: %(created)s residents registered, %(updated)s updated, %(skipped)s unchanged.",
            created=done.residents.create,
            updated=done.residents.update,
            skipped=done.residents.skip,
        ),
        "success",
    )
    return redirect(url_for(".residents"))


@routes.route("/residents/export")
@login_required
def export_residents() -> ResponseReturnValue:
    """The list's residents (same filters, same hamlet scope) as CSV or XLSX in the import template."""
    tenant, scope, user = require(RESIDENTS_EDIT)
    args = request.args
    fmt = args.get("format", "csv")
    if fmt not in exporting.FORMATS:
        abort(400, _("Export as csv or xlsx."))
    stmt = listing.RESIDENTS.query(listing.visible(scope), args)  # a bad filter: ListError → 400
    return exporting.response(db.session, tenant, stmt, fmt, actor=user, filters=dict(args))
