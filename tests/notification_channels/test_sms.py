"""The SMS channel against the local gateway: form fields, success, every refusal."""

from __future__ import annotations

import pytest

from desacerdas.notifications.channels.base import PermanentError, RetryableError
from desacerdas.notifications.channels.sms import CHANNEL
from desacerdas.testing import providers as fake

from .conftest import DIGITS, message


def sms(**overrides):
    return message(channel="sms", body="Kode PIN Anda 481516. Jangan berikan kepada siapa pun.", **overrides)


def test_sends_the_form_and_keeps_the_message_id(providers, config):
    result = CHANNEL.send(sms(), config)

    [request] = providers.sms_requests()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "userkey": fake.SMS_USERKEY,
        "passkey": fake.SMS_PASSKEY,
        "to": DIGITS,
        "message": "Kode PIN Anda 481516. Jangan berikan kepada siapa pun.",
    }
    assert request.answer["status"] == "1"
    assert result.provider_message_id == request.answer["messageId"]
    assert result.cost == 250


def test_local_number_gets_the_country_code(providers, config):
    CHANNEL.send(sms(address="0812 3456 7890"), config)
    assert providers.sms_requests()[0].form["to"] == DIGITS


@pytest.mark.parametrize(
    ("mode", "error", "words"),
    [
        ("rate_limited", RetryableError, "busy"),
        ("server_error", RetryableError, "busy"),
        ("no_balance", RetryableError, "no credit"),
        ("invalid_number", PermanentError, "not valid"),
    ],
)
def test_gateway_refusals(providers, config, mode, error, words):
    providers.fail(DIGITS, mode)
    with pytest.raises(error, match=words):
        CHANNEL.send(sms(), config)
    assert len(providers.sms_requests()) == 1


def test_wrong_key_is_final(providers, config):
    with pytest.raises(PermanentError, match="account key"):
        CHANNEL.send(sms(), {**config, "SMS_PASSKEY": "wrong"})
    [request] = providers.sms_requests()
    assert request.answer == {"status": "0", "text": "Userkey / Passkey salah"}


def test_number_the_gateway_rejects(providers, config):
    with pytest.raises(PermanentError, match="not valid"):
        CHANNEL.send(sms(address="12345"), config)


def test_timeout_and_unreachable_are_retried(providers, config):
    providers.timeout_wait = 2.0
    providers.fail(DIGITS, "timeout", times=1)
    with pytest.raises(RetryableError, match="could not be reached"):
        CHANNEL.send(sms(), config)
    with pytest.raises(RetryableError, match="could not be reached"):
        CHANNEL.send(sms(), {**config, "SMS_URL": f"http://127.0.0.1:{fake.free_port()}/sms/send"})


def test_unknown_refusal_is_final_and_logged(providers, config, monkeypatch, caplog):
    monkeypatch.setitem(fake.SMS_ERRORS, "odd", (200, {"status": "0", "text": "Pesan ditolak operator"}))
    providers.fail(DIGITS, "odd")
    with pytest.raises(PermanentError, match="refused the message"):
        CHANNEL.send(sms(), config)
    assert "Pesan ditolak operator" in caplog.text


def test_configured_needs_url_and_keys(config):
    assert CHANNEL.configured(config)
    assert not CHANNEL.configured({**config, "SMS_URL": None})
    assert not CHANNEL.configured({**config, "SMS_USERKEY": ""})
