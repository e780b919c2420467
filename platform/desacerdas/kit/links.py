"""Absolute addresses of a village's pages for messages (WhatsApp, SMS, e-mail): under
``DESA_PUBLIC_URL`` when it is set, else the request's host; they work in a request, a command and
a worker alike."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from ..models import Tenant


def absolute(tenant: Tenant, endpoint: str, fallback: str = "", **values: Any) -> str:
    """The page ``endpoint`` of ``tenant`` as a full address; ``fallback`` (a path under the
    village) when there is neither a request nor a configured address."""
    base = current_app.config.get("PUBLIC_URL")
    try:
        if base:
            return base.rstrip("/") + url_for(endpoint, slug=tenant.slug, **values)
        return url_for(endpoint, slug=tenant.slug, _external=True, **values)
    except RuntimeError:  # no request and no SERVER_NAME
        return f"http://localhost/desa/{tenant.slug}/{fallback}"
