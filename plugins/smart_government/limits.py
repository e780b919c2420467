"""Rate limits of the pillar's open entry points, shared by the pages and the API.

Every way of trying a PIN (the sign-in page, the API sign-in, the reset by code) draws on ONE budget
per client address, so offering the same form in two places does not double an attacker's tries; the
same goes for applying without an account. The per-account lockout comes on top.
"""

from __future__ import annotations

from flask import current_app

from desacerdas.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


pin_attempts = limiter.shared_limit(_login_limit, scope="smart_government.pin", methods=["POST"])
applications = limiter.shared_limit(_login_limit, scope="smart_government.apply", methods=["POST"])
