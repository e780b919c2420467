"""Server-side browser sessions: signing out, a password or PIN change and suspension end them.

The signed Flask cookie carries a random token (``flask.session["_sid"]``); the ``user_sessions``
row holds its sha256. Flask-Login's ``user_logged_in``/``user_logged_out`` signals create and end
rows, so every ``login_user()`` call site (core and plugins) gets a server-side session unchanged.
:func:`desacerdas.auth.loading.load_user` refuses a cookie whose row is missing, ended, of an older
``session_version``, idle longer than ``SESSION_IDLE_MINUTES`` or older than
``SESSION_ABSOLUTE_HOURS``. A copied cookie is therefore dead once its row ends.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, g, request, session
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import Update, delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import Membership, User
from ..models.base import as_utc as _aware
from ..models.user_session import UserSession

SESSION_KEY = "_sid"
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


def now() -> datetime:
    """The current time (a function so tests can move the clock)."""
    return datetime.now(UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _agent_summary(raw: str | None) -> str:
    return " ".join((raw or "").split())[:120]


def create(user: User) -> str:
    """Open a session row for ``user`` in this request and put its token in the cookie.

    Rows of an older ``session_version`` (password/PIN change, sign out everywhere) are marked
    ended too, and so is a session this browser held before (no fixation)."""
    moment = now()
    old = session.get(SESSION_KEY)
    if old:
        _end_where(UserSession.token_hash == _hash(old), "replaced", moment)
    _end_where(
        (UserSession.user_id == user.id) & (UserSession.session_version != user.session_version),
        "signed_out_everywhere",
        moment,
    )
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=_hash(token),
        user_id=user.id,
        session_version=user.session_version,
        created_at=moment,
        last_seen_at=moment,
        user_agent=_agent_summary(request.headers.get("User-Agent")),
        address=(request.remote_addr or "")[:45] or None,
    )
    db.session.add(row)
    db.session.commit()
    session[SESSION_KEY] = token
    g.desa_user_session = row
    return token


def _end_where(condition, reason: str, moment: datetime) -> int:  # noqa: ANN001 - a SQL expression
    result = db.session.execute(
        update(UserSession)
        .where(condition, UserSession.ended_at.is_(None))
        .values(ended_at=moment, end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def current() -> UserSession | None:
    """The row of this request's browser session (set by ``load_user``), if any."""
    return g.get("desa_user_session")


def end_current(reason: str = "signed_out") -> None:
    """End this browser's session row and forget its token."""
    token = session.pop(SESSION_KEY, None)
    if token:
        _end_where(UserSession.token_hash == _hash(token), reason, now())
        db.session.commit()
    g.pop("desa_user_session", None)


def end_all(user: User, reason: str, keep_current: bool = False) -> int:
    """End every open session of ``user`` (all but this browser's if ``keep_current``)."""
    condition = UserSession.user_id == user.id
    mine = current()
    if keep_current and mine is not None:
        condition = condition & (UserSession.id != mine.id)
    ended = _end_where(condition, reason, now())
    db.session.commit()
    return ended


def end_one(user: User, session_id: int) -> bool:
    """End one session of ``user`` by its row id; False when it is not theirs or already ended."""
    ended = _end_where(
        (UserSession.id == session_id) & (UserSession.user_id == user.id), "ended_by_user", now()
    )
    db.session.commit()
    return ended > 0


def _limits() -> tuple[timedelta, timedelta]:
    cfg = current_app.config
    return (
        timedelta(minutes=int(cfg.get("SESSION_IDLE_MINUTES", 240))),
        timedelta(hours=int(cfg.get("SESSION_ABSOLUTE_HOURS", 72))),
    )


def problem(row: UserSession, user: User, moment: datetime) -> str | None:
    """Why ``row`` no longer signs ``user`` in (an end reason), or None when it still does."""
    idle, absolute = _limits()
    if row.ended_at is not None:
        return row.end_reason or "ended"
    if not user.active:
        return "suspended"
    if row.session_version != user.session_version:
        return "signed_out_everywhere"
    if moment - _aware(row.last_seen_at) >= idle:
        return "idle"
    if moment - _aware(row.created_at) >= absolute:
        return "expired"
    return None


def user_and_row(user_id: int) -> tuple[User, UserSession] | None:
    """The user, their roles and this browser's session row, in ONE statement (None: no cookie
    token, no such user, or the token is not a session of that user)."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    found = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == _hash(token))
        .options(joinedload(User.memberships).joinedload(Membership.tenant))
    )
    row = found.unique().first()
    return None if row is None else (row[0], row[1])


def record_use(statement: Update) -> None:
    """Run a small bookkeeping UPDATE (last seen, last used) and commit it on its own.

    A read-only request never commits its session, and committing it would expire everything it
    loaded; so the UPDATE runs on its own short transaction. On SQLite, a request that already
    holds the write lock gets it in its own transaction instead (a second writer would wait for
    it). Best effort: a failure is logged and the next request tries again."""
    request_session = db.session()
    if request_session.in_transaction():
        connection = request_session.connection()
        if connection.dialect.name == "sqlite" and connection.connection.dbapi_connection.in_transaction:
            request_session.execute(statement)
            return
    try:
        with db.engine.begin() as own:
            own.execute(statement)
    except OperationalError as exc:  # pragma: no cover - a locked SQLite file, a lost connection
        current_app.logger.warning("bookkeeping update skipped: %s", exc)


def accept(user: User, row: UserSession) -> bool:
    """Does ``row`` still sign ``user`` in? Ends a row found expired; notes the use at most once
    a minute (a conditional UPDATE: of concurrent requests only one writes)."""
    moment = now()
    reason = problem(row, user, moment)
    if reason is not None:
        if row.ended_at is None:
            row.ended_at, row.end_reason = moment, reason
            db.session.commit()
        return False
    if moment - _aware(row.last_seen_at) >= TOUCH_EVERY:
        table = UserSession.__table__
        record_use(
            update(table)
            .where(table.c.id == row.id, table.c.last_seen_at < moment - TOUCH_EVERY)
            .values(last_seen_at=moment)
        )
        set_committed_value(row, "last_seen_at", moment)
    g.desa_user_session = row
    return True


def check(user: User) -> bool:
    """Is this request's session token a live session of ``user``? Ends a row found expired."""
    token = session.get(SESSION_KEY)
    if not token:
        return False
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.user_id != user.id:
        return False
    return accept(user, row)


def active_for(user: User) -> list[UserSession]:
    """The open, unexpired sessions of ``user``, most recently used first."""
    moment = now()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
        .limit(100)
    ).all()
    return [r for r in rows if problem(r, user, moment) is None]


def purge(db_session: Session, moment: datetime | None = None) -> int:
    """Delete rows ended or unused for a week beyond the absolute lifetime (the caller commits)."""
    moment = moment or now()
    _idle, absolute = _limits()
    cutoff = moment - absolute - timedelta(days=7)
    result = db_session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < moment - timedelta(days=7), UserSession.created_at < cutoff)
        )
    )
    return result.rowcount or 0


def _on_login(sender: Flask, user: User, **_extra: object) -> None:
    create(user)


def _on_logout(sender: Flask, user: User, **_extra: object) -> None:
    end_current("signed_out")


def init_app(app: Flask) -> None:
    """Connect the Flask-Login signals (once per process; blinker ignores a second connect)."""
    user_logged_in.connect(_on_login)
    user_logged_out.connect(_on_logout)
