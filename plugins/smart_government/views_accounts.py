"""Pages of resident accounts and self-registration, on the pillar's blueprint.

Residents (phone-first, no script needed): sign in with NIK and PIN (``/masuk``), change the PIN
(required after it was set by someone else: every page of the pillar sends them there first),
forgotten PIN with a code to the phone on record, ask for an account, submit a new arrival's data,
follow a request by its reference. Staff: the registrations queue with the photos and the decision,
and a resident's account panel (open, reset the PIN, close). A PIN set by staff is shown once on the
response page (``Cache-Control: no-store``), never stored in plain.

Apps sign in and apply through the village API (``api_accounts``: ``sign-in``, ``registrations/…``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from desacerdas.auth.permissions import can, can_see_village
from desacerdas.extensions import db
from desacerdas.models import Role, Tenant
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs
from desacerdas.web.downloads import send_version
from desacerdas.web.pagination import page_links, paginate
from desacerdas.web.tenant import current_tenant

from . import accounts, limits, registration, registry
from .models import Sex
from .models_accounts import Registration, RegistrationKind, RegistrationStatus
from .page_helpers import ConfirmForm, hamlet_names, hamlets, uploaded
from .plugin import plugin
from .village_settings import terms_for

bp = plugin.pages

REVIEW = "smart_government.registrations.review"
MANAGE = "smart_government.accounts.manage"

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
BAD_DATE = _l("Give a date as YYYY-MM-DD.")
PINS_DIFFER = _l("The two PINs do not match.")
CHOOSE_PHOTO = _l("Choose a photo.")

STATUS_LABELS = {
    RegistrationStatus.PENDING.value: _l("Waiting for review"),
    RegistrationStatus.APPROVED.value: _l("Approved"),
    RegistrationStatus.REJECTED.value: _l("Rejected"),
}
KIND_LABELS = {
    RegistrationKind.ACCOUNT.value: _l("Account request"),
    RegistrationKind.NEW_ARRIVAL.value: _l("New arrival"),
}
SEX_LABELS = {Sex.MALE.value: _l("Male"), Sex.FEMALE.value: _l("Female")}
DATA_LABELS = {
    "sex": _l("Sex"),
    "birth_place": _l("Place of birth"),
    "religion": _l("Religion"),
    "marital_status": _l("Marital status"),
    "relationship_to_head": _l("Relationship to the family head"),
    "education": _l("Education"),
    "occupation": _l("Occupation"),
    "address": _l("Address in the village"),
    "previous_address": _l("Previous address"),
}
PHOTOS = {"ktp": "ktp_document_id", "kk": "kk_document_id", "selfie": "selfie_document_id"}

# Pages a resident who must change their PIN may still open.
MUST_CHANGE_OPEN = frozenset({"smart_government.change_pin", "smart_government.resident_sign_out"})


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _max(length: int) -> Length:
    return Length(max=length, message=TOO_LONG)


def _pin_field(label: Any) -> PasswordField:
    return PasswordField(
        label, validators=[_required(), Length(min=6, max=6, message=_l("The PIN must be exactly 6 digits."))]
    )


# -- forms -------------------------------------------------------------------------------------------


class SignInForm(FlaskForm):
    nik = StringField(
        _l("NIK"), validators=[_required(), _max(20)], description=_l("16 digits, as on your KTP.")
    )
    pin = PasswordField(_l("PIN"), validators=[_required(), _max(20)])


class ChangePinForm(FlaskForm):
    current = PasswordField(_l("Current PIN"), validators=[_required(), _max(20)])
    new = _pin_field(_l("New PIN"))
    confirm = PasswordField(
        _l("Repeat the new PIN"), validators=[_required(), EqualTo("new", message=PINS_DIFFER)]
    )


class ForgotPinForm(FlaskForm):
    nik = StringField(_l("NIK"), validators=[_required(), _max(20)])
    kk_number = StringField(_l("KK number"), validators=[_required(), _max(20)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])


class CodeForm(FlaskForm):
    ticket = StringField(validators=[_required(), _max(1000)])
    code = StringField(_l("Code from the SMS"), validators=[_required(), _max(10)])
    new = _pin_field(_l("New PIN"))
    confirm = PasswordField(
        _l("Repeat the new PIN"), validators=[_required(), EqualTo("new", message=PINS_DIFFER)]
    )


def _photo(label: Any, required: bool = True) -> FileField:
    return FileField(label, validators=[FileRequired(message=CHOOSE_PHOTO)] if required else [Optional()])


class RegisterForm(FlaskForm):
    nik = StringField(
        _l("NIK"), validators=[_required(), _max(20)], description=_l("16 digits, as on your KTP.")
    )
    kk_number = StringField(
        _l("KK number"), validators=[_required(), _max(20)], description=_l("16 digits, on your family card.")
    )
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])
    phone = StringField(
        _l("Phone"),
        validators=[_required(), _max(20)],
        description=_l("For a code if you ever forget your PIN."),
    )
    ktp = _photo(_l("Photo of your KTP"))
    kk = _photo(_l("Photo of your KK"))
    selfie = _photo(_l("A photo of yourself holding your KTP"))


class ArrivalForm(FlaskForm):
    name = StringField(_l("Name"), validators=[_required(), _max(120)])
    nik = StringField(_l("NIK"), validators=[_required(), _max(20)])
    kk_number = StringField(_l("KK number"), validators=[_required(), _max(20)])
    birth_place = StringField(_l("Place of birth"), validators=[Optional(), _max(80)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired(message=BAD_DATE)])
    sex = SelectField(_l("Sex"), choices=[], validate_choice=False)
    hamlet_id = SelectField(_l("Hamlet"), choices=[], validate_choice=False)
    address = StringField(_l("Address in the village"), validators=[Optional(), _max(300)])
    previous_address = StringField(_l("Previous address"), validators=[Optional(), _max(300)])
    religion = SelectField(_l("Religion"), choices=[], validate_choice=False)
    marital_status = SelectField(_l("Marital status"), choices=[], validate_choice=False)
    relationship_to_head = SelectField(
        _l("Relationship to the family head"), choices=[], validate_choice=False
    )
    education = SelectField(_l("Education"), choices=[], validate_choice=False)
    occupation = StringField(_l("Occupation"), validators=[Optional(), _max(80)])
    phone = StringField(_l("Phone"), validators=[_required(), _max(20)])
    ktp = _photo(_l("Photo of your KTP"))
    kk = _photo(_l("Photo of your KK"))
    selfie = _photo(_l("A photo of yourself holding your KTP"), required=False)


class ReferenceForm(FlaskForm):
    class Meta:
        csrf = False

    reference = StringField(_l("Reference"), validators=[_required(), _max(40)])


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or NIK"), validators=[Optional(), _max(100)])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)


class ApproveForm(FlaskForm):
    # Unticked is False (an empty form does not fall back to a default); the page shows it ticked.
    open_account = BooleanField(_l("Also open an account (a PIN to hand over)"), default=False)


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[_required(), _max(registration.REASON_MAX)],
        description=_l("The applicant sees it with their reference."),
    )


# -- helpers -----------------------------------------------------------------------------------------


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("", "—"), *((v, v) for v in values)]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None, default: str) -> str:
    if not target or any(ch.isspace() or ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _is_resident_here(tenant: Tenant) -> bool:
    return any(m.role == Role.RESIDENT and m.tenant_id == tenant.id for m in current_user.memberships)


def _my_account():  # noqa: ANN202 - ResidentAccount
    """The signed-in resident's account in this village; 404 for anyone else."""
    account = accounts.account_of(current_user, db.session)
    if account is None:
        abort(404)
    return account


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


@bp.context_processor
def _account_labels() -> dict[str, Any]:
    return {
        "registration_status_label": lambda v: str(STATUS_LABELS.get(getattr(v, "value", v), v)),
        "registration_kind_label": lambda v: str(KIND_LABELS.get(getattr(v, "value", v), v)),
    }


@bp.before_request
def _pin_change_first() -> ResponseReturnValue | None:
    """A resident whose PIN was set by someone else changes it before anything else of the pillar."""
    if request.endpoint in MUST_CHANGE_OPEN or not current_user.is_authenticated:
        return None
    tenant = g.get("tenant")
    if tenant is None or plugin.name not in g.get("enabled_plugins", frozenset()):
        return None  # the plugin's gate answers
    if not _is_resident_here(tenant):
        return None  # staff and everyone else: no lookup at all
    account = accounts.account_of(current_user, db.session)
    if account is not None and account.must_change_pin:
        flash(_("Choose your own PIN before you continue."), "warning")
        return redirect(url_for("smart_government.change_pin"))
    return None


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    db.session.rollback()
    message = _("The file or form is too large.")
    return render_template("errors/error.html", status=413, message=message), 413


# -- resident: sign in, PIN --------------------------------------------------------------------------


@bp.route("/masuk", methods=["GET", "POST"])
@limits.pin_attempts
def resident_sign_in() -> ResponseReturnValue:
    tenant = current_tenant()
    if current_user.is_authenticated and accounts.account_of(current_user, db.session) is not None:
        return redirect(url_for("smart_government.my_account"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(tenant, db.session, form.nik.data, form.pin.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return render_template("smart_government/accounts/sign_in.html", form=form), 401
        login_user(user)
        account = accounts.account_of(user, db.session)
        if account is not None and account.must_change_pin:
            flash(_("Welcome. Choose your own PIN first."), "info")
            return redirect(url_for("smart_government.change_pin"))
        return redirect(_safe_next(request.args.get("next"), url_for("smart_government.my_account")))
    status = 400 if form.is_submitted() else 200
    return render_template("smart_government/accounts/sign_in.html", form=form), status


@bp.route("/keluar", methods=["POST"])
def resident_sign_out() -> ResponseReturnValue:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("smart_government.resident_sign_in"))


@bp.route("/akun")
@login_required
def my_account() -> ResponseReturnValue:
    account = _my_account()
    person = accounts.resident_of(current_user, db.session)
    return render_template(
        "smart_government/accounts/my_account.html", account=account, person=person, form=ConfirmForm()
    )


@bp.route("/pin", methods=["GET", "POST"])
@login_required
def change_pin() -> ResponseReturnValue:
    tenant = current_tenant()
    account = _my_account()
    form = ChangePinForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_pin(tenant, db.session, current_user, form.current.data, form.new.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status if exc.status != 401 else 400
        else:
            login_user(current_user._get_current_object())  # stay signed in here; other sessions end
            flash(_("Your PIN is changed. Other devices are signed out."), "success")
            return redirect(url_for("smart_government.my_account"))
    elif form.is_submitted():
        status = 400
    return render_template("smart_government/accounts/change_pin.html", form=form, account=account), status


@bp.route("/lupa-pin", methods=["GET", "POST"])
@limits.pin_attempts
def forgot_pin() -> ResponseReturnValue:
    tenant = current_tenant()
    form = ForgotPinForm()
    if form.validate_on_submit():
        ticket = accounts.request_pin_code(
            tenant, db.session, form.nik.data, form.kk_number.data, form.birth_date.data
        )
        code_form = CodeForm(formdata=None, ticket=ticket)
        flash(_("If the details match an account with a phone number, a code is on its way by SMS."), "info")
        return _no_store(
            make_response(render_template("smart_government/accounts/reset_code.html", form=code_form))
        )
    status = 400 if form.is_submitted() else 200
    return render_template("smart_government/accounts/forgot_pin.html", form=form), status


@bp.route("/lupa-pin/kode", methods=["POST"])
@limits.pin_attempts
def reset_pin_code() -> ResponseReturnValue:
    tenant = current_tenant()
    form = CodeForm()
    status = 400
    if form.validate_on_submit():
        try:
            accounts.reset_pin_with_code(tenant, db.session, form.ticket.data, form.code.data, form.new.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            if exc.code in ("code_expired",):
                return redirect(url_for("smart_government.forgot_pin"))
            status = exc.status if exc.status != 401 else 400
        else:
            flash(_("Your new PIN is set. Please sign in."), "success")
            return redirect(url_for("smart_government.resident_sign_in"))
    return _no_store(
        make_response(render_template("smart_government/accounts/reset_code.html", form=form), status)
    )


# -- self-registration -------------------------------------------------------------------------------


@bp.route("/daftar", methods=["GET", "POST"])
@limits.applications
def register() -> ResponseReturnValue:
    tenant = current_tenant()
    form = RegisterForm()
    form_error, status = None, 200
    if form.validate_on_submit():
        try:
            found = registration.request_account(
                tenant,
                db.session,
                nik=form.nik.data,
                kk_number=form.kk_number.data,
                birth_date=form.birth_date.data,
                phone=form.phone.data,
                ktp=uploaded(form.ktp.data),
                kk=uploaded(form.kk.data),
                selfie=uploaded(form.selfie.data),
            )
        except ServiceError as exc:
            db.session.rollback()
            form_error, status = exc.message, exc.status
        else:
            flash(_("Your request is sent. Keep its reference to follow it."), "success")
            return redirect(url_for("smart_government.registration_status", reference=found.id))
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "smart_government/accounts/register.html", form=form, form_error=form_error, max_mb=_max_mb()
        ),
        status,
    )


def _max_mb() -> str:
    return f"{docs.max_bytes() / 1024 / 1024:g}"


def _arrival_form() -> ArrivalForm:
    form = ArrivalForm()
    form.sex.choices = [(k, str(v)) for k, v in SEX_LABELS.items()]
    form.hamlet_id.choices = [("", "—"), *((str(h.id), h.name) for h in hamlets())]
    form.hamlet_id.label.text = terms_for(current_tenant()).hamlet
    form.religion.choices = _choices(registry.RELIGIONS)
    form.marital_status.choices = _choices(registry.MARITAL_STATUSES)
    form.relationship_to_head.choices = _choices(registry.RELATIONSHIPS)
    form.education.choices = _choices(registry.EDUCATION_LEVELS)
    return form


@bp.route("/pendatang", methods=["GET", "POST"])
@limits.applications
def new_arrival() -> ResponseReturnValue:
    tenant = current_tenant()
    form = _arrival_form()
    form_error, status = None, 200
    if form.validate_on_submit():
        try:
            found = registration.new_arrival(
                tenant,
                db.session,
                name=form.name.data,
                nik=form.nik.data,
                kk_number=form.kk_number.data,
                birth_date=form.birth_date.data,
                sex=form.sex.data,
                hamlet_id=form.hamlet_id.data or None,
                phone=form.phone.data,
                ktp=uploaded(form.ktp.data),
                kk=uploaded(form.kk.data),
                selfie=uploaded(form.selfie.data),
                **{k: getattr(form, k).data for k in registration.ARRIVAL_FIELDS},
            )
        except ServiceError as exc:
            db.session.rollback()
            form_error, status = exc.message, exc.status
        else:
            flash(_("Your data is sent to the village office. Keep the reference to follow it."), "success")
            return redirect(url_for("smart_government.registration_status", reference=found.id))
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "smart_government/accounts/arrival.html", form=form, form_error=form_error, max_mb=_max_mb()
        ),
        status,
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@bp.route("/daftar/status")
def registration_lookup() -> ResponseReturnValue:
    form = ReferenceForm(request.args)
    if request.args.get("reference") and form.validate():
        reference = form.reference.data.strip().lower()
        try:
            uuid.UUID(reference)
        except ValueError:
            form.reference.errors = [_("This is not a reference we gave.")]
        else:
            return redirect(url_for("smart_government.registration_status", reference=reference))
    return render_template("smart_government/accounts/status_lookup.html", form=form)


@bp.route("/daftar/status/<uuid:reference>")
def registration_status(reference: uuid.UUID) -> ResponseReturnValue:
    found = registration.by_reference(db.session, reference)  # NotFound → 404
    return _no_store(
        make_response(render_template("smart_government/accounts/status.html", registration=found))
    )


# -- staff: the registrations queue --------------------------------------------------------------------


@bp.route("/registrations")
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
        page_url=page_links("smart_government.registrations"),
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


@bp.route("/registrations/<uuid:registration_id>")
@login_required
def registration_detail(registration_id: uuid.UUID) -> ResponseReturnValue:
    _tenant, scope = _staff(REVIEW)
    return _render_registration(registration.get(db.session, registration_id, hamlet_scope=scope))


@bp.route("/registrations/<uuid:registration_id>/photos/<any(ktp, kk, selfie):which>")
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


@bp.route("/registrations/<uuid:registration_id>/approve", methods=["POST"])
@login_required
def approve_registration(registration_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope = _staff(REVIEW)
    found = registration.get(db.session, registration_id, hamlet_scope=scope)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _render_registration(found, status=400, approve_form=form)
    try:
        pin = registration.approve(
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


@bp.route("/registrations/<uuid:registration_id>/reject", methods=["POST"])
@login_required
def reject_registration(registration_id: uuid.UUID) -> ResponseReturnValue:
    tenant, scope = _staff(REVIEW)
    found = registration.get(db.session, registration_id, hamlet_scope=scope)
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_registration(found, status=400, reject_form=form)
    try:
        registration.reject(tenant, db.session, found, current_user, form.reason.data, hamlet_scope=scope)
    except ServiceError as exc:
        db.session.rollback()
        found = registration.get(db.session, registration_id, hamlet_scope=scope)
        return _render_registration(found, status=exc.status, reject_form=form, form_error=exc.message)
    flash(_("The request is rejected."), "info")
    return redirect(url_for("smart_government.registration_detail", registration_id=found.id))


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


@bp.route("/residents/<uuid:resident_id>/account")
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
        return redirect(url_for("smart_government.resident_account", resident_id=resident_id))
    return _panel(resident_id, pin=pin)


@bp.route("/residents/<uuid:resident_id>/account/create", methods=["POST"])
@login_required
def create_resident_account(resident_id: uuid.UUID) -> ResponseReturnValue:
    return _account_action(resident_id, "create")


@bp.route("/residents/<uuid:resident_id>/account/reset", methods=["POST"])
@login_required
def reset_resident_pin(resident_id: uuid.UUID) -> ResponseReturnValue:
    return _account_action(resident_id, "reset")


@bp.route("/residents/<uuid:resident_id>/account/deactivate", methods=["POST"])
@login_required
def deactivate_resident_account(resident_id: uuid.UUID) -> ResponseReturnValue:
    return _account_action(resident_id, "deactivate")
