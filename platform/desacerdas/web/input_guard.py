"""Refusing input that no handler should ever see (filled by the input work)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing yet."""
