"""Security headers on every response, set in one place with flask-talisman.

Every page, JSON answer, error page and static file carries:

- ``Content-Security-Policy``: ``default-src 'self'`` with no inline script (the pages work without
  JavaScript; the little script they use lives in ``static/js/``), ``object-src 'none'``,
  ``base-uri 'self'``, ``form-action 'self'``, ``frame-ancestors 'none'``; images also from
  ``data:`` (QR codes and SVG icons). Styles come from ``static/css`` only: no ``<style>``
  element and no ``style=""`` attribute (a test reads every template for them).
- ``X-Frame-Options: DENY`` (for browsers without ``frame-ancestors``), ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin`` and a ``Permissions-Policy`` that
  turns off the camera, microphone, location and the Topics API.
- ``Strict-Transport-Security`` (``DESA_HSTS_SECONDS``) in production only, and only on requests
  that arrived over HTTPS (the browser ignores it over HTTP). The app never redirects to HTTPS
  itself: nginx does (``deploy/``), and the health check talks plain HTTP on loopback.

The Swagger UI (``/api/v1/docs``) is flask-smorest's page with one inline start-up script: that page
alone allows exactly that script by its SHA-256 hash, and inline styles (Swagger UI sets them).

Behind reverse proxies (``DESA_PROXY_HOPS`` > 0, nginx: 1) the app trusts that many
``X-Forwarded-For``/``-Proto``/``-Host`` hops (werkzeug's ``ProxyFix``), so client addresses (rate
limits, sign-in throttling, session rows) and ``https`` links are right. With 0 it trusts none.

Proved by ``tests/security_headers/``.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {
    "browsing-topics": "()",
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
}
REFERRER_POLICY = "strict-origin-when-cross-origin"

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def policy_text(policy: dict[str, str]) -> str:
    """A CSP dictionary as the header's text."""
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def _swagger_ui_policy(response: Response) -> str:
    """The CSP of the Swagger UI page: its own inline scripts allowed by hash, inline styles."""
    hashes = []
    for body in _INLINE_SCRIPT.findall(response.get_data(as_text=True)):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes.append(f"'sha256-{digest}'")
    policy = dict(CSP)
    policy["script-src"] = " ".join(["'self'", *hashes])
    policy["style-src"] = "'self' 'unsafe-inline'"
    return policy_text(policy)


def init_app(app: Flask) -> None:
    """Install the headers (and ProxyFix when ``PROXY_HOPS`` > 0)."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    production = app.config.get("DESA_ENV") == "production"

    # Registered before Talisman's own hook, so it runs after it (Flask runs them in reverse).
    @app.after_request
    def _docs_policy(response: Response) -> Response:
        if request.endpoint == SWAGGER_UI_ENDPOINT and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = _swagger_ui_policy(response)
        return response

    Talisman(
        app,
        force_https=False,  # nginx redirects; the app answers plain HTTP on loopback
        frame_options="DENY",
        content_security_policy=CSP,
        permissions_policy=PERMISSIONS_POLICY,
        referrer_policy=REFERRER_POLICY,
        strict_transport_security=production,
        strict_transport_security_max_age=int(app.config.get("HSTS_SECONDS") or 0),
        strict_transport_security_include_subdomains=True,
        # the cookie flags stay config.py's (Secure in production only)
        session_cookie_secure=production,
        session_cookie_http_only=True,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE") or "Lax",
        x_content_type_options=True,
    )
