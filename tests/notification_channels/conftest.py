"""The local provider servers (WhatsApp Cloud API, SMS gateway, SMTP) the channel tests talk to."""

from __future__ import annotations

import pytest

from desacerdas.notifications.channels.base import OutgoingMessage
from desacerdas.testing.providers import ProviderServer, SmtpServer

COST = {"whatsapp": 350, "sms": 250, "email": 0}
PHONE = "+6281234567890"
DIGITS = "6281234567890"


@pytest.fixture(scope="session")
def _provider_server():
    with ProviderServer() as server:
        yield server


@pytest.fixture
def providers(_provider_server):
    """The running provider server, forgotten requests and failures before each test."""
    _provider_server.reset()
    _provider_server.templates = None
    _provider_server.timeout_wait = 5.0
    yield _provider_server
    _provider_server.reset()


@pytest.fixture
def config(providers) -> dict:
    """Channel settings pointing at the local server (short timeout: the timeout tests wait)."""
    return {**providers.config(), "NOTIFY_COST": COST, "NOTIFY_HTTP_TIMEOUT": 1.0}


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def message(**overrides) -> OutgoingMessage:
    """An outgoing message as delivery builds it (WhatsApp template kind, outside the window)."""
    values = {
        "notification_id": "8d0c2f4e-7a51-4c55-9b39-2f6f3e0c1a11",
        "tenant_id": 7,
        "channel": "whatsapp",
        "address": PHONE,
        "subject": "Surat siap",
        "body": "Surat keterangan domisili Anda sudah terbit.",
        "locale": "id",
        "whatsapp_template": "letter_issued",
        "whatsapp_params": ("Made", "Surat keterangan domisili"),
        "in_session_window": False,
        "callback": "7:8d0c2f4e-7a51-4c55-9b39-2f6f3e0c1a11",
    }
    values.update(overrides)
    return OutgoingMessage(**values)
