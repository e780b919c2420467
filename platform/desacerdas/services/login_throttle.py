"""Sign-in throttling per account and client (filled by the lockout work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
