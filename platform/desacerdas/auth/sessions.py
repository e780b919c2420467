"""Server-side browser sessions (filled by the sessions work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
