"""Staff pages of resident accounts: the registrations queue with the photos and the decision,
and a resident's account panel (open, reset the PIN, close). A PIN set by staff is shown once on
the response page (``Cache-Control: no-store``), never stored in plain.

Who may: :func:`desacerdas.kit.access.require` with the pillar's permissions: reviewers
(``registrations.review``) see and decide only the requests of their scope, a hamlet head their
hamlet's; the account panel (``accounts.manage``) finds only residents of the caller's scope.
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
from flask_login import login_required

from desacerdas.extensions import db
from desacerdas.kit.access import Access, Scope, require
from desacerdas.kit.forms import handle
from desacerdas.services import documents as docs
from desacerdas.web.downloads import send_version

from ..pages import ConfirmForm, Routes, hamlet_names
from ..permissions import ACCOUNTS_MANAGE, REGISTRATIONS_REVIEW
from ..registry import service as registry
from ..registry.models import Resident
from . import registration, review
from . import service as accounts
from .forms import ApproveForm, QueueFilterForm, RejectForm
from .models import Registration
from .views import DATA_LABELS, KIND_LABELS, PHOTOS, SEX_LABELS, _no_store

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them

REGISTRATION_PAGE = "smart_government/accounts/registration.html"
PANEL_PAGE = "smart_government/accounts/account_panel.html"


# -- staff: the registrations queue --------------------------------------------------------------------


@routes.route("/registrations")
@login_required
def registrations() -> ResponseReturnValue:
    _tenant, scope, _user = require(REGISTRATIONS_REVIEW)
    form = QueueFilterForm(request.args)
    form.status.choices = [("", _("Any")), *((k, str(v)) for k, v in review.FLOW.states.items())]
    form.kind.choices = [("", _("Any")), *((k, str(v)) for k, v in KIND_LABELS.items())]
    result = registration.REGISTRATIONS.page(registration.queue(scope))  # a bad filter: 400
    return render_template(
        "smart_government/accounts/registrations.html",
        form=form,
        pagination=result,
        page_url=result.page_url("smart_government.accounts.registrations"),
        hamlet_names=hamlet_names(),
        filtered=result.filtered,
    )


def _reviewed(registration_id: uuid.UUID) -> tuple[Access, Registration]:
    """The reviewer's access and the request, which is 404 outside their scope."""
    access = require(REGISTRATIONS_REVIEW)
    return access, registration.get(db.session, registration_id, scope=access.scope)


def _registration_context(found: Registration, **forms: Any) -> dict[str, Any]:
    return {
        "registration": found,
        "hamlet_names": hamlet_names(),
        "approve_form": forms.get("approve_form") or ApproveForm(formdata=None, open_account=True),
        "reject_form": forms.get("reject_form") or RejectForm(formdata=None),
        "photos": {name: getattr(found, attr) for name, attr in PHOTOS.items()},
        "sex_labels": {k: str(v) for k, v in SEX_LABELS.items()},
        "data_labels": DATA_LABELS,
    }


def _render_registration(found: Registration, *, pin: str | None = None) -> Response:
    page = render_template(REGISTRATION_PAGE, pin=pin, form_error=None, **_registration_context(found))
    return _no_store(make_response(page))


def _decide(registration_id: uuid.UUID, form: Any, decide: Any, done: Any, **forms: Any) -> Response:
    """A decision form: ``decide(access, found)`` through the workflow, then ``done(found, result)``;
    refused (a decided request: 409), the request's page again with the message, read afresh."""
    access, found = _reviewed(registration_id)
    answer = handle(
        form,
        lambda: decide(access, found),
        template=REGISTRATION_PAGE,
        on_success=lambda result: done(found, result),
        commit=False,  # the review service commits
        field={"reason_required": "reason", "reason_too_long": "reason"},
        refresh=lambda: _registration_context(
            registration.get(db.session, registration_id, scope=access.scope), **forms
        ),
        pin=None,
    )
    return _no_store(make_response(answer))


@routes.route("/registrations/<uuid:registration_id>")
@login_required
def registration_detail(registration_id: uuid.UUID) -> ResponseReturnValue:
    _access, found = _reviewed(registration_id)
    return _render_registration(found)


@routes.route("/registrations/<uuid:registration_id>/photos/<any(ktp, kk, selfie):which>")
@login_required
def registration_photo(registration_id: uuid.UUID, which: str) -> ResponseReturnValue:
    """A photo of the request, for its reviewers (hamlet heads too, who cannot open staff documents)."""
    _access, found = _reviewed(registration_id)
    document_id = getattr(found, PHOTOS[which])
    if document_id is None:
        abort(404)
    document = docs.get(document_id, db.session)
    return send_version(docs.version(document), document.visibility, attachment=False)


@routes.route("/registrations/<uuid:registration_id>/approve", methods=["POST"])
@login_required
def approve_registration(registration_id: uuid.UUID) -> ResponseReturnValue:
    form = ApproveForm()

    def approved(found: Registration, pin: str | None) -> Response:
        flash(_("The request is approved."), "success")
        return _render_registration(found, pin=pin)

    return _decide(
        registration_id,
        form,
        lambda acc, found: review.approve(
            acc.tenant, db.session, found, acc.user, open_account=bool(form.open_account.data)
        ),
        approved,
        approve_form=form,
    )


@routes.route("/registrations/<uuid:registration_id>/reject", methods=["POST"])
@login_required
def reject_registration(registration_id: uuid.UUID) -> ResponseReturnValue:
    form = RejectForm()

    def rejected(found: Registration, _result: Any) -> ResponseReturnValue:
        flash(_("The request is rejected."), "info")
        return redirect(url_for("smart_government.accounts.registration_detail", registration_id=found.id))

    return _decide(
        registration_id,
        form,
        lambda acc, found: review.reject(acc.tenant, db.session, found, acc.user, form.reason.data),
        rejected,
        reject_form=form,
    )


# -- staff: a resident's account ----------------------------------------------------------------------


def _person(resident_id: uuid.UUID, scope: Scope) -> Resident:
    """The resident whose account this is: 404 outside the caller's scope (a hamlet head granted
    ``accounts.manage`` finds only their hamlet's residents)."""
    return registry.get_resident(db.session, resident_id, hamlet_scope=scope.staff_hamlet())


def _panel_context(person: Resident) -> dict[str, Any]:
    account = accounts.account_for_resident(db.session, person.id)
    return {
        "person": person,
        "account": account,
        "locked": account is not None and accounts.locked_until(account, db.session) is not None,
    }


def _panel(person: Resident, *, pin: str | None = None) -> Response:
    page = render_template(
        PANEL_PAGE, pin=pin, form=ConfirmForm(formdata=None), form_error=None, **_panel_context(person)
    )
    return _no_store(make_response(page))


@routes.route("/residents/<uuid:resident_id>/account")
@login_required
def resident_account(resident_id: uuid.UUID) -> ResponseReturnValue:
    _tenant, scope, _user = require(ACCOUNTS_MANAGE)
    return _panel(_person(resident_id, scope))


def _account_action(resident_id: uuid.UUID, action: str) -> ResponseReturnValue:
    tenant, scope, user = require(ACCOUNTS_MANAGE)
    person = _person(resident_id, scope)
    account = accounts.account_for_resident(db.session, person.id)
    if action != "create" and account is None:
        abort(404)

    def run() -> str | None:
        if action == "create":
            return accounts.create_account(tenant, db.session, person, user)[1]
        if action == "reset":
            return accounts.reset_pin(tenant, db.session, account, user)
        accounts.deactivate(tenant, db.session, account, user)
        return None

    def done(pin: str | None) -> ResponseReturnValue:
        if pin is None:
            flash(_("The account is closed. A PIN reset opens it again."), "info")
            return redirect(url_for("smart_government.accounts.resident_account", resident_id=resident_id))
        return _panel(person, pin=pin)

    answer = handle(
        ConfirmForm(),
        run,
        template=PANEL_PAGE,
        on_success=done,
        refresh=lambda: _panel_context(_person(resident_id, scope)),
        pin=None,
    )
    return _no_store(make_response(answer))


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
