"""Sign-in throttling per account and client, and the known-device cookie (issue 11).

Why: a lockout per account lets anyone keep a clerk out (five wrong tries from anywhere), and a lock
message shown only for real accounts tells which e-mails and NIKs exist. So:

* Every try is keyed by the *account key* (sha256 of the normalised login, computed alike for logins
  that exist and those that do not) and the *client key* (the known-device id when the request
  carries a valid device cookie bound to that login, else the client address).
* Per (account, client): after ``LOGIN_DELAY_AFTER`` failures each further try must wait 2, 4, 8…
  seconds (answered at once with 429 and ``Retry-After``, the worker never sleeps); at
  ``LOCKOUT_THRESHOLD`` failures the pair is locked for ``LOCKOUT_MINUTES``.
* Per account over every unknown client: at ``LOGIN_ACCOUNT_LIMIT`` failures within
  ``LOCKOUT_MINUTES`` only the account's known devices may try, for ``LOCKOUT_MINUTES``.
* A successful sign-in clears its pair and marks ``flask.g`` so that the ``after_request`` hook sets
  the signed known-device cookie (HttpOnly, SameSite Lax, Secure when session cookies are,
  ``DEVICE_COOKIE_DAYS``). The clerk's own device therefore has its own counters and is never
  locked by someone else's failures.

Used by the staff sign-in (``services.auth.authenticate``) and the resident NIK+PIN sign-in of
smart_government (login key ``nik:<village id>:<nik>``). The old ``users.failed_logins`` /
``locked_until`` columns (and the resident accounts' ones) are no longer used for sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g, has_request_context, request
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models.base import as_utc as _aware
from ..models.login_throttle import ALL_UNKNOWN_CLIENTS, LoginThrottle
from . import ServiceError
from .i18n import ngettext

COOKIE_NAME = "desa_device"
MAX_ACCOUNTS_PER_DEVICE = 20  # a village office computer is shared by a few clerks
_G_MARK = "_desa_known_device_accounts"
_G_RETRY_AFTER = "_desa_throttle_retry_after"
_SALT = "desa-known-device"


def _now() -> datetime:
    return datetime.now(UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Throttled(ServiceError):
    """Refused before the secret is checked: wait (delay) or locked; never says if the login exists.
    ``retry_after``: whole seconds until a try may be made again (for the ``Retry-After`` header)."""

    def __init__(self, message: str, code: str, retry_after: int | None = None) -> None:
        super().__init__(message, code, 429)
        self.retry_after = retry_after


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def retry_after(exc: BaseException | None) -> int | None:
    """The seconds to wait that a refusal carries: its own ``retry_after``, or that of the
    :class:`Throttled` it was raised from (``services.auth`` re-raises it as ``LoginFailed``)."""
    seen = 0
    while exc is not None and seen < 10:
        seconds = getattr(exc, "retry_after", None)
        if isinstance(seconds, int) and seconds > 0:
            return seconds
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def retry_after_headers(exc: BaseException | None) -> dict[str, str]:
    """``{"Retry-After": "<seconds>"}`` for a throttled (429) refusal, else nothing. The value is
    also kept for the request, so that the rate limiter's header hook (which would raise it to the
    end of its own window, though that budget is not spent) cannot change it (see ``init_app``)."""
    if getattr(exc, "status", None) != 429:
        return {}
    seconds = retry_after(exc)
    if not seconds:
        return {}
    if has_request_context():
        setattr(g, _G_RETRY_AFTER, seconds)
    return {"Retry-After": str(seconds)}


def lock_message(until: datetime) -> str:
    """The words for a locked (account, client) pair or account: the same for every login."""
    minutes = max(1, int((until - _now()).total_seconds() // 60) + 1)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(num)d minute.",
        "Too many failed sign-in attempts. Try again in %(num)d minutes.",
        minutes,
    )


def wait_message(seconds: int) -> str:
    return ngettext(
        "Too many failed sign-in attempts. Wait %(num)d second before trying again.",
        "Too many failed sign-in attempts. Wait %(num)d seconds before trying again.",
        seconds,
    )


# -- keys and the known-device cookie -----------------------------------------------------------


def staff_login_key(login: str) -> str:
    """The normalised staff login (as ``users.find_by_login`` reads it), whether it exists or not."""
    from .users import normalize_email, normalize_phone

    login = (login or "").strip()
    if "@" in login:
        return "login:" + (normalize_email(login) or "")
    return "login:" + (normalize_phone(login) or login)


def account_key(login_key: str) -> str:
    return _sha(login_key)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _tag(key: str) -> str:
    """What the cookie holds for an account: keyed, so a copied cookie does not list the logins."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:24]


def _read_cookie() -> dict | None:
    if not has_request_context():
        return None
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("d"), str)
        or not isinstance(data.get("a"), list)
    ):
        return None
    return data


def _client_address() -> str:
    if not has_request_context():
        return "local"
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Attempt:
    """One sign-in try: whose account (hashed) from which client (hashed)."""

    account_key: str
    client_key: str
    known_device: bool


def attempt_for(login_key: str) -> Attempt:
    """The keys of a try at ``login_key`` from the current request's client."""
    key = account_key(login_key)
    cookie = _read_cookie()
    if cookie is not None and _tag(key) in cookie["a"]:
        return Attempt(key, _sha("device:" + cookie["d"]), True)
    return Attempt(key, _sha("addr:" + _client_address()), False)


# -- the counters -------------------------------------------------------------------------------


def _find(session: Session, account: str, client: str) -> LoginThrottle | None:
    return session.scalar(
        select(LoginThrottle).where(LoginThrottle.account_key == account, LoginThrottle.client_key == client)
    )


def _get_or_create(session: Session, account: str, client: str, known: bool) -> LoginThrottle:
    row = _find(session, account, client)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(
                account_key=account,
                client_key=client,
                known_device=known,
                failures=0,
                window_started_at=_now(),
            )
            session.add(row)
    except IntegrityError:  # a parallel try created it first
        row = _find(session, account, client)
        assert row is not None  # noqa: S101 - the unique constraint says it exists
    return row


def _delay_seconds(failures: int) -> int:
    after = current_app.config["LOGIN_DELAY_AFTER"]
    return 2 ** (failures - after + 1) if failures >= after else 0


def check(session: Session, attempt: Attempt) -> None:
    """Raise :class:`Throttled` when this try may not be made now (before any secret is checked)."""
    now = _now()
    pair = _find(session, attempt.account_key, attempt.client_key)
    if pair is not None:
        until = _aware(pair.locked_until)
        if until and until > now:
            raise Throttled(lock_message(until), "locked", _seconds_until(until, now))
        last = _aware(pair.last_failure_at)
        delay = _delay_seconds(pair.failures)
        if delay and last is not None:
            ready = last + timedelta(seconds=delay)
            if ready > now:
                seconds = _seconds_until(ready, now)
                raise Throttled(wait_message(seconds), "wait", seconds)
    if not attempt.known_device:
        until = _account_lock(session, attempt.account_key, now)
        if until is not None:
            raise Throttled(lock_message(until), "locked", _seconds_until(until, now))


def _account_lock(session: Session, account: str, now: datetime) -> datetime | None:
    everyone = _find(session, account, ALL_UNKNOWN_CLIENTS)
    until = _aware(everyone.locked_until) if everyone is not None else None
    return until if until and until > now else None


def account_locked_until(session: Session, login_key: str) -> datetime | None:
    """When the account-wide lock of ``login_key`` ends (only its known devices may sign in until
    then), or None. For staff screens; :func:`forget` clears it."""
    return _account_lock(session, account_key(login_key), _now())


def failed(session: Session, attempt: Attempt) -> list[str]:
    """Count a failed try (the caller commits). Returns the locks it started: ``"client"`` (this
    pair) and/or ``"account"`` (every unknown client), for the caller to audit in its own words."""
    now = _now()
    minutes = timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
    started: list[str] = []
    pair = _get_or_create(session, attempt.account_key, attempt.client_key, attempt.known_device)
    until = _aware(pair.locked_until)
    if until and until <= now:  # a lock that ended: start again from nothing
        pair.locked_until = None
    pair.failures = (pair.failures or 0) + 1
    pair.last_failure_at = now
    if pair.failures >= current_app.config["LOCKOUT_THRESHOLD"]:
        pair.failures = 0
        pair.last_failure_at = None
        pair.locked_until = now + minutes
        started.append("client")
    if not attempt.known_device:
        everyone = _get_or_create(session, attempt.account_key, ALL_UNKNOWN_CLIENTS, False)
        window = _aware(everyone.window_started_at)
        if window is None or now - window >= minutes:
            everyone.failures, everyone.window_started_at = 0, now
        everyone.failures = (everyone.failures or 0) + 1
        everyone.last_failure_at = now
        if everyone.failures >= current_app.config["LOGIN_ACCOUNT_LIMIT"]:
            everyone.failures, everyone.window_started_at = 0, now
            everyone.locked_until = now + minutes
            started.append("account")
    session.flush()
    return started


def succeeded(session: Session, attempt: Attempt) -> None:
    """A correct secret: this client's counters start again and the browser becomes (or stays) a
    known device of the account. The per-account count of unknown clients is kept (it ends with
    its window), so one success does not hand an attacker elsewhere a fresh allowance."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.account_key == attempt.account_key, LoginThrottle.client_key == attempt.client_key
        )
    )
    if has_request_context():
        marks = g.get(_G_MARK) or []
        marks.append(attempt.account_key)
        setattr(g, _G_MARK, marks)


def forget(session: Session, login_key: str) -> None:
    """Clear every counter of a login (a staff PIN reset or an admin's unlock). Caller commits."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.account_key == account_key(login_key)))


def purge(session: Session, before: datetime | None = None) -> int:
    """Delete rows with no lock and no failure since ``before`` (default: a day ago). Caller commits."""
    before = before or _now() - timedelta(days=1)
    result = session.execute(
        delete(LoginThrottle).where(
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < before),
            (LoginThrottle.last_failure_at.is_(None)) | (LoginThrottle.last_failure_at < before),
            LoginThrottle.window_started_at < before,
        )
    )
    return result.rowcount or 0


# -- the cookie, set after the response is made --------------------------------------------------


def _set_device_cookie(response: Response) -> Response:
    marks: list[str] | None = g.get(_G_MARK)
    if not marks:
        return response
    cookie = _read_cookie() or {"d": secrets.token_urlsafe(18), "a": []}
    tags = [t for t in cookie["a"] if isinstance(t, str)]
    for key in marks:
        tag = _tag(key)
        if tag in tags:
            tags.remove(tag)
        tags.append(tag)  # the most recent last; the oldest fall off
    value = _serializer().dumps({"d": cookie["d"], "a": tags[-MAX_ACCOUNTS_PER_DEVICE:]})
    days = current_app.config["DEVICE_COOKIE_DAYS"]
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=days * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/",
    )
    return response


def _keep_retry_after(response: Response) -> Response:
    seconds = g.get(_G_RETRY_AFTER)
    if seconds and response.status_code == 429:
        response.headers["Retry-After"] = str(seconds)
    return response


def init_app(app: Flask) -> None:
    """Set the known-device cookie on the response of a successful sign-in, and keep the
    throttle's ``Retry-After`` on its 429 answers. Flask calls ``after_request`` hooks last
    registered first, so that one goes to the front: it runs after every other hook, including
    Flask-Limiter's, which sets ``Retry-After`` on each answer of a limited route."""
    app.after_request(_set_device_cookie)
    hooks = app.after_request_funcs.setdefault(None, [])
    if _keep_retry_after not in hooks:
        hooks.insert(0, _keep_retry_after)
