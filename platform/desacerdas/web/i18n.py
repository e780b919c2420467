"""Language choice.

Pages: ``?lang=``, then the choice kept in the session, then the user's saved language, then the
platform default (Indonesian). The API (``/api/…``, no session): ``?lang=``, then the request's
``Accept-Language`` header (``id`` or ``en``), then the token owner's saved language, then the
default — so one request gets its messages, validation errors included, in one language.
Outside a request (CLI, jobs) the platform default."""

from __future__ import annotations

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_translations
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


def _memo(domain: Domain) -> Translations | NullTranslations:
    """``domain``'s translations for this request's locale, remembered in the request's Babel
    context while its locale stays the same object (``force_locale`` and ``refresh()`` replace
    it, so a forced language is honoured at once)."""
    ns = g.get("_flask_babel") if has_app_context() else None
    if ns is None:
        return Domain.get_translations(domain)
    state = ns.__dict__
    memo = state.get("desa_memo")
    if memo is not None and memo[0] is state.get("babel_locale") and memo[1] is domain:
        return memo[2]
    found = Domain.get_translations(domain)
    ns.desa_memo = (state.get("babel_locale"), domain, found)
    return found


class MemoDomain(Domain):
    """Flask-Babel's domain, with :func:`_memo`: Flask-Babel looks the request's context and
    locale up four times for every message, and a page says fifty (1 ms a page)."""

    def get_translations(self) -> Translations | NullTranslations:
        return _memo(self)


def translations() -> Translations | NullTranslations:
    """The request's translations (what ``flask_babel.get_translations()`` answers)."""
    ns = g.get("_flask_babel") if has_app_context() else None
    domain = ns.__dict__.get("babel_domain") if ns is not None else None
    return get_translations() if domain is None else domain.get_translations()


def install(app: Flask, babel: Babel) -> None:
    """Messages through :class:`MemoDomain`, in code and in templates alike."""
    babel.domain_instance = MemoDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
