"""The channels a notification can go over, by name.

The inbox is built in. The providers (``email``, ``whatsapp``, ``sms``) live in modules of the same
name here, each exposing a module-level ``CHANNEL`` (an object implementing
:class:`~.base.Channel`); they are imported on first use. Tests and plugins may put their own
channel under a name with :func:`register_channel` (a test double for a provider, or another SMS
gateway) and take it away with :func:`unregister_channel`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping

from flask import Flask, current_app

from .base import Channel, ChannelError, OutgoingMessage, PermanentError, RetryableError, SendResult
from .inbox import InboxChannel

log = logging.getLogger(__name__)

PROVIDER_MODULES = {"email": "email", "whatsapp": "whatsapp", "sms": "sms"}

_registered: dict[str, Channel] = {"inbox": InboxChannel()}
_loaded: dict[str, Channel | None] = {}

__all__ = [
    "Channel",
    "ChannelError",
    "OutgoingMessage",
    "PermanentError",
    "RetryableError",
    "SendResult",
    "channel",
    "configured",
    "register_channel",
    "unregister_channel",
]


def register_channel(impl: Channel) -> Channel | None:
    """Use ``impl`` for ``impl.name`` (over a built-in provider); returns what it replaces."""
    previous = _registered.get(impl.name)
    _registered[impl.name] = impl
    return previous


def unregister_channel(name: str) -> None:
    """Forget a registered channel (the built-in provider of that name is used again)."""
    if name != "inbox":
        _registered.pop(name, None)


def _provider(name: str) -> Channel | None:
    if name not in _loaded:
        impl = None
        module_name = PROVIDER_MODULES.get(name)
        if module_name is not None:
            try:
                module = importlib.import_module(f"{__name__}.{module_name}")
                impl = getattr(module, "CHANNEL", None)
            except ImportError:
                log.warning("notification channel %s is not available", name)
        _loaded[name] = impl
    return _loaded[name]


def channel(name: str) -> Channel | None:
    """The channel called ``name``, or None when none exists."""
    return _registered.get(name) or _provider(name)


def configured(name: str, app: Flask | None = None, config: Mapping | None = None) -> bool:
    """Whether the platform can send over ``name`` now (the inbox always can)."""
    impl = channel(name)
    if impl is None:
        return False
    cfg = config if config is not None else (app or current_app).config
    try:
        return bool(impl.configured(cfg))
    except Exception:  # noqa: BLE001 - a broken provider is simply not available
        log.exception("notification channel %s failed its configuration check", name)
        return False
