"""Pages residents use (phone-first, no script needed): sign in with NIK and PIN (``/masuk``),
change the PIN (required after it was set by someone else: every page of the pillar sends them
there first, see :func:`pin_change_first`), a forgotten PIN with a code to the phone on record, ask
for an account, submit a new arrival's data, follow a request by its reference.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
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
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import RequestEntityTooLarge

from desacerdas.extensions import db, limiter
from desacerdas.kit import terms as village_terms
from desacerdas.kit.forms import handle
from desacerdas.kit.verification import DEFAULT_VERIFY_LIMIT
from desacerdas.models import Role, Tenant
from desacerdas.services import ServiceError, login_throttle
from desacerdas.services import documents as docs
from desacerdas.web.tenant import current_tenant

from .. import limits
from ..pages import ConfirmForm, Routes, hamlets, uploaded
from ..registry import vocabulary
from ..settings import NAME
from . import reach, references, registration
from . import service as accounts
from .forms import (
    ArrivalForm,
    ChangePinForm,
    CodeForm,
    ForgotPinForm,
    ReferenceForm,
    RegisterForm,
    SignInForm,
    _choices,
)
from .models import Registration
from .views import SEX_LABELS, _no_store

routes = Routes()  # the feature's blueprint (``web.blueprint``) takes them

# Pages a resident who must change their PIN may still open.
MUST_CHANGE_OPEN = frozenset(
    {"smart_government.accounts.change_pin", "smart_government.accounts.resident_sign_out"}
)


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


def pin_change_first() -> ResponseReturnValue | None:
    """A resident whose PIN was set by someone else changes it before anything else of the pillar."""
    if request.endpoint in MUST_CHANGE_OPEN or not current_user.is_authenticated:
        return None
    tenant = g.get("tenant")
    if tenant is None or NAME not in g.get("enabled_plugins", frozenset()):
        return None  # the plugin's gate answers
    if not _is_resident_here(tenant):
        return None  # staff and everyone else: no lookup at all
    account = accounts.account_of(current_user, db.session)
    if account is not None and account.must_change_pin:
        flash(_("Choose your own PIN before you continue."), "warning")
        return redirect(url_for("smart_government.accounts.change_pin"))
    return None


def too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    db.session.rollback()
    message = _("The file or form is too large.")
    return render_template("errors/error.html", status=413, message=message), 413


# -- resident: sign in, PIN --------------------------------------------------------------------------


@routes.route("/masuk", methods=["GET", "POST"])
@limits.pin_attempts
def resident_sign_in() -> ResponseReturnValue:
    tenant = current_tenant()
    if current_user.is_authenticated and accounts.account_of(current_user, db.session) is not None:
        return redirect(url_for("smart_government.accounts.my_account"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(tenant, db.session, form.nik.data, form.pin.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            page = render_template("smart_government/accounts/sign_in.html", form=form)
            return page, exc.status, login_throttle.retry_after_headers(exc)
        login_user(user)
        account = accounts.account_of(user, db.session)
        if account is not None and account.must_change_pin:
            flash(_("Welcome. Choose your own PIN first."), "info")
            return redirect(url_for("smart_government.accounts.change_pin"))
        return redirect(_safe_next(request.args.get("next"), url_for("smart_government.accounts.my_account")))
    status = 400 if form.is_submitted() else 200
    return render_template("smart_government/accounts/sign_in.html", form=form), status


@routes.route("/keluar", methods=["POST"])
def resident_sign_out() -> ResponseReturnValue:
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("smart_government.accounts.resident_sign_in"))


@routes.route("/akun")
@login_required
def my_account() -> ResponseReturnValue:
    account = _my_account()
    person = accounts.resident_of(current_user, db.session)
    return render_template(
        "smart_government/accounts/my_account.html", account=account, person=person, form=ConfirmForm()
    )


@routes.route("/pin", methods=["GET", "POST"])
@login_required
def change_pin() -> ResponseReturnValue:
    tenant = current_tenant()
    account = _my_account()
    form = ChangePinForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            accounts.change_pin(tenant, db.session, current_user, form.current.data, form.new.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status if exc.status != 401 else 400
            headers = login_throttle.retry_after_headers(exc)
        else:
            login_user(current_user._get_current_object())  # stay signed in here; other sessions end
            flash(_("Your PIN is changed. Other devices are signed out."), "success")
            return redirect(url_for("smart_government.accounts.my_account"))
    elif form.is_submitted():
        status = 400
    page = render_template("smart_government/accounts/change_pin.html", form=form, account=account)
    return page, status, headers


@routes.route("/lupa-pin", methods=["GET", "POST"])
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


@routes.route("/lupa-pin/kode", methods=["POST"])
@limits.pin_attempts
def reset_pin_code() -> ResponseReturnValue:
    tenant = current_tenant()
    form = CodeForm()
    status, headers = 400, {}
    if form.validate_on_submit():
        try:
            accounts.reset_pin_with_code(tenant, db.session, form.ticket.data, form.code.data, form.new.data)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            if exc.code in ("code_expired",):
                return redirect(url_for("smart_government.accounts.forgot_pin"))
            status = exc.status if exc.status != 401 else 400
            headers = login_throttle.retry_after_headers(exc)
        else:
            flash(_("Your new PIN is set. Please sign in."), "success")
            return redirect(url_for("smart_government.accounts.resident_sign_in"))
    page = render_template("smart_government/accounts/reset_code.html", form=form)
    return _no_store(make_response(page, status, headers))


# -- self-registration -------------------------------------------------------------------------------


@routes.route("/daftar", methods=["GET", "POST"])
@limits.applications
def register() -> ResponseReturnValue:
    tenant = current_tenant()
    form = RegisterForm()
    return handle(
        form,
        lambda: registration.request_account(tenant, db.session, **_application(form)),
        template="smart_government/accounts/register.html",
        on_success=lambda found: _sent(found, _("Your request is sent. Keep its reference to follow it.")),
        commit=False,  # the service commits (with the photos)
        max_mb=_max_mb(),
    )


def _application(form: RegisterForm | ArrivalForm) -> dict[str, Any]:
    """What both application forms give the service: the numbers, the phone and the photos."""
    return {
        "nik": form.nik.data,
        "kk_number": form.kk_number.data,
        "birth_date": form.birth_date.data,
        "phone": form.phone.data,
        "ktp": uploaded(form.ktp.data),
        "kk": uploaded(form.kk.data),
        "selfie": uploaded(form.selfie.data),
    }


def _sent(found: Registration, message: str) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for("smart_government.accounts.registration_status", reference=found.id))


def _max_mb() -> str:
    return f"{docs.max_bytes() / 1024 / 1024:g}"


def _arrival_form() -> ArrivalForm:
    form = ArrivalForm()
    form.sex.choices = [(k, str(v)) for k, v in SEX_LABELS.items()]
    form.hamlet_id.choices = [("", "—"), *((str(h.id), h.name) for h in hamlets())]
    form.hamlet_id.label.text = village_terms.terms_for(current_tenant()).hamlet
    form.religion.choices = _choices(vocabulary.RELIGIONS)
    form.marital_status.choices = _choices(vocabulary.MARITAL_STATUSES)
    form.relationship_to_head.choices = _choices(vocabulary.RELATIONSHIPS)
    form.education.choices = _choices(vocabulary.EDUCATION_LEVELS)
    return form


@routes.route("/pendatang", methods=["GET", "POST"])
@limits.applications
def new_arrival() -> ResponseReturnValue:
    tenant = current_tenant()
    form = _arrival_form()
    return handle(
        form,
        lambda: registration.new_arrival(
            tenant,
            db.session,
            name=form.name.data,
            sex=form.sex.data,
            hamlet_id=form.hamlet_id.data or None,
            **_application(form),
            **{k: getattr(form, k).data for k in registration.ARRIVAL_FIELDS},
        ),
        template="smart_government/accounts/arrival.html",
        on_success=lambda found: _sent(
            found, _("Your data is sent to the village office. Keep the reference to follow it.")
        ),
        commit=False,  # the service commits (with the photos)
        max_mb=_max_mb(),
    )


def _lookup_limit() -> str:
    """Looking a reference up is rate limited per client like the letters' verification page
    (``SG_VERIFY_LIMIT``): the reference is short, so it must not be walked."""
    return current_app.config.get("SG_VERIFY_LIMIT", DEFAULT_VERIFY_LIMIT)


@routes.route("/daftar/status")
@limiter.limit(_lookup_limit)
def registration_lookup() -> ResponseReturnValue:
    form = ReferenceForm(request.args)
    if request.args.get("reference") and form.validate():
        typed = form.reference.data.strip()
        code = references.normalise(typed)
        if code is None and registration._uuid(typed) is None:  # noqa: SLF001
            form.reference.errors = [_("This is not a reference we gave.")]
        else:
            target = code or typed.lower()
            return redirect(url_for("smart_government.accounts.registration_status", reference=target))
    return render_template("smart_government/accounts/status_lookup.html", form=form)


@routes.route("/daftar/status/<reference>")
@limiter.limit(_lookup_limit)
def registration_status(reference: str) -> ResponseReturnValue:
    """The applicant's request by its short reference (or the UUID address given out before)."""
    tenant = current_tenant()
    found = registration.by_reference(db.session, reference)  # NotFound → 404
    heard = reach.reach_for(db.session, tenant, found.phone, found.hamlet_id)
    page = render_template("smart_government/accounts/status.html", registration=found, reach=heard)
    return _no_store(make_response(page))
