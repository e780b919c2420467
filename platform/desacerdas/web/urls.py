"""Building links from the current query string without letting it steer ``url_for``."""

from __future__ import annotations

from flask import request, url_for

# url_for's own keyword arguments: a query string must never reach them.
_RESERVED = frozenset({"endpoint", "values", "method"})


def query_args(**overrides: str) -> dict[str, str]:
    """The current query string as url_for values, minus url_for's own keywords (``_external``…)."""
    args = {k: v for k, v in request.args.items() if not k.startswith("_") and k not in _RESERVED}
    args.update(overrides)
    return args


def current_url_with(endpoint: str, **overrides: str) -> str:
    """The current page (or ``endpoint``) with the same filters and some values changed."""
    return url_for(request.endpoint or endpoint, **(request.view_args or {}), **query_args(**overrides))
