"""Notifications: one ``notify()`` into an outbox, delivered after commit (docs/notifications.md).

Public names (import from here): :class:`NotificationKind`, :func:`register_kind`, :func:`notify`,
:func:`deliver`, :func:`village_settings`, :func:`save_settings`, :func:`usage`, and the contact
service functions (:mod:`.contacts`).
"""

from __future__ import annotations

from flask import Flask

from .channels.base import PermanentError, RetryableError
from .contacts import (
    ContactError,
    add_contact,
    contacts_of,
    opt_in,
    opt_out,
    record_inbound,
    remove_contact,
    send_code,
    set_preferred,
    verify_code,
)
from .delivery import deliver, deliver_due, record_status
from .kinds import NotificationKind, all_kinds, get_kind, register_kind
from .service import notify, providers_configured, sent_outside
from .settings import ChannelSettings, save_settings, village_settings
from .templates import render, save_template
from .usage import UsageRow, usage

__all__ = [
    "ChannelSettings",
    "ContactError",
    "NotificationKind",
    "PermanentError",
    "RetryableError",
    "UsageRow",
    "add_contact",
    "all_kinds",
    "contacts_of",
    "deliver",
    "deliver_due",
    "get_kind",
    "notify",
    "providers_configured",
    "opt_in",
    "opt_out",
    "record_inbound",
    "record_status",
    "register_kind",
    "remove_contact",
    "render",
    "save_settings",
    "save_template",
    "send_code",
    "sent_outside",
    "set_preferred",
    "usage",
    "verify_code",
    "village_settings",
]


def init_app(app: Flask) -> None:
    """Wire the notification tasks, the WhatsApp webhook and the pages into ``app``."""
    from . import kinds, service, web

    service.install()
    kinds.collect(app)
    _register_webhook(app)
    web.init_app(app)  # owned by the pages' author; keep this call


def _register_webhook(app: Flask) -> None:
    from .webhook import bp

    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
