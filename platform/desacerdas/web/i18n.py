"""Language choice.

Pages: ``?lang=``, then the choice kept in the session, then the user's saved language, then the
platform default (Indonesian). The API (``/api/…``, no session): ``?lang=``, then the request's
``Accept-Language`` header (``id`` or ``en``), then the token owner's saved language, then the
default — so one request gets its messages, validation errors included, in one language.
Outside a request (CLI, jobs) the platform default."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        asked = request.accept_languages.best_match(languages)
        if asked:
            return asked
        # the token's user only: the API never reads the session cookie (api/security.py)
        user_locale = getattr(g.get("api_user"), "locale", None)
        return user_locale if user_locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    if session.get("lang") in languages:
        return session["lang"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    """Times on a village's pages are shown in the village's time zone (WIB, WITA or WIT)."""
    if not has_request_context():
        return None
    tenant = g.get("tenant")
    if tenant is None:
        return None
    from ..services.regions import time_zone

    return time_zone(tenant.code, (tenant.profile or {}).get("timezone")).key
