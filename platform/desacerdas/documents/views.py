"""Pages under ``/desa/<slug>/documents``.

Access, in short: the list and the upload form need a signed-in member who may see or upload
documents; a document's page and its downloads follow ``readable_by`` (public documents need no
sign-in), and anything not readable is 404. Staff with ``documents.manage`` upload with any
visibility and kind; residents (``documents.upload``) upload their own papers only: visible to
them and the staff, of a personal kind.

The upload form works as a plain multipart POST. On the upload page a small script sends the same
form with XMLHttpRequest to show progress; it asks for JSON (``Accept: application/json``) and gets
``{"url": …}`` on success or ``{"error": {"status", "code", "message", "fields"}}`` on failure.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from ..api.documents import personal_clause, personal_refused
from ..auth.permissions import can, can_see_village
from ..extensions import db
from ..models import Document, Tenant, User, Visibility
from ..plugin_system.types import DocumentKind
from ..services import NotFound, ServiceError
from ..services import documents as docs
from ..services.filetypes import KNOWN
from ..web.downloads import send_version
from ..web.errors import error_response
from ..web.pagination import page_links, paginate
from ..web.tenant import current_tenant, make_tenant_blueprint
from .forms import ConfirmForm, FilterForm, UploadForm, VersionForm

bp = make_tenant_blueprint("documents", __name__, url_prefix="/desa/<slug>/documents")

# Residents upload their own papers: a photo, their KTP or KK, or a plain document.
RESIDENT_KINDS = ("photo", "identity", "general")

VISIBILITY_CHOICES = {
    Visibility.STAFF: _l("Village staff only"),
    Visibility.OWNER: _l("The owner and the village staff"),
    Visibility.PUBLIC: _l("Public: anyone with the link"),
}
VISIBILITY_BADGES = {
    Visibility.STAFF: _l("Staff only"),
    Visibility.OWNER: _l("Owner and staff"),
    Visibility.PUBLIC: _l("Public"),
}
UNITS = ("B", "KB", "MB", "GB", "TB")


# --- helpers for the templates -------------------------------------------------------------------


def human_size(size: int | None) -> str:
    """1536 → "1.5 KB" (with the language's decimal mark)."""
    value, unit = float(size or 0), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value, unit = value / 1024, unit + 1
    number = format_decimal(round(value, 1 if unit else 0), format="#,##0.#")
    return f"{number} {UNITS[unit]}"


def _type_label(content_type: str) -> str:
    known = KNOWN.get(content_type)
    return known.extension.upper() if known else content_type


@bp.context_processor
def _helpers() -> dict[str, Any]:
    tenant = g.get("tenant")  # None on the 404 page of an unknown village
    kinds = docs.kinds_for(tenant) if tenant is not None else {}
    return {
        "human_size": human_size,
        "type_label": _type_label,
        "kind_label": lambda key: kinds[key].label if key in kinds else key,
        "visibility_badge_label": lambda v: str(VISIBILITY_BADGES[Visibility(v)]),
        "visibility_label": lambda v: str(VISIBILITY_CHOICES[Visibility(v)]),
    }


# --- access --------------------------------------------------------------------------------------


def _user() -> User | None:
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _may_manage(tenant: Tenant) -> bool:
    return can(_user(), "documents.manage", tenant)


def _may_upload(tenant: Tenant) -> bool:
    return _may_manage(tenant) or can(_user(), "documents.upload", tenant)


def _may_list(tenant: Tenant) -> bool:
    return can(_user(), "documents.view", tenant) or _may_upload(tenant)


def _refuse(tenant: Tenant) -> None:
    """Outsiders of the village get 404 (nothing to see here), members without the right 403."""
    abort(404 if not can_see_village(_user(), tenant) else 403)


def _readable(tenant: Tenant, document_id: uuid.UUID, *, deleted: bool = False) -> Document:
    """The document if this visitor may read it; else 404, exactly as for an unknown id.

    With ``deleted``, staff who manage documents also get deleted ones (to restore them).
    """
    include_deleted = deleted and _may_manage(tenant)
    try:
        document = docs.get(document_id, include_deleted=include_deleted)
    except NotFound:
        abort(404)
    if not docs.readable_by(_user(), tenant, document):
        abort(404)
    if personal_refused(_user(), tenant, document):
        abort(403, _("This document holds a resident's personal data; your role sees it only masked."))
    return document


def _writable(tenant: Tenant, document_id: uuid.UUID) -> Document:
    document = _readable(tenant, document_id)
    if not docs.writable_by(_user(), tenant, document):
        abort(403)  # they can read it, so its existence is no secret
    return document


def _wants_json() -> bool:
    """The upload script asks for JSON; a plain form post gets pages."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


# --- list ----------------------------------------------------------------------------------------


def _deleted_query(kind: str | None, q: str | None) -> Select:
    """Deleted documents still within their retention period (for staff who may restore them)."""
    stmt = select(Document).where(Document.deleted_at.is_not(None))
    if kind:
        stmt = stmt.where(Document.kind == kind)
    if q:
        stmt = stmt.where(func.lower(Document.title).contains(q.strip().lower(), autoescape=True))
    return stmt.order_by(Document.deleted_at.desc(), Document.id)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Documents this user may see, newest first; filters and paging live in the URL."""
    tenant = current_tenant()
    if not _may_list(tenant):
        _refuse(tenant)
    kinds = docs.kinds_for(tenant)
    form = FilterForm(formdata=request.args)
    form.validate()
    form.kind.choices = [("", _("All kinds"))] + [(key, k.label) for key, k in kinds.items()]
    kind = form.kind.data if form.kind.data in kinds else None
    q = None if form.q.errors else (form.q.data or "").strip() or None
    deleted = request.args.get("deleted") == "1" and _may_manage(tenant)
    stmt = _deleted_query(kind, q) if deleted else docs.visible_query(_user(), tenant, kind=kind, q=q)
    personal = personal_clause(_user(), tenant)
    if personal is not None:
        stmt = stmt.where(personal)
    pagination = paginate(stmt.options(selectinload(Document.versions)))
    return render_template(
        "documents/list.html",
        form=form,
        pagination=pagination,
        page_url=page_links("documents.index"),
        filtered=bool(kind or q),
        deleted=deleted,
        may_upload=_may_upload(tenant),
        may_manage=_may_manage(tenant),
    )


# --- upload --------------------------------------------------------------------------------------


def _kinds_for_upload(tenant: Tenant) -> dict[str, DocumentKind]:
    kinds = docs.kinds_for(tenant)
    if _may_manage(tenant):
        return kinds
    return {key: kinds[key] for key in RESIDENT_KINDS if key in kinds}


def _accept(kinds: dict[str, DocumentKind]) -> tuple[str, list[str]]:
    """The file input's ``accept`` list (types and extensions) and the names shown in the hint."""
    types = sorted({t for kind in kinds.values() for t in docs.allowed_types(kind)})
    extensions = [KNOWN[t].extension for t in types if t in KNOWN]
    accept = types + [f".{e}" for e in extensions] + ([".jpeg"] if "jpg" in extensions else [])
    return ",".join(accept), sorted(e.upper() for e in extensions)


def _max_mb() -> str:
    return format_decimal(round(docs.max_bytes() / 1024 / 1024, 1), format="#,##0.#")


def _file_hint(kinds: dict[str, DocumentKind]) -> tuple[dict[str, str], str]:
    accept, names = _accept(kinds)
    hint = _(
        "Accepted: %(types)s, up to %(mb)s MB. The type is checked from the content, not the name.",
        types=", ".join(names),
        mb=_max_mb(),
    )
    return {"accept": accept}, hint


def _upload_form(tenant: Tenant, **kwargs: Any) -> UploadForm:
    form = UploadForm(**kwargs)
    kinds = _kinds_for_upload(tenant)
    form.kind.choices = [(key, kind.label) for key, kind in kinds.items()]
    visibilities = list(Visibility) if _may_manage(tenant) else [Visibility.OWNER]
    form.visibility.choices = [(v.value, str(VISIBILITY_CHOICES[v])) for v in visibilities]
    if not form.is_submitted():  # a posted form must say what it wants
        form.kind.data = form.kind.data or ("general" if "general" in kinds else None)
        form.visibility.data = form.visibility.data or visibilities[0].value
    form.file.render_kw, form.file.description = _file_hint(kinds)
    return form


def _render_upload(form: UploadForm, status: int = 200, form_error: str | None = None) -> ResponseReturnValue:
    return render_template(
        "documents/upload.html",
        form=form,
        form_error=form_error,
        max_bytes=docs.max_bytes(),
        max_mb=_max_mb(),
    ), status


def _field_errors(form: UploadForm | VersionForm) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items() if errors}


def _json_error(status: int, code: str, message: str, fields: dict | None = None) -> ResponseReturnValue:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status


def _attach(form: UploadForm | VersionForm, exc: ServiceError) -> str | None:
    """Put a refused upload's message on the field it is about; return it if it is about none."""
    target = {
        "too_large": form.file,
        "quota_exceeded": form.file,
        "unsupported_type": form.file,
        "title_required": getattr(form, "title", None),
        "unknown_kind": getattr(form, "kind", None),
    }.get(exc.code)
    if target is None:
        return exc.message
    target.errors = [*target.errors, exc.message]
    return None


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> ResponseReturnValue:
    tenant = current_tenant()
    if not _may_upload(tenant):
        _refuse(tenant)
    form = _upload_form(tenant)
    if not form.is_submitted():
        return _render_upload(form)
    if not form.validate():
        if _wants_json():
            fields = _field_errors(form)
            labels = {name: getattr(form, name).label.text for name in fields}
            message = " ".join(f"{labels[n]}: {' '.join(errs)}" for n, errs in fields.items())
            return _json_error(400, "validation_error", message, fields)
        return _render_upload(form, 400)
    upload_file = form.file.data
    try:
        document = docs.store(
            tenant,
            docs.NewFile(upload_file.stream, upload_file.filename),
            title=form.title.data,
            kind=form.kind.data,
            visibility=Visibility(form.visibility.data),
            actor=current_user,
        )
    except ServiceError as exc:
        db.session.rollback()  # nothing of a refused upload may be written
        if _wants_json():
            return _json_error(exc.status, exc.code, exc.message)
        return _render_upload(form, exc.status, _attach(form, exc))
    flash(_("Document %(title)s uploaded.", title=document.title), "success")
    url = url_for("documents.detail", document_id=document.id)
    if _wants_json():
        return jsonify(id=str(document.id), url=url), 201
    return redirect(url)


@bp.errorhandler(RequestEntityTooLarge)
def _request_too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body above MAX_CONTENT_LENGTH is refused before the form is read: say so in the form."""
    db.session.rollback()
    message = _("The file is larger than the limit of %(mb)s MB.", mb=_max_mb())
    if _wants_json():
        return _json_error(413, "too_large", message)
    if request.endpoint == "documents.upload" and _may_upload(current_tenant()):
        form = _upload_form(current_tenant(), formdata=None)
        form.file.errors = [message]
        return _render_upload(form, 413)
    return error_response(413, message, "too_large")


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError) -> ResponseReturnValue:
    message = _("The form expired or was not sent from this site. Please try again.")
    if _wants_json():
        return _json_error(400, "csrf", message)
    return error_response(400, message, "csrf")


# --- detail, versions, delete, restore -----------------------------------------------------------


def _people(document: Document) -> dict[str, User | None]:
    ids = {document.owner_id, document.uploaded_by, *(v.uploaded_by for v in document.versions)}
    ids.discard(None)
    found = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return found


def _render_detail(
    tenant: Tenant, document: Document, status: int = 200, version_form: VersionForm | None = None
) -> ResponseReturnValue:
    user = _user()
    writable = docs.writable_by(user, tenant, document)
    version_form = version_form or VersionForm(formdata=None)
    kind = docs.kinds_for(tenant).get(document.kind) or DocumentKind(document.kind, document.kind)
    version_form.file.render_kw, version_form.file.description = _file_hint({kind.key: kind})
    return render_template(
        "documents/detail.html",
        document=document,
        current=docs.version(document),
        versions=sorted(document.versions, key=lambda v: v.number, reverse=True),
        people=_people(document),
        show_people=writable or docs.is_staff(user, tenant),
        may_list=_may_list(tenant),
        writable=writable and document.deleted_at is None,
        may_restore=_may_manage(tenant) and document.deleted_at is not None,
        version_form=version_form,
        confirm_form=ConfirmForm(formdata=None),
        retention_days=current_app.config["DOCUMENT_RETENTION_DAYS"],
        max_mb=_max_mb(),
    ), status


@bp.get("/<uuid:document_id>")
def detail(document_id: uuid.UUID) -> ResponseReturnValue:
    tenant = current_tenant()
    return _render_detail(tenant, _readable(tenant, document_id, deleted=True))


@bp.post("/<uuid:document_id>/versions")
@login_required
def add_version(document_id: uuid.UUID) -> ResponseReturnValue:
    tenant = current_tenant()
    document = _writable(tenant, document_id)
    form = VersionForm()
    if not form.validate():
        return _render_detail(tenant, document, 400, form)
    upload_file = form.file.data
    try:
        v = docs.add_version(
            tenant, document, docs.NewFile(upload_file.stream, upload_file.filename), actor=current_user
        )
    except ServiceError as exc:
        db.session.rollback()
        document = _readable(tenant, document_id)
        form_error = _attach(form, exc)
        if form_error:
            form.file.errors = [*form.file.errors, form_error]
        return _render_detail(tenant, document, exc.status, form)
    flash(_("Version %(number)s uploaded.", number=v.number), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.post("/<uuid:document_id>/delete")
@login_required
def delete(document_id: uuid.UUID) -> ResponseReturnValue:
    tenant = current_tenant()
    document = _writable(tenant, document_id)
    if not ConfirmForm().validate():
        abort(400)
    docs.soft_delete(tenant, document, actor=current_user)
    flash(
        _(
            "Document %(title)s deleted. Its files are removed for good after %(days)s days.",
            title=document.title,
            days=current_app.config["DOCUMENT_RETENTION_DAYS"],
        ),
        "success",
    )
    return redirect(url_for("documents.index"))


@bp.post("/<uuid:document_id>/restore")
@login_required
def restore(document_id: uuid.UUID) -> ResponseReturnValue:
    tenant = current_tenant()
    if not _may_manage(tenant):
        abort(404)
    document = _readable(tenant, document_id, deleted=True)
    if not ConfirmForm().validate():
        abort(400)
    if document.deleted_at is not None:
        docs.restore(tenant, document, actor=current_user)
        flash(_("Document %(title)s restored.", title=document.title), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


# --- download ------------------------------------------------------------------------------------


@bp.get("/<uuid:document_id>/download")
def download(document_id: uuid.UUID) -> ResponseReturnValue:
    """The current version, or ``?version=N``; streamed, with ETag and range requests."""
    tenant = current_tenant()
    document = _readable(tenant, document_id)
    number = None
    if "version" in request.args:
        number = request.args.get("version", type=int)
        if number is None or number < 1:
            abort(404)
    try:
        v = docs.version(document, number)
    except NotFound:
        abort(404)
    return send_version(v, document.visibility)
