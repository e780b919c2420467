"""The in-site inbox: the row itself is the message, so sending is writing it (always on)."""

from __future__ import annotations

from collections.abc import Mapping

from .base import OutgoingMessage, SendResult


class InboxChannel:
    name = "inbox"

    def configured(self, config: Mapping) -> bool:
        return True

    def send(self, message: OutgoingMessage, config: Mapping) -> SendResult:
        """Nothing to send: the inbox row is already readable by its recipient."""
        return SendResult(provider_message_id=None, cost=0)


CHANNEL = InboxChannel()
