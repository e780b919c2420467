"""The WhatsApp Cloud API webhook: delivery statuses and residents' replies.

``GET /webhooks/whatsapp`` answers Meta's one-time verification (``hub.verify_token`` must equal
WHATSAPP_VERIFY_TOKEN). ``POST`` is trusted only with a valid ``X-Hub-Signature-256`` (HMAC-SHA256
of the raw body with WHATSAPP_APP_SECRET, compared in constant time). A status update names its
village only through the ``biz_opaque_callback_data`` we sent ("<tenant_id or p>:<id>"), and
``record_status`` looks the message up in that village's tenant session only, so a forged callback
cannot reach another village's row. Well-signed payloads always get 200 (Meta would resend them
for days), except when the database is down, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale
from sqlalchemy.exc import OperationalError

from ..extensions import csrf
from .channels.whatsapp import describe

log = logging.getLogger(__name__)

bp = Blueprint("whatsapp_webhook", __name__)
csrf.exempt(bp)  # Meta cannot send a CSRF token; the signature is the proof instead

STATUSES = frozenset({"sent", "delivered", "read", "failed"})


def valid_signature(body: bytes, header: str | None, secret: str | None) -> bool:
    """Whether ``header`` is "sha256=" + HMAC-SHA256(secret, body), compared in constant time."""
    if not secret or not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().encode("utf-8", "replace"), expected.encode())


def parse_callback(data: Any) -> tuple[bool, int | None]:
    """ "12:<id>" -> (True, 12); "p:<id>" -> (True, None) (platform); anything else -> (False, None)."""
    if not isinstance(data, str) or ":" not in data:
        return False, None
    tenant, _, notification = data.partition(":")
    if not notification:
        return False, None
    if tenant == "p":
        return True, None
    if tenant.isdigit() and tenant == str(int(tenant)):
        return True, int(tenant)
    return False, None


def callback_id(data: Any) -> str | None:
    """The notification's id in our callback data ("12:<id>" -> "<id>"), or None."""
    ok, _tenant = parse_callback(data)
    return data.partition(":")[2] if ok else None


@bp.get("/webhooks/whatsapp")
def verify() -> Response:
    token = current_app.config.get("WHATSAPP_VERIFY_TOKEN")
    given = request.args.get("hub.verify_token", "")
    if (
        request.args.get("hub.mode") == "subscribe"
        and token
        and hmac.compare_digest(given.encode(), str(token).encode())
    ):
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    abort(403)


@bp.post("/webhooks/whatsapp")
def receive() -> tuple[str, int]:
    body = request.get_data(cache=False)
    secret = current_app.config.get("WHATSAPP_APP_SECRET")
    if not valid_signature(body, request.headers.get("X-Hub-Signature-256"), secret):
        return "invalid signature", 401
    try:
        payload = json.loads(body)
    except ValueError:
        return "malformed JSON", 400
    if not isinstance(payload, dict):
        return "malformed payload", 400
    try:
        handle(payload)
    except OperationalError:
        log.exception("whatsapp webhook: database unavailable; Meta will resend")
        return "try again", 503
    return "", 200


def handle(payload: dict) -> None:
    """Apply every status and inbound message in a (verified) webhook payload."""
    if payload.get("object") != "whatsapp_business_account":
        log.info("whatsapp webhook: ignored object %r", payload.get("object"))
        return
    own_number = current_app.config.get("WHATSAPP_PHONE_NUMBER_ID")
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            number = (value.get("metadata") or {}).get("phone_number_id")
            if own_number and number and str(number) != str(own_number):
                log.info("whatsapp webhook: ignored change for phone number id %s", number)
                continue
            for item in _list(value.get("statuses")):
                _guarded(_status, item)
            for item in _list(value.get("messages")):
                _guarded(_inbound, item)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _guarded(apply: Any, item: Any) -> None:
    """One bad item must not stop the others (nor make Meta resend the whole payload forever)."""
    if not isinstance(item, dict):
        return
    try:
        apply(item)
    except OperationalError:
        raise
    except Exception:  # noqa: BLE001 - logged; the rest of the payload still applies
        log.exception("whatsapp webhook: could not apply %s", item.get("id"))


def _status(item: dict) -> None:
    from . import delivery

    message_id, status = item.get("id"), item.get("status")
    if not message_id or status not in STATUSES:
        return
    ok, tenant_id = parse_callback(item.get("biz_opaque_callback_data"))
    if not ok:
        log.warning("whatsapp webhook: status for %s without our callback data, ignored", message_id)
        return
    error = None
    if status == "failed":
        first = next(iter(_list(item.get("errors"))), {}) or {}
        code = first.get("code") if isinstance(first.get("code"), int) else None
        details = (first.get("error_data") or {}).get("details") if isinstance(first, dict) else None
        with force_locale("en"):  # stored as the English source text; pages translate it
            error = describe(code, str(first.get("title") or details or ""))[:500]
    delivery.record_status(
        tenant_id,
        str(message_id),
        status,
        cost=_cost(item.get("pricing")),
        error=error,
        notification_id=callback_id(item.get("biz_opaque_callback_data")),
    )


def _cost(pricing: Any) -> int | None:
    """Rupiah charged for the message, from the status's pricing block (None: not told)."""
    if not isinstance(pricing, dict):
        return None
    if pricing.get("billable") is False or pricing.get("category") == "service":
        return 0
    return int((current_app.config.get("NOTIFY_COST") or {}).get("whatsapp", 0))


def _inbound(item: dict) -> None:
    from . import contacts

    sender = "".join(ch for ch in str(item.get("from") or "") if ch.isdigit())
    if not sender:
        return
    try:
        at = datetime.fromtimestamp(int(item.get("timestamp")), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        at = datetime.now(UTC)
    contacts.record_inbound("+" + sender, at, _text(item))


def _text(item: dict) -> str:
    kind = item.get("type")
    if kind == "text":
        return str((item.get("text") or {}).get("body") or "")
    if kind == "button":
        return str((item.get("button") or {}).get("text") or "")
    if kind == "interactive":
        reply = (item.get("interactive") or {}).get("button_reply") or {}
        return str(reply.get("title") or "")
    return ""
