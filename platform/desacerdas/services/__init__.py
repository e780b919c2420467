"""Service functions: the one place where the platform's rules are applied.

Pages, API and CLI call these; they never write models directly.
"""


class ServiceError(ValueError):
    """A request the platform refuses, with a human message and a machine-readable code."""

    def __init__(self, message: str, code: str = "invalid", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class NotFound(ServiceError):
    def __init__(self, message: str = "Not found.", code: str = "not_found") -> None:
        super().__init__(message, code, 404)
