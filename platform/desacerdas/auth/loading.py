"""How Flask-Login finds the user of a browser session.

The Flask-Login id is ``"<user id>:<session version>"``; the session also carries a server-side
session token (:mod:`desacerdas.auth.sessions`) whose row must be open, of the user's current
version, not idle too long and not too old. Bumping the version or ending the row ends the session.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from ..models import User
from . import sessions


def load_user(session_id: str) -> User | None:
    """The signed-in user, or None when the cookie's server-side session is not live."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    found = sessions.user_and_row(user_id)  # one statement: user, roles, session row
    if found is None:
        return None
    user, row = found
    # accept() first: a session found dead (suspended user, older version, idle) is ended for good.
    if not sessions.accept(user, row) or not user.active or user.session_version != version:
        return None
    return user


def init_app(manager: LoginManager, app: Flask) -> None:
    """Configure Flask-Login for the app."""
    manager.init_app(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Please sign in to open this page.")
    manager.session_protection = "basic"
    manager.user_loader(load_user)
