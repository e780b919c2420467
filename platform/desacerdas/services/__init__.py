"""Service functions: the one place where the platform's rules are applied.

Pages, API and CLI call these; they never write models directly.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """A request the platform refuses, with a human message and a machine-readable code.

    ``message`` is in the request's language (services mark it with ``services.i18n._``); ``code``
    is a stable snake_case identifier that API clients match on (``docs/labels.md`` lists them);
    ``status`` is the HTTP status the web layer answers with.
    """

    def __init__(self, message: str, code: str = "invalid", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class NotFound(ServiceError):
    """Something that does not exist (or is not visible to the caller): 404."""

    def __init__(self, message: str | None = None, code: str = "not_found") -> None:
        if message is None:
            from .i18n import _

            message = _("Not found.")
        super().__init__(message, code, 404)
