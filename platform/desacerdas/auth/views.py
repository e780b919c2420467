"""Sign in, sign out, password change and reset, personal API tokens (pages)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from ..extensions import db, limiter
from ..models import ApiToken, Hamlet, Tenant
from ..services import ServiceError, invitations, login_throttle
from ..services import auth as auth_service
from ..services.users import tenants_in_scope
from ..tenancy.cross_village import read_each
from . import sessions as user_sessions

bp = Blueprint("auth", __name__, url_prefix="/auth")

# WTForms has no Indonesian catalogue, so its messages are given here to be translated with ours.
REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")
PASSWORD_LENGTH = _l("Field must be between %(min)d and %(max)d characters long.")
PASSWORDS_DIFFER = _l("The two passwords do not match.")


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _max(length: int) -> Length:
    return Length(max=length, message=TOO_LONG)


def _new_password() -> list:
    return [_required(), Length(min=10, max=200, message=PASSWORD_LENGTH)]


class LoginForm(FlaskForm):
    login = StringField(_l("Email or phone"), validators=[_required(), _max(254)])
    password = PasswordField(_l("Password"), validators=[_required(), _max(200)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[_required()])
    new = PasswordField(_l("New password"), validators=_new_password())
    confirm = PasswordField(
        _l("Repeat new password"), validators=[_required(), EqualTo("new", message=PASSWORDS_DIFFER)]
    )


class ResetRequestForm(FlaskForm):
    login = EmailField(_l("Email or phone"), validators=[_required(), _max(254)])


class ResetForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=_new_password())
    confirm = PasswordField(
        _l("Repeat new password"), validators=[_required(), EqualTo("new", message=PASSWORDS_DIFFER)]
    )


class InvitationForm(FlaskForm):
    new = PasswordField(_l("Choose a password"), validators=_new_password())
    confirm = PasswordField(
        _l("Repeat the password"), validators=[_required(), EqualTo("new", message=PASSWORDS_DIFFER)]
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[_required(), _max(80)])
    days = IntegerField(
        _l("Valid for days"),
        invalid_value_message=_l("Not a valid integer value."),
        validators=[
            Optional(),
            NumberRange(min=1, max=3650, message=_l("Number must be between %(min)s and %(max)s.")),
        ],
    )


def _safe_next(target: str | None) -> str:
    """A local path to go to after signing in, or the home page: never another site."""
    if not target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return url_for("auth.home")
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("auth.home")
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():  # noqa: ANN201
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = auth_service.authenticate(form.login.data, form.password.data)
        except ServiceError as exc:
            # The same words for accounts that exist and those that do not (services.login_throttle).
            flash(exc.message, "error")
            headers = login_throttle.retry_after_headers(exc)  # a throttled (429) try: when to retry
            return render_template("auth/login.html", form=form), exc.status, headers
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():  # noqa: ANN201
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
@login_required
def home():  # noqa: ANN201
    """Where a signed-in user lands: their villages and roles."""
    scope = tenants_in_scope(current_user)
    stmt = select(Tenant).order_by(Tenant.name)
    if scope is not None:
        stmt = stmt.where(Tenant.id.in_(scope))
    villages = db.session.scalars(stmt.limit(50)).all()
    hamlet_counts = {}
    if villages and (scope is None or len(scope) > 1):
        hamlet_counts = read_each(
            [v.id for v in villages],
            lambda s, _tid: s.scalar(select(func.count(Hamlet.id))),
            actor_id=current_user.id,
            reason="my villages: hamlet counts",
        )
    return render_template(
        "auth/home.html", villages=villages, memberships=current_user.memberships, hamlet_counts=hamlet_counts
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():  # noqa: ANN201
    """Change one's password. A resident's account (NIK and PIN) has no password to change: the
    page says so and links the PIN page of each of its villages, and a POST changes nothing (403)."""
    if current_user.signs_in_with_pin:
        ids = [m.tenant_id for m in current_user.memberships if m.role == "resident"]
        villages = db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name)).all()
        status = 403 if request.method == "POST" else 200
        return render_template("auth/password.html", pin_villages=villages), status
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            auth_service.change_password(current_user, form.current.data, form.new.data)
        except ServiceError as exc:
            flash(exc.message, "error")
            return render_template("auth/password.html", form=form), 400
        login_user(current_user._get_current_object())  # stay signed in here; other sessions end
        flash(_("Your password is changed. Other devices are signed out."), "success")
        return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():  # noqa: ANN201
    auth_service.sign_out_everywhere(current_user)
    user_sessions.end_all(current_user, "signed_out_everywhere")
    logout_user()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/sessions")
@login_required
def sessions():  # noqa: ANN201
    """The browsers signed in to this account, so a lost phone or a shared computer can be ended."""
    mine = user_sessions.current()
    return render_template(
        "auth/sessions.html",
        rows=user_sessions.active_for(current_user),
        current_id=mine.id if mine is not None else None,
    )


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):  # noqa: ANN201
    """End one of my sessions (CSRF by the app-wide CSRFProtect); another user's is a 404."""
    mine = user_sessions.current()
    if mine is not None and mine.id == session_id:
        logout_user()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    if not user_sessions.end_one(current_user, session_id):
        abort(404)
    flash(_("That device is signed out."), "info")
    return redirect(url_for("auth.sessions"))


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():  # noqa: ANN201
    """Keep this browser signed in and end every other one."""
    user_sessions.end_all(current_user, "ended_by_user", keep_current=True)
    flash(_("Every other device is signed out."), "info")
    return redirect(url_for("auth.sessions"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():  # noqa: ANN201
    form = ResetRequestForm()
    if form.validate_on_submit():
        auth_service.request_reset(
            form.login.data, lambda token: url_for("auth.reset", token=token, _external=True)
        )
        flash(_("If the account exists, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):  # noqa: ANN201
    try:
        auth_service.user_for_reset_token(token)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            auth_service.reset_password(token, form.new.data)
        except ServiceError as exc:
            flash(exc.message, "error")
            return render_template("auth/reset.html", form=form), 400
        flash(_("Your password is set. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():  # noqa: ANN201
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        _token, created = auth_service.create_api_token(current_user, form.name.data, form.days.data)
        flash(_("Copy this token now: it is shown only once."), "warning")
    items = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=items, created=created)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):  # noqa: ANN201
    auth_service.revoke_api_token(current_user, token_id)
    flash(_("The token is revoked."), "info")
    return redirect(url_for("auth.tokens"))


# -- invitations (``/invitation/<token>``: short, outside /auth, read off a QR code) ----------------


def _no_store(response):  # noqa: ANN001, ANN202 - a Flask response
    """The page of a one-time link is never cached (a shared phone's back button, a proxy)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@limiter.limit(_login_limit, methods=["POST"])
def invitation(token: str):  # noqa: ANN201
    """The page of an invitation link: welcome to the village, choose a password, signed in."""
    try:
        invite = invitations.for_token(token)
    except ServiceError as exc:
        page = render_template("auth/invitation_invalid.html", message=exc.message, code=exc.code)
        return _no_store(current_app.make_response((page, exc.status)))
    place = invitations.place_name(invite.tenant)
    form = InvitationForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = invitations.accept(token, form.new.data)
        except ServiceError as exc:
            if exc.code != "weak_password":
                page = render_template("auth/invitation_invalid.html", message=exc.message, code=exc.code)
                return _no_store(current_app.make_response((page, exc.status)))
            form.new.errors = [*form.new.errors, exc.message]
            status = 400
        else:
            login_user(user)
            flash(_("Your password is set. Welcome to %(place)s!", place=place), "success")
            if invite.tenant is not None:
                return redirect(url_for("village.home", slug=invite.tenant.slug))
            return redirect(url_for("auth.home"))
    elif form.is_submitted():
        status = 400
    page = render_template("auth/invitation.html", form=form, invite=invite, place=place)
    return _no_store(current_app.make_response((page, status)))


bp.record_once(
    lambda state: state.app.add_url_rule(
        "/invitation/<token>", "auth.invitation", invitation, methods=["GET", "POST"]
    )
)
