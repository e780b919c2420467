"""WhatsApp through the official WhatsApp Business Cloud API.

Outside the 24-hour customer-service window WhatsApp only delivers pre-approved *template* messages
(name, language, body parameters); inside it (the resident wrote to us in the last 24 hours) free
text is allowed and free of charge. ``biz_opaque_callback_data`` carries "<tenant_id or p>:<id>" so
the delivery-status webhook finds the row in the right village. Graph error codes are mapped to
"try again later" (rate limits, provider trouble) or "never going to work" (invalid number,
template missing or paused, bad token); the reason is kept in words for staff.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import urllib3

from ...services.i18n import _
from .base import OutgoingMessage, PermanentError, RetryableError, SendResult

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds, connect and read; a hung provider must not hold the worker
# Language codes of the registered templates, per site locale.
LANGUAGES = {"id": "id", "en": "en_US"}
RETRY_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})
REENGAGEMENT = 131047  # free text outside the 24-hour window

_http = urllib3.PoolManager(retries=False)


def describe(code: int | None, fallback: str = "") -> str:
    """A Graph / Cloud API error code in words (for staff), the provider's text when unknown."""
    if code in (130429, 4, 80007):
        return _("WhatsApp is limiting how fast we send; the message will be sent again later.")
    if code == 131048:
        return _("WhatsApp limited sending because of spam reports; the message will be sent again later.")
    if code == 131056:
        return _("Too many messages to this number in a short time; the message will be sent again later.")
    if code in (1, 2, 131000, 131016, 133004):
        return _("WhatsApp had a temporary problem; the message will be sent again later.")
    if code == 131026:
        return _("This number cannot receive WhatsApp messages.")
    if code in (100, 131009):
        return _("WhatsApp refused the message as invalid (number or parameters).")
    if code == REENGAGEMENT:
        return _(
            "The recipient has not written in the last 24 hours and there is no template for this message."
        )
    if code in (132000, 132012, 132018):
        return _("The WhatsApp template expects different parameters than were sent.")
    if code == 132001:
        return _("The WhatsApp template does not exist in this language.")
    if code == 132015:
        return _("The WhatsApp template is paused by Meta.")
    if code in (132016, 132007):
        return _("The WhatsApp template is disabled or not approved.")
    if code == 190:
        return _("The WhatsApp access token is not valid.")
    if code in (10, 200, 131031):
        return _("The WhatsApp Business account may not send this message.")
    if fallback:
        log.warning("WhatsApp error %s: %s", code, fallback[:200])
    return _("WhatsApp refused the message.")


def digits(address: str) -> str:
    """ "+62 812-3456-7890" / "0812…" -> "62812…" (WhatsApp wants the number with country code)."""
    number = re.sub(r"\D", "", address)
    return "62" + number[1:] if number.startswith("0") else number


def language(locale: str) -> str:
    return LANGUAGES.get(locale, locale)


def parameter(value: object) -> str:
    """A template parameter as the Cloud API accepts it: not empty, no new lines or tabs, no run
    of more than four spaces (else error 132018), at most 1024 characters."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return (text or "-")[:1024]


def template_payload(message: OutgoingMessage) -> dict[str, Any]:
    template: dict[str, Any] = {
        "name": message.whatsapp_template,
        "language": {"code": language(message.locale)},
    }
    if message.whatsapp_params:
        params = [{"type": "text", "text": parameter(value)} for value in message.whatsapp_params]
        template["components"] = [{"type": "body", "parameters": params}]
    return {"type": "template", "template": template}


def text_payload(message: OutgoingMessage) -> dict[str, Any]:
    body = f"*{message.subject}*\n{message.body}" if message.subject else message.body
    return {"type": "text", "text": {"preview_url": False, "body": body[:4096]}}


class WhatsAppChannel:
    """Channel ``whatsapp``: needs WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_API_URL."""

    name = "whatsapp"

    def configured(self, config: Mapping) -> bool:
        return bool(
            config.get("WHATSAPP_TOKEN")
            and config.get("WHATSAPP_PHONE_NUMBER_ID")
            and config.get("WHATSAPP_API_URL")
        )

    def send(self, message: OutgoingMessage, config: Mapping) -> SendResult:
        """Free text inside the 24-hour window, else the kind's template; a free text refused
        because the window just closed is sent once more as the template."""
        if message.in_session_window:
            try:
                return self._post(message, text_payload(message), config, cost=0)
            except _Reengagement:
                if not message.whatsapp_template:
                    raise PermanentError(describe(REENGAGEMENT)) from None
        elif not message.whatsapp_template:
            raise PermanentError(describe(REENGAGEMENT))
        try:
            return self._post(message, template_payload(message), config, cost=_cost(config))
        except _Reengagement:
            raise PermanentError(describe(REENGAGEMENT)) from None

    def _post(self, message: OutgoingMessage, content: dict, config: Mapping, cost: int) -> SendResult:
        url = f"{str(config['WHATSAPP_API_URL']).rstrip('/')}/{config['WHATSAPP_PHONE_NUMBER_ID']}/messages"
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": digits(message.address),
            **content,
            "biz_opaque_callback_data": message.callback,
        }
        headers = {"Authorization": f"Bearer {config['WHATSAPP_TOKEN']}", "Content-Type": "application/json"}
        timeout = float(config.get("NOTIFY_HTTP_TIMEOUT") or DEFAULT_TIMEOUT)
        try:
            answer = _http.request(
                "POST", url, body=json.dumps(payload).encode(), headers=headers, timeout=timeout
            )
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableError(
                _("WhatsApp could not be reached; the message will be sent again later.")
            ) from exc
        if 200 <= answer.status < 300:
            return SendResult(_message_id(answer.data), cost)
        raise _error(answer.status, answer.data)


class _Reengagement(PermanentError):
    """Free text refused: the 24-hour window is closed."""


def _cost(config: Mapping) -> int:
    return int((config.get("NOTIFY_COST") or {}).get("whatsapp", 0))


def _message_id(data: bytes) -> str | None:
    try:
        return json.loads(data)["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None  # accepted all the same: resending could deliver it twice


def _error(status: int, data: bytes) -> Exception:
    try:
        error = json.loads(data).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    reason = (error.get("error_data") or {}).get("details") or error.get("message") or ""
    if code == REENGAGEMENT:
        return _Reengagement(describe(code))
    if code in RETRY_CODES or status == 429 or status >= 500:
        return RetryableError(
            describe(code, reason)
            if code in RETRY_CODES
            else _("WhatsApp is busy; the message will be sent again later.")
        )
    return PermanentError(describe(code, str(reason)[:200]))


CHANNEL = WhatsAppChannel()
