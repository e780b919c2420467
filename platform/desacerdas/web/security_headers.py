"""Security headers on every response (filled by the headers work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
