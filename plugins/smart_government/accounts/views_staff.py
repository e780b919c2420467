"""Staff pages of resident accounts: the registrations queue with the photos and the decision,
and a resident's account panel (open, reset the PIN, close). A PIN set by staff is shown once on
the response page (``Cache-Control: no-store``), never stored in plain.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from desacerdas.auth.permissions import can, can_see_village
from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs
from desacerdas.web.downloads import send_version
from desacerdas.web.pagination import page_links, paginate
from desacerdas.web.tenant import current_tenant

from ..pages import ConfirmForm, Routes, hamlet_names
from ..registry import service as registry
from . import registration, review
from . import service as accounts
from .forms import ApproveForm, QueueFilterForm, RejectForm
from .models import Registration
from .views import DATA_LABELS, KIND_LABELS, MANAGE, PHOTOS, REVIEW, SEX_LABELS, STATUS_LABELS, _no_store

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them


def _staff(permission: str) -> tuple[Tenant, uuid.UUID | None]:
    """The village and the reviewer's hamlet scope: 404 to outsiders, 403 without the permission."""
    tenant = current_tenant()
    if not can_see_village(current_user, tenant):
        abort(404)
    if not can(current_user, permission, tenant):
        abort(403)
    try:
        return tenant, registry.hamlet_scope_for(current_user, tenant)
    except ServiceError:
        abort(403)


# -- staff: the registrations queue --------------------------------------------------------------------


@routes.route("/registrations")
@login_required
def registrations() -> ResponseReturnValue:
    _tenant, scope = _staff(REVIEW)
    form = QueueFilterForm(request.args)
    form.status.choices = [("", _("Any")), *((k, str(v)) for k, v in STATUS_LABELS.items())]
    form.kind.choices = [("", _("Any")), *((k, str(v)) for k, v in KIND_LABELS.items())]
    args = request.args
    try:
        stmt = registration.search(
            db.session,
            status=args.get("status") or None,
            kind=args.get("kind") or None,
            q=args.get("q") or None,
            hamlet_scope=scope,
        )
    except ServiceError as exc:
        abort(400, exc.message)
    return render_template(
        "smart_government/accounts/registrations.html",
        form=form,
        pagination=paginate(stmt),
        page_url=page_links("smart_government.accounts.registrations"),
        hamlet_names=hamlet_names(),
        filtered=any(args.get(k) for k in ("q", "status", "kind")),
    )


def _render_registration(
    found: Registration, *, pin: str | None = None, status: int = 200, **forms: Any
) -> Response:
    response = make_response(
        render_template(
            "smart_government/accounts/registration.html",
            registration=found,
            hamlet_names=hamlet_names(),
            approve_form=forms.get("approve_form") or ApproveForm(formdata=None, open_account=True),
            reject_form=forms.get("reject_form") or RejectForm(formdata=None),
            form_error=forms.get("form_error"),
            pin=pin,
            photos={name: getattr(found, attr) for name, attr in PHOTOS.items()},
            sex_labels={k: str(v) for k, v in SEX_LABELS.items()},
            data_labels=DATA_LABELS,
        ),
        status,
    )
    return _no_store(response)


@routes.route("/registrations/<uuid:registration_id>")
@login_required
def registration_detail(registration_id: uuid.UUID) -> ResponseReturnValue:
    _tenant, scope = _staff(REVIEW)
    return _render_registration(registration.get(db.session, registration_id, hamlet_scope=scope))


@routes.route("/registrations/<uuid:registration_id>/photos/<any(ktp, kk, selfie):which>")
@login_required
def registration_photo(registration_id: uuid.UUID, which: str) -> ResponseReturnValue:
    """A photo of the request, for its reviewers (hamlet heads too, who cannot open staff documents)."""
    _tenant, scope = _staff(REVIEW)
    found = registration.get(db.session, registration_id, hamlet_scope=scope)
    document_id = getattr(found, PHOTOS[which])
    if document_id is None:
        abort(404)
    document = docs.get(document_id, db.session)
    return send_version(docs.version(document), document.visibility, attachment=False)


@routes.route("/registrations/<uuid:registration_id>/approve", methods=["POST"])
@login_required
def approve_registration(registration_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope = _staff(REVIEW)
    found = registration.get(db.session, registration_id, hamlet_scope=scope)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render_registration(found, status=400, approve_form=form)
    try:
        pin = review.approve(
            tenant,
            db.session,
            found,
            current_user,
            hamlet_scope=scope,
            open_account=bool(form.open_account.data),
        )
    except ServiceError as exc:
        db.session.rollback()
        found = registration.get(db.session, registration_id, hamlet_scope=scope)
        return _render_registration(found, status=exc.status, approve_form=form, form_error=exc.message)
    flash(_("The request is approved."), "success")
    return _render_registration(found, pin=pin)


@routes.route("/registrations/<uuid:registration_id>/reject", methods=["POST"])
@login_required
def reject_registration(registration_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope = _staff(REVIEW)
    found = registration.get(db.session, registration_id, hamlet_scope=scope)
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_registration(found, status=400, reject_form=form)
    try:
        review.reject(tenant, db.session, found, current_user, form.reason.data, hamlet_scope=scope)
    except ServiceError as exc:
        db.session.rollback()
        found = registration.get(db.session, registration_id, hamlet_scope=scope)
        return _render_registration(found, status=exc.status, reject_form=form, form_error=exc.message)
    flash(_("The request is rejected."), "info")
    return redirect(url_for("smart_government.accounts.registration_detail", registration_id=found.id))


# -- staff: a resident's account ----------------------------------------------------------------------


def _panel(
    resident_id: uuid.UUID, *, pin: str | None = None, status: int = 200, error: str | None = None
) -> Response:
    person = registry.get_resident(db.session, resident_id)
    account = accounts.account_for_resident(db.session, person.id)
    locked = account is not None and accounts.locked_until(account) is not None
    response = make_response(
        render_template(
            "smart_government/accounts/account_panel.html",
            person=person,
            account=account,
            locked=locked,
            pin=pin,
            form=ConfirmForm(formdata=None),
            form_error=error,
        ),
        status,
    )
    return _no_store(response)


@routes.route("/residents/<uuid:resident_id>/account")
@login_required
def resident_account(resident_id: uuid.UUID) -> ResponseReturnValue:
    _staff(MANAGE)
    return _panel(resident_id)


def _account_action(resident_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant, _scope = _staff(MANAGE)
    person = registry.get_resident(db.session, resident_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    account = accounts.account_for_resident(db.session, person.id)
    pin = None
    try:
        if action == "create":
            _account, pin = accounts.create_account(tenant, db.session, person, current_user)
        elif account is None:
            abort(404)
        elif action == "reset":
            pin = accounts.reset_pin(tenant, db.session, account, current_user)
        else:
            accounts.deactivate(tenant, db.session, account, current_user)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        return _panel(resident_id, status=exc.status, error=exc.message)
    if pin is None:
        flash(_("The account is closed. A PIN reset opens it again."), "info")
        return redirect(url_for("smart_government.accounts.resident_account", resident_id=resident_id))
    return _panel(resident_id, pin=pin)


@routes.route("/residents/<uuid:resident_id>/account/create", methods=["POST"])
@login_required
def create_resident_account(resident_id: uuid.UUID) -> ResponseReturnValue:
    return _account_action(resident_id, "create")


@routes.route("/residents/<uuid:resident_id>/account/reset", methods=["POST"])
@login_required
def reset_resident_pin(resident_id: uuid.UUID) -> ResponseReturnValue:
    return _account_action(resident_id, "reset")


@routes.route("/residents/<uuid:resident_id>/account/deactivate", methods=["POST"])
@login_required
def deactivate_resident_account(resident_id: uuid.UUID) -> ResponseReturnValue:
    return _account_action(resident_id, "deactivate")
