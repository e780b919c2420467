"""The JSON API under ``/api/v1`` (flask-smorest, OpenAPI at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import docs

    docs.init_app(app)
