"""The people's side of notifications: inbox, contacts, village settings, usage."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the inbox, contacts, settings and usage pages."""
