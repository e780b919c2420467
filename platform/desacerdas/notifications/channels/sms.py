"""SMS through an HTTP SMS gateway of the shape common on the Indonesian market.

POST form ``userkey``, ``passkey``, ``to``, ``message`` to ``SMS_URL``; the gateway answers JSON
``{"messageId": ..., "to": ..., "status": "1", "text": "Success"}`` or ``status "0"`` with the reason
in ``text``; HTTP 429 when we send too fast. Another gateway is another small module with the
same ``send()``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping

import urllib3

from ...services.i18n import _
from .base import OutgoingMessage, PermanentError, RetryableError, SendResult

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0

_http = urllib3.PoolManager(retries=False)


def number(address: str) -> str:
    """ "+62 812-3456-7890" / "0812…" -> "62812…"."""
    digits = re.sub(r"\D", "", address)
    return "62" + digits[1:] if digits.startswith("0") else digits


def _refused(text: str) -> Exception:
    """The gateway's ``status "0"`` text in our words (its texts are Indonesian or English)."""
    lowered = text.lower()
    if "userkey" in lowered or "passkey" in lowered or "key" in lowered.split():
        return PermanentError(
            _("The SMS gateway refused the account key (check SMS_USERKEY and SMS_PASSKEY).")
        )
    if "nomor" in lowered or "number" in lowered:
        return PermanentError(_("The SMS gateway says this phone number is not valid."))
    if "saldo" in lowered or "balance" in lowered or "credit" in lowered:
        return RetryableError(_("The SMS account has no credit left; the message will be sent again later."))
    log.warning("SMS gateway refused a message: %s", text[:200])
    return PermanentError(_("The SMS gateway refused the message."))


class SmsChannel:
    """Channel ``sms``: needs SMS_URL, SMS_USERKEY and SMS_PASSKEY."""

    name = "sms"

    def configured(self, config: Mapping) -> bool:
        return bool(config.get("SMS_URL") and config.get("SMS_USERKEY") and config.get("SMS_PASSKEY"))

    def send(self, message: OutgoingMessage, config: Mapping) -> SendResult:
        fields = {
            "userkey": config["SMS_USERKEY"],
            "passkey": config["SMS_PASSKEY"],
            "to": number(message.address),
            "message": message.body,
        }
        timeout = float(config.get("NOTIFY_HTTP_TIMEOUT") or DEFAULT_TIMEOUT)
        try:
            answer = _http.request(
                "POST", config["SMS_URL"], fields=fields, encode_multipart=False, timeout=timeout
            )
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableError(
                _("The SMS gateway could not be reached; the message will be sent again later.")
            ) from exc
        if answer.status == 429 or answer.status >= 500:
            raise RetryableError(_("The SMS gateway is busy; the message will be sent again later."))
        try:
            body = json.loads(answer.data)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if 200 <= answer.status < 300:  # accepted all the same: resending could send it twice
                return SendResult(None, _cost(config))
            raise PermanentError(_("The SMS gateway refused the message."))
        if str(body.get("status")) == "1":
            message_id = body.get("messageId")
            return SendResult(str(message_id) if message_id is not None else None, _cost(config))
        raise _refused(str(body.get("text") or ""))


def _cost(config: Mapping) -> int:
    return int((config.get("NOTIFY_COST") or {}).get("sms", 0))


CHANNEL = SmsChannel()
