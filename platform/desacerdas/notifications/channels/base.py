"""The one interface every delivery channel implements (inbox, e-mail, WhatsApp, SMS).

A channel only turns an :class:`OutgoingMessage` into a provider request and answers with a
:class:`SendResult` or raises a :class:`ChannelError`. Everything around it (claiming the row,
retries with backoff, the final "failed" state, cost bookkeeping) lives in ``delivery.py``, so a
new gateway is one small module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel needs to send one notification; built by delivery from the outbox row."""

    notification_id: str
    tenant_id: int | None
    channel: str
    address: str
    subject: str
    body: str
    locale: str
    whatsapp_template: str | None
    whatsapp_params: tuple[str, ...]
    in_session_window: bool
    callback: str  # "<tenant_id or p>:<notification id>", echoed back by provider webhooks


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message: its id (for status webhooks) and the cost in rupiah."""

    provider_message_id: str | None
    cost: int


class ChannelError(Exception):
    """A send that did not go through; ``message`` is in words (shown to staff as the reason)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class RetryableError(ChannelError):
    """Try again later (rate limited, timeout, provider down): delivery backs off and retries."""


class PermanentError(ChannelError):
    """Never going to work (invalid number, template not approved): the row fails at once."""


@runtime_checkable
class Channel(Protocol):
    name: str

    def configured(self, config: Mapping) -> bool:
        """Whether the platform has what this channel needs (URLs, tokens) in ``config``."""
        ...

    def send(self, message: OutgoingMessage, config: Mapping) -> SendResult:
        """Send one message or raise RetryableError / PermanentError."""
        ...
