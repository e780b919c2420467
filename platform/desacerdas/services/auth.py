"""Signing in, lockout, password change and reset, personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from functools import cache
from threading import Lock
from typing import Protocol

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.passwords import hash_secret, needs_rehash, password_problem, verify_secret
from ..auth.sessions import record_use
from ..extensions import db
from ..models import ApiToken, Membership, User
from ..models.base import as_utc
from . import ServiceError, audit, login_throttle
from .i18n import _
from .users import find_by_login

# A real hash to verify against when the login is unknown, so timing does not reveal accounts.
DUMMY_HASH = hash_secret(secrets.token_hex(16))


def _now() -> datetime:
    return datetime.now(UTC)


aware = as_utc  # kept under its old name for callers of this module


def lock_message(locked_until: datetime) -> str:
    """What a locked sign-in is told (also used by plugins with their own sign-in, e.g. PINs): the
    same words for every login, existing or not (``services.login_throttle``)."""
    return login_throttle.lock_message(locked_until)


def count_failure(failed: int | None) -> tuple[int, datetime | None]:
    """Deprecated (issue 11): sign-in no longer counts failures on the account; kept for plugins
    that still call it. One more failure: the new counter and, at ``LOCKOUT_THRESHOLD``, when the
    lock ends (the counter then starts again from 0)."""
    failed = (failed or 0) + 1
    if failed >= current_app.config["LOCKOUT_THRESHOLD"]:
        return 0, _now() + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
    return failed, None


class LoginFailed(ServiceError):
    """A refused sign-in: 401 for wrong credentials, 429 when throttled (wait or locked)."""

    def __init__(self, message: str, code: str = "invalid_credentials", status: int = 401) -> None:
        super().__init__(message, code, status)


def _audit_locks(locks: list[str], user: User | None, login_key: str) -> None:
    for scope in locks:
        if user is not None:
            audit.record("auth.locked", actor=user, scope=scope)
        else:
            audit.record("auth.locked", actor_label=login_key[:254], scope=scope)


def authenticate(login: str, password: str) -> User:
    """The user for these credentials, or LoginFailed. Throttled per account and client
    (``services.login_throttle``): the answers never differ between existing and unknown logins,
    and the old per-user ``failed_logins``/``locked_until`` columns are no longer used."""
    login_key = login_throttle.staff_login_key(login)
    attempt = login_throttle.attempt_for(login_key)
    user = find_by_login(login)
    try:
        login_throttle.check(db.session, attempt)
    except login_throttle.Throttled as exc:
        if user is not None:
            audit.record("auth.login_failed", actor=user, reason=exc.code)
        else:
            audit.record("auth.login_failed", actor_label=(login or "")[:254], reason=exc.code)
        db.session.commit()
        raise LoginFailed(exc.message, exc.code, exc.status) from None
    if user is None:
        verify_secret(DUMMY_HASH, password or "")
        _audit_locks(login_throttle.failed(db.session, attempt), None, (login or "")[:254])
        audit.record("auth.login_failed", actor_label=(login or "")[:254], reason="unknown")
        db.session.commit()
        raise LoginFailed(_("Wrong email/phone or password."))
    if not verify_secret(user.password_hash, password or "") or not user.active:
        _audit_locks(login_throttle.failed(db.session, attempt), user, login_key)
        audit.record("auth.login_failed", actor=user, reason="password" if user.active else "inactive")
        db.session.commit()
        raise LoginFailed(_("Wrong email/phone or password."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    login_throttle.succeeded(db.session, attempt)
    user.last_login_at = _now()
    audit.record("auth.login", actor=user)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the password and end every other session of this user."""
    if not verify_secret(user.password_hash, current or ""):
        raise ServiceError(_("The current password is wrong."), "invalid_credentials", 400)
    set_password(user, new, reason="changed")


def set_password(user: User, new: str, reason: str) -> None:
    if problem := password_problem(new or ""):
        raise ServiceError(problem, "weak_password")
    user.password_hash = hash_secret(new)
    user.session_version += 1
    if reason == "reset":  # whoever had the account may have made tokens: they stop working too
        revoke_all_tokens(user)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(f"auth.password_{reason}", actor=user)
    db.session.commit()


def revoke_all_tokens(user: User, session: Session | None = None) -> None:
    """Revoke every live API token of ``user`` (in ``session``, committed by the caller)."""
    for token in (session or db.session).scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = _now()


def sign_out_everywhere(user: User) -> None:
    """End every browser session and revoke every API token of the user."""
    user.session_version += 1
    revoke_all_tokens(user)
    audit.record("auth.signed_out_everywhere", actor=user)
    db.session.commit()


# -- password reset -------------------------------------------------------------------------


class ResetDelivery(Protocol):
    def send(self, user: User, link: str) -> None: ...


class LogDelivery:
    """Embedded default: the link goes to the application log (no mail server needed)."""

    def send(self, user: User, link: str) -> None:
        current_app.logger.warning("Password reset link for %s: %s", user.email or user.phone, link)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="desa-password-reset")


def _fingerprint(user: User) -> str:
    # Changes with the password, so a link works once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def reset_link_for(user: User, actor: User | None = None) -> str:
    """A one-time reset link for ``user`` handed out by the platform's operator (``desa users
    reset-link``): a lost demo admin password, a person with no e-mail. Audited, never logged."""
    from .invitations import absolute_url

    token = make_reset_token(user)
    audit.record("auth.reset_link_issued", actor=actor, target=f"user:{user.id}")
    db.session.commit()
    return absolute_url(f"/auth/reset/{token}", "auth.reset", token=token)


def request_reset(login: str, link_for: callable) -> None:  # type: ignore[valid-type]
    """Send a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_by_login(login)
    if user is None or not user.active:
        return
    token = make_reset_token(user)
    link = link_for(token)
    custom: ResetDelivery | None = current_app.extensions.get("desa_reset_delivery")
    if custom is not None:
        custom.send(user, link)
    else:
        _notify_reset(user, link, token)
    audit.record("auth.reset_requested", actor=user)
    db.session.commit()


def _home_village(user: User) -> int | None:
    """The one village a user works in (its outbox and its bill carry the reset), else None."""
    villages = {m.tenant_id for m in user.memberships if m.tenant_id is not None}
    if len(villages) != 1 or user.is_platform_admin:
        return None
    return villages.pop()


def _notify_reset(user: User, link: str, token: str) -> None:
    """The reset link through the notifications outbox: e-mail first, to the account's own address
    (its sign-in). The link goes to the log only when the platform has no provider for any of the
    channels at all (the embedded default); otherwise, if no row could be written (the village
    switched the channel off), the log says "not sent" without the link."""
    from ..models import Tenant
    from ..notifications import notify, providers_configured, sent_outside
    from ..tenancy import tenant_session

    if user.email:
        channels, address = ("email",), user.email
    elif user.phone:
        channels, address = ("whatsapp", "sms"), user.phone
    else:
        LogDelivery().send(user, link)  # nowhere to send it: as before notifications existed
        return
    minutes = max(1, int(current_app.config["RESET_TOKEN_MAX_AGE"]) // 60)
    data = {"name": user.name, "link": link, "minutes": minutes}
    key = "password_reset:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    village_id = _home_village(user)
    if village_id is None:
        rows = notify(
            db.session, None, user, "auth.password_reset", data, key=key, channels=channels, address=address
        )
        sent = sent_outside(rows)
    else:
        with tenant_session(village_id) as session:
            village = session.get(Tenant, village_id)
            rows = notify(
                session,
                village,
                user,
                "auth.password_reset",
                data,
                key=key,
                channels=channels,
                address=address,
            )
            sent = sent_outside(rows)
            session.commit()
    if sent:
        return
    if not providers_configured(channels):
        LogDelivery().send(user, link)  # no provider configured: the embedded default
    else:
        current_app.logger.warning(
            "Password reset link for user %s not sent: the village's channels for it are off", user.id
        )


def user_for_reset_token(token: str) -> User:
    try:
        data = _serializer().loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise ServiceError(_("This reset link has expired. Ask for a new one."), "token_expired") from None
    except BadSignature:
        raise ServiceError(_("This reset link is not valid."), "token_invalid") from None
    user = db.session.get(User, data.get("u"))
    if user is None or _fingerprint(user) != data.get("f"):
        raise ServiceError(_("This reset link has already been used."), "token_used")
    return user


def reset_password(token: str, new: str) -> User:
    user = user_for_reset_token(token)
    set_password(user, new, reason="reset")
    return user


# -- personal API tokens ----------------------------------------------------------------------

TOKEN_PREFIX = "dc_"  # noqa: S105 - a public marker, not a secret
_verified: OrderedDict[str, int] = OrderedDict()  # sha256(token) -> token id, skips repeated argon2
_verified_lock = Lock()


def create_api_token(user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain value, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("A token needs a name."), "name_required")
    public = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    plain = f"{TOKEN_PREFIX}{public}_{secret}"
    token = ApiToken(
        user_id=user.id,
        name=name[:80],
        prefix=public,
        token_hash=hash_secret(plain),
        expires_at=_now() + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record("auth.token_created", actor=user, target=f"token:{token.id}", name=token.name)
    db.session.commit()
    return token, plain


TOKEN_TOUCH_EVERY = timedelta(minutes=1)  # api_tokens.last_used_at is written at most this often


@cache
def _token_query():  # noqa: ANN202 - a Select
    """The token with its user, the user's roles and their villages: ONE statement, so that
    ``can``/``can_see_village`` need nothing more for the rest of the request. Built once: the
    same statement object every request, so SQLAlchemy computes its cache key only once."""
    return (
        select(ApiToken)
        .where(ApiToken.prefix == bindparam("public"))
        .options(joinedload(ApiToken.user).joinedload(User.memberships).joinedload(Membership.tenant))
    )


def _touch(token: ApiToken, moment: datetime) -> None:
    """Record the token's use at most once a minute, whichever worker serves it.

    A conditional UPDATE (``sessions.record_use``: its own short transaction): of concurrent
    workers only one writes, and nothing is read first. Not audited."""
    last = aware(token.last_used_at)
    if last is not None and moment - last < TOKEN_TOUCH_EVERY:
        return
    table = ApiToken.__table__
    record_use(
        update(table)
        .where(
            table.c.id == token.id,
            or_(table.c.last_used_at.is_(None), table.c.last_used_at < moment - TOKEN_TOUCH_EVERY),
        )
        .values(last_used_at=moment)
    )
    set_committed_value(token, "last_used_at", moment)


def user_for_api_token(plain: str) -> User | None:
    """The live user of a personal API token, or None (unknown, revoked, expired, wrong secret,
    suspended user). Checked against the database on every call: revoking works at once."""
    if not plain.startswith(TOKEN_PREFIX) or plain.count("_") < 2:
        return None
    public = plain[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = db.session.scalars(_token_query(), {"public": public}).unique().first()
    if token is None or token.revoked_at is not None:
        return None
    moment = _now()
    expires = aware(token.expires_at)
    if expires and expires < moment:
        return None
    digest = hashlib.sha256(plain.encode()).hexdigest()
    with _verified_lock:
        known = _verified.get(digest) == token.id
    if not known:
        if not verify_secret(token.token_hash, plain):
            return None
        with _verified_lock:
            _verified[digest] = token.id
            while len(_verified) > 1024:
                _verified.popitem(last=False)
    user = token.user
    if not user.active:
        return None
    _touch(token, moment)
    return user


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise ServiceError(_("No such token."), "not_found", 404)
    if token.revoked_at is None:
        token.revoked_at = _now()
        audit.record("auth.token_revoked", actor=user, target=f"token:{token.id}")
        db.session.commit()
    return token
