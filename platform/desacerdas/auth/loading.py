"""How Flask-Login finds the user of a browser session.

The session stores ``"<user id>:<session version>"``; bumping the version ends every session of
that user at once (sign out everywhere, password change).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from ..extensions import db
from ..models import User


def load_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def init_app(manager: LoginManager, app: Flask) -> None:
    manager.init_app(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Please sign in to open this page.")
    manager.session_protection = "basic"
    manager.user_loader(load_user)
