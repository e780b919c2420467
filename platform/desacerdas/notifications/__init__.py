"""Notifications: one ``notify()`` into an outbox, delivered after commit (docs/notifications.md)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the notification tasks, the WhatsApp webhook and the pages into ``app``."""
    from . import web

    web.init_app(app)  # owned by the pages' author; keep this call
