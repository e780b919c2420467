"""The WhatsApp channel against the local Cloud API server: request shape, the 24-hour window,
and every error answer mapped to "retry later" or "final" with a reason in words."""

from __future__ import annotations

import pytest

from desacerdas.notifications.channels.base import PermanentError, RetryableError
from desacerdas.notifications.channels.whatsapp import CHANNEL, digits, language
from desacerdas.testing import providers as fake

from .conftest import DIGITS, message


def test_template_message_outside_the_window(providers, config):
    result = CHANNEL.send(message(), config)

    [request] = providers.whatsapp_requests()
    assert request.path == f"/v21.0/{fake.PHONE_NUMBER_ID}/messages"
    assert request.headers["Authorization"] == f"Bearer {fake.TOKEN}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": DIGITS,
        "type": "template",
        "template": {
            "name": "letter_issued",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Made"},
                        {"type": "text", "text": "Surat keterangan domisili"},
                    ],
                }
            ],
        },
        "biz_opaque_callback_data": "7:8d0c2f4e-7a51-4c55-9b39-2f6f3e0c1a11",
    }
    assert result.provider_message_id == request.answer["messages"][0]["id"]
    assert result.provider_message_id.startswith("wamid.")
    assert result.cost == 350


def test_free_text_inside_the_window_costs_nothing(providers, config):
    result = CHANNEL.send(message(in_session_window=True, locale="en"), config)

    [request] = providers.whatsapp_requests()
    assert request.json["type"] == "text"
    assert request.json["text"]["body"] == "*Surat siap*\nSurat keterangan domisili Anda sudah terbit."
    assert "template" not in request.json
    assert result.cost == 0


def test_english_template_language_and_no_parameters(providers, config):
    CHANNEL.send(message(locale="en", whatsapp_params=()), config)

    [request] = providers.whatsapp_requests()
    assert request.json["template"] == {"name": "letter_issued", "language": {"code": "en_US"}}
    assert language("id") == "id"


def test_outside_the_window_without_a_template_is_final(providers, config):
    with pytest.raises(PermanentError, match="24 hours"):
        CHANNEL.send(message(whatsapp_template=None), config)
    assert providers.whatsapp_requests() == []


def test_window_closed_meanwhile_falls_back_to_the_template(providers, config):
    providers.fail(DIGITS, "reengagement", times=1)

    result = CHANNEL.send(message(in_session_window=True), config)

    first, second = providers.whatsapp_requests()
    assert (first.status, first.json["type"]) == (400, "text")
    assert (second.status, second.json["type"]) == (200, "template")
    assert result.cost == 350


def test_window_closed_and_no_template_is_final(providers, config):
    providers.fail(DIGITS, "reengagement")
    with pytest.raises(PermanentError, match="24 hours"):
        CHANNEL.send(message(in_session_window=True, whatsapp_template=None), config)
    assert len(providers.whatsapp_requests()) == 1


@pytest.mark.parametrize(
    ("mode", "status", "words"),
    [
        ("rate_limited", 429, "limiting how fast"),
        ("spam_limited", 400, "spam"),
        ("pair_limited", 400, "Too many messages to this number"),
        ("server_error", 500, "temporary problem"),
    ],
)
def test_rate_limits_and_provider_trouble_are_retried(providers, config, mode, status, words):
    providers.fail(DIGITS, mode)
    with pytest.raises(RetryableError, match=words):
        CHANNEL.send(message(), config)
    [request] = providers.whatsapp_requests()
    assert request.status == status
    assert request.answer["error"]["type"] == "OAuthException"


@pytest.mark.parametrize(
    ("key", "mode", "words"),
    [
        (DIGITS, "invalid_recipient", "cannot receive WhatsApp"),
        (DIGITS, "invalid_parameter", "invalid"),
        ("letter_issued", "template_missing", "does not exist"),
        ("letter_issued", "template_paused", "paused"),
        ("letter_issued", "template_disabled", "not approved"),
        ("letter_issued", "template_params", "different parameters"),
    ],
)
def test_invalid_number_and_template_problems_are_final(providers, config, key, mode, words):
    providers.fail(key, mode)
    with pytest.raises(PermanentError, match=words):
        CHANNEL.send(message(), config)
    assert len(providers.whatsapp_requests()) == 1


def test_bad_token_is_final(providers, config):
    with pytest.raises(PermanentError, match="access token is not valid"):
        CHANNEL.send(message(), {**config, "WHATSAPP_TOKEN": "wrong"})
    [request] = providers.whatsapp_requests()
    assert request.status == 401
    assert request.answer["error"]["code"] == 190


def test_unapproved_template_by_name(providers, config):
    providers.templates = {"letter_issued": 2}
    with pytest.raises(PermanentError, match="does not exist"):
        CHANNEL.send(message(whatsapp_template="not_registered"), config)
    with pytest.raises(PermanentError, match="different parameters"):
        CHANNEL.send(message(whatsapp_params=("only one",)), config)
    assert CHANNEL.send(message(), config).provider_message_id


def test_failure_for_a_number_does_not_touch_other_numbers(providers, config):
    providers.fail(DIGITS, "invalid_recipient")
    assert CHANNEL.send(message(address="0812-9999-0000"), config).provider_message_id
    assert providers.whatsapp_requests()[0].json["to"] == "6281299990000"


def test_temporary_failure_then_success(providers, config):
    providers.fail(DIGITS, "rate_limited", times=1)
    with pytest.raises(RetryableError):
        CHANNEL.send(message(), config)
    assert CHANNEL.send(message(), config).provider_message_id
    assert [r.status for r in providers.whatsapp_requests()] == [429, 200]


def test_timeout_is_retried(providers, config):
    providers.timeout_wait = 2.0
    providers.fail(DIGITS, "timeout")
    with pytest.raises(RetryableError, match="could not be reached"):
        CHANNEL.send(message(), config)


def test_unreachable_provider_is_retried(config):
    config = {**config, "WHATSAPP_API_URL": f"http://127.0.0.1:{fake.free_port()}/v21.0"}
    with pytest.raises(RetryableError, match="could not be reached"):
        CHANNEL.send(message(), config)


def test_configured_needs_token_number_and_url(config):
    assert CHANNEL.configured(config)
    assert not CHANNEL.configured({**config, "WHATSAPP_TOKEN": None})
    assert not CHANNEL.configured({**config, "WHATSAPP_PHONE_NUMBER_ID": ""})


def test_numbers_are_sent_with_the_country_code():
    assert digits("+62 812-3456-7890") == "6281234567890"
    assert digits("081234567890") == "6281234567890"


def test_parameters_are_made_acceptable(providers, config):
    CHANNEL.send(message(whatsapp_params=("Made\nWirawan", "", "a     b\tc")), config)
    [request] = providers.whatsapp_requests()
    texts = [p["text"] for p in request.json["template"]["components"][0]["parameters"]]
    assert texts == ["Made Wirawan", "-", "a b c"]
    assert request.status == 200


def test_parameter_format_refusal_is_final(providers, config):
    providers.fail("letter_issued", "template_param_format")
    with pytest.raises(PermanentError, match="different parameters"):
        CHANNEL.send(message(), config)


def test_wrong_phone_number_id_is_final(providers, config):
    with pytest.raises(PermanentError, match="invalid"):
        CHANNEL.send(message(), {**config, "WHATSAPP_PHONE_NUMBER_ID": "123"})
    [request] = providers.whatsapp_requests()
    assert (request.status, request.answer["error"]["code"]) == (400, 100)
