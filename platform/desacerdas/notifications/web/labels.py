"""Words for what the notification tables store as codes: channels, statuses, kinds, reasons.

Pages never show a raw value: a status is "Waiting to be sent", a channel "WhatsApp", a failure its
reason in the reader's language (the reasons the outbox stores in English are message ids), and a
secret message (a one-time code) never shows its text to staff.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..kinds import SECRET_MASK, get_kind

CHANNELS = {
    "inbox": _l("In-site inbox"),
    "whatsapp": _l("WhatsApp"),
    "sms": _l("SMS"),
    "email": _l("E-mail"),
}
STATUSES = {
    "queued": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "read": _l("Read"),
    "failed": _l("Failed"),
    "skipped": _l("Not sent"),
}
CONSENT_HOW = {
    "web": _l("on this site"),
    "api": _l("through the API"),
    "whatsapp_reply": _l("by a WhatsApp reply"),
    "staff": _l("by the village office"),
}
MASK = SECRET_MASK


def _value(code: Any) -> str:
    return str(getattr(code, "value", code) or "")


def channel_label(code: Any) -> str:
    value = _value(code)
    return str(CHANNELS.get(value, value))


def status_label(code: Any) -> str:
    value = _value(code)
    return str(STATUSES.get(value, value))


def how_label(code: Any) -> str:
    value = _value(code)
    return str(CONSENT_HOW.get(value, value))


def kind_title(key: str) -> str:
    """The kind's title in words; a kind no longer declared (a plugin removed) shows its key."""
    try:
        return str(get_kind(key).title)
    except KeyError:
        return key


def reason(error: str | None) -> str:
    """A failure's reason in the reader's language (stored reasons are English message ids)."""
    return _(error) if error else ""


def shown_body(row: Any) -> str:
    """The text staff may read: a secret (a one-time code, a reset link) is masked."""
    return MASK if getattr(row, "secret", False) else (row.body or "")


def shown_subject(row: Any) -> str:
    """The subject staff may read: masked for a secret message too."""
    return MASK if getattr(row, "secret", False) else (row.subject or "")


def masked_address(address: str | None) -> str:
    """A number or address shortened for lists: ``…7890``, ``w…@example.test``."""
    if not address:
        return ""
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:1]}…@{domain}"
    return f"…{address[-4:]}"
