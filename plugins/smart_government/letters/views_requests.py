"""Staff pages of letter requests: the queue (a hamlet head sees their hamlet's), one request with
its timeline and the next actions, its attachments, the issued PDF and revoking a letter.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from desacerdas.auth.permissions import can
from desacerdas.extensions import db
from desacerdas.jobs import job_url
from desacerdas.kit import terms
from desacerdas.kit.access import require, visible_village
from desacerdas.models import Tenant, Visibility
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.personal_data import Viewer
from desacerdas.web.downloads import send_version

from ..pages import ConfirmForm, Routes, hamlet_names
from ..permissions import LETTERS_CONFIGURE, LETTERS_ISSUE, LETTERS_PROCESS, LETTERS_VIEW
from ..registry.models import Resident
from . import batch, issuing
from . import requests as letters
from .forms import ActionForm, QueueFilter
from .models import LetterRequest, LetterType, RequestStatus
from .pdf import DELEGATION_PREFIXES
from .views import T, _names, _service, _types
from .workflow import ACTIONS, FLOW, next_actor

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


def _personal_refused() -> str:
    return _("This holds a resident's personal data; your role sees it only masked.")


def _viewer(tenant: Tenant) -> Viewer:
    return Viewer(db.session, current_user, tenant)


def _resident_of(request_id: uuid.UUID) -> uuid.UUID | None:
    return db.session.scalar(select(LetterRequest.resident_id).where(LetterRequest.id == request_id))


def _refuse_personal(tenant: Tenant, resident_id: uuid.UUID | None) -> None:
    """A regency admin or a facilitator (masked) gets 403 for a resident's files, unless they
    opened that resident's full data with a reason (issue 11)."""
    viewer = _viewer(tenant)
    if viewer.masking and not viewer.is_open(resident_id):
        abort(403, _personal_refused())


# -- the staff queue -------------------------------------------------------------------------------


@routes.route("/letters/requests")
@login_required
def letter_requests() -> ResponseReturnValue:
    tenant, _scope, user = require(LETTERS_VIEW)
    form = QueueFilter(request.args)
    types = _types()
    form.status.choices = [("", _("Open requests")), ("all", _("All"))] + [
        (s.value, FLOW.state_label(s)) for s in RequestStatus
    ]
    form.type.choices = [("", _("All letters"))] + [
        (str(t.id), t.title) for t in sorted(types.values(), key=lambda t: (t.position, t.title))
    ]
    status = request.args.get("status") or None
    type_id = request.args.get("type") or None
    try:
        stmt = letters.queue(db.session, tenant, user)
    except ServiceError as exc:
        abort(exc.status)
    args = {"status": status or "open", "type": type_id or "", "page": request.args.get("page", "")}
    pagination = letters.QUEUE.apply(stmt, args)
    return render_template(
        T + "queue.html",
        form=form,
        pagination=pagination,
        page_url=pagination.page_url("smart_government.letters.letter_requests"),
        people=_names({r.resident_id for r in pagination.items}),
        types=types,
        hamlets=hamlet_names(),
        filtered=bool(status or type_id),
        may_enter=can(user, LETTERS_PROCESS, tenant),
        may_configure=can(user, LETTERS_CONFIGURE, tenant),
        terms=terms.terms_for(tenant),
        batch_form=ConfirmForm(formdata=None),
    )


@routes.route("/letters/batch", methods=["POST"])
@login_required
def letters_pdf_batch() -> ResponseReturnValue:
    """The chosen requests' issued letters as one ZIP document, made by a job (its page links it)."""
    tenant, _scope, user = require(LETTERS_VIEW)
    if _viewer(tenant).masking:
        abort(403, _personal_refused())
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = batch.letters_of_requests(db.session, tenant, user, request.form.getlist("requests"))
    if not ids:
        flash(_("Choose at least one issued letter."), "error")
        return redirect(url_for(".letter_requests"), 303)
    return redirect(job_url(batch.start(db.session, tenant, user, ids)))


# -- one request -----------------------------------------------------------------------------------


def _render_request(
    tenant: Tenant,
    req: LetterRequest,
    form: ActionForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    letter_type = db.session.scalar(select(LetterType).where(LetterType.id == req.type_id))
    viewer = _viewer(tenant)
    resident = viewer.show(db.session.scalar(select(Resident).where(Resident.id == req.resident_id)))
    actions = letters.allowed_actions(db.session, tenant, current_user, req)
    form = form or ActionForm(formdata=None)
    is_head = letters._is_village_head(current_user, tenant)  # noqa: SLF001
    form.prefix.choices = [("", "—"), *((p, p) for p in DELEGATION_PREFIXES)]
    letter = issuing.letter_for_request(db.session, req)
    hamlets = hamlet_names()
    return render_template(
        T + "request.html",
        req=req,
        letter_type=letter_type,
        resident=resident,
        steps=letters.timeline(req),
        actions=actions,
        form=form,
        form_error=error,
        is_head=is_head,
        own_title=letters.own_title(current_user, tenant),
        letter=letter,
        verification=issuing.verification(tenant, letter) if letter else None,
        may_revoke=letter is not None
        and letter.revoked_at is None
        and can(current_user, LETTERS_ISSUE, tenant),
        is_staff=can(current_user, LETTERS_VIEW, tenant),
        personal_masked=viewer.masking and not viewer.is_open(req.resident_id),
        hamlets=hamlets,
        next_step=next_actor(db.session, tenant, req, hamlets.get(req.hamlet_id)),
        confirm=ConfirmForm(formdata=None),
    ), status


@routes.route("/letters/requests/<uuid:request_id>")
@login_required
def letter_request(request_id: uuid.UUID) -> ResponseReturnValue:
    tenant = visible_village()
    req = _service(letters.get_request, db.session, tenant, current_user, request_id)
    return _render_request(tenant, req)


@routes.route("/letters/requests/<uuid:request_id>/<action>", methods=["POST"])
@login_required
def letter_request_action(request_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant = visible_village()
    if action not in ACTIONS:
        abort(404)
    req = _service(letters.get_request, db.session, tenant, current_user, request_id)
    form = ActionForm()
    form.prefix.choices = [("", "—"), *((p, p) for p in DELEGATION_PREFIXES)]
    if not form.validate():
        return _render_request(tenant, req, form, _("Some fields are not valid."), 400)
    try:
        letters.transition(
            db.session,
            tenant,
            req,
            current_user,
            action,
            reason=form.reason.data,
            note=form.note.data,
            prefix=form.prefix.data or None,
            title=form.title.data,
            id_line=form.id_line.data,
        )
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        req = _service(letters.get_request, db.session, tenant, current_user, request_id)
        return _render_request(tenant, req, form, exc.message, exc.status)
    messages = {
        "verify": _("The request is verified."),
        "approve": _("The request is approved."),
        "sign": _("The request is signed."),
        "issue": _("The letter is issued."),
        "reject": _("The request is rejected."),
        "cancel": _("The request is cancelled."),
    }
    flash(messages[action], "success")
    return redirect(url_for("smart_government.letters.letter_request", request_id=req.id))


@routes.route("/letters/requests/<uuid:request_id>/attachments/<key>")
@login_required
def letter_attachment(request_id: uuid.UUID, key: str) -> ResponseReturnValue:
    """An attachment of a request, for whoever may see the request (hamlet heads included)."""
    tenant = visible_village()
    req = _service(letters.get_request, db.session, tenant, current_user, request_id)
    document_id = (req.attachments or {}).get(key)
    if not document_id:
        abort(404)
    _refuse_personal(tenant, req.resident_id)
    document = _service(docs.get, uuid.UUID(document_id))
    return send_version(docs.version(document), Visibility.OWNER, attachment=False)


@routes.route("/letters/<uuid:letter_id>/pdf")
@login_required
def letter_download(letter_id: uuid.UUID) -> ResponseReturnValue:
    """The issued PDF (a reprint is the same stored file: same bytes, same SHA-256)."""
    tenant = visible_village()
    letter = _service(issuing.get_letter, db.session, tenant, current_user, letter_id)
    _refuse_personal(tenant, _resident_of(letter.request_id))
    version = _service(issuing.reprint, db.session, tenant, letter, current_user)
    return send_version(version, Visibility.OWNER, attachment=request.args.get("inline") != "1")


@routes.route("/letters/<uuid:letter_id>/revoke", methods=["POST"])
@login_required
def letter_revoke(letter_id: uuid.UUID) -> ResponseReturnValue:
    tenant = visible_village()
    letter = _service(issuing.get_letter, db.session, tenant, current_user, letter_id)
    form = ActionForm()
    form.prefix.choices = [("", "—")]
    req = db.session.scalar(select(LetterRequest).where(LetterRequest.id == letter.request_id))
    if not form.validate():
        return _render_request(tenant, req, form, _("Some fields are not valid."), 400)
    try:
        issuing.revoke(db.session, tenant, letter, current_user, form.reason.data)
    except ServiceError as exc:
        db.session.rollback()
        return _render_request(tenant, req, form, exc.message, exc.status)
    flash(_("The letter is revoked; its verification page says so."), "success")
    return redirect(url_for("smart_government.letters.letter_request", request_id=req.id))
