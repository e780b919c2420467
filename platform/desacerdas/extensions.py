"""Flask extensions, created here once and initialised by the app factory.

The flask-smorest ``Api`` is the exception: it keeps one OpenAPI document, so each app gets its
own (``api_of(app)``), and plugins registered in one app never show up in another's document.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def api_of(app: Flask) -> Api:
    """The app's flask-smorest Api (created by the factory)."""
    return app.extensions["desa_api"]
