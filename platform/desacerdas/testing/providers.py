"""Local stand-ins for the notification providers, for tests and the benchmark.

One threaded HTTP server on a free loopback port speaks the WhatsApp Business Cloud API (send
endpoint, Graph error answers) and an Indonesian-market HTTP SMS gateway; :class:`SmtpServer` is a
real SMTP server (aiosmtpd). All of them record every request, so a test can assert that a message
went out exactly once, and answer errors chosen per recipient number or template name::

    with ProviderServer() as providers:
        app.config.update(providers.config())
        providers.fail("6281234567890", "rate_limited", times=1)
        ...
        providers.deliver_webhook(client, providers.status_payload(wamid, "delivered"))
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .mailserver import SmtpServer, free_port, self_signed_certificate

__all__ = ["ProviderServer", "SmtpServer", "deliver_webhook", "free_port", "self_signed_certificate"]

TOKEN = "test-whatsapp-token"  # noqa: S105 - a throwaway local test server
APP_SECRET = "test-app-secret"  # noqa: S105
VERIFY_TOKEN = "test-verify-token"  # noqa: S105
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
SMS_USERKEY = "desa-userkey"
SMS_PASSKEY = "desa-passkey"  # noqa: S105
API_VERSION = "v21.0"

# mode -> (HTTP status, Graph error code, title); the documented Cloud API error codes.
WHATSAPP_ERRORS: dict[str, tuple[int, int, str]] = {
    "rate_limited": (429, 130429, "Rate limit hit"),
    "spam_limited": (400, 131048, "Spam rate limit hit"),
    "pair_limited": (400, 131056, "(Business Account, Consumer Account) pair rate limit hit"),
    "invalid_recipient": (400, 131026, "Message undeliverable"),
    "invalid_parameter": (400, 100, "Invalid parameter"),
    "reengagement": (400, 131047, "Re-engagement message"),
    "template_params": (400, 132000, "Number of parameters does not match the expected number of params"),
    "template_param_format": (400, 132018, "There was an issue with the parameters in your template."),
    "template_missing": (400, 132001, "Template name does not exist in the translation"),
    "template_paused": (400, 132015, "Template is paused"),
    "template_disabled": (400, 132016, "Template has been disabled"),
    "bad_token": (401, 190, "Invalid OAuth access token - Cannot parse access token"),
    "server_error": (500, 131000, "Something went wrong"),
}
# mode -> (HTTP status, JSON answer) of the SMS gateway.
SMS_ERRORS: dict[str, tuple[int, dict[str, str]]] = {
    "rate_limited": (429, {"status": "0", "text": "Too Many Requests"}),
    "invalid_number": (200, {"status": "0", "text": "Nomor tujuan tidak valid"}),
    "no_balance": (200, {"status": "0", "text": "Saldo tidak mencukupi"}),
    "bad_key": (200, {"status": "0", "text": "Userkey / Passkey salah"}),
    "server_error": (503, {"status": "0", "text": "Service Unavailable"}),
}
_MESSAGES_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]+)/messages$")


@dataclass
class Recorded:
    """One request the server received and what it answered."""

    provider: str  # "whatsapp" | "sms"
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    status: int = 200
    answer: Any = None
    at: float = field(default_factory=time.time)


@dataclass
class _Failure:
    mode: str
    times: int | None  # None: every time


class ProviderServer:
    """WhatsApp Cloud API at ``/<version>/<phone_number_id>/messages`` and the SMS gateway at
    ``/sms/send`` on one loopback port; ``start()``/``stop()`` or use it as a context manager."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay  # seconds every answer waits (a slow provider)
        self.timeout_wait = 5.0  # how long a "timeout" failure holds the answer back
        self.requests: list[Recorded] = []
        self.sent: dict[str, dict[str, Any]] = {}  # wamid -> the request JSON
        self.templates: dict[str, int] | None = None  # approved name -> body params; None: any
        self._failures: dict[str, _Failure] = {}
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> ProviderServer:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def config(self) -> dict[str, Any]:
        """The app settings that point both HTTP channels at this server."""
        return {
            "WHATSAPP_API_URL": f"{self.url}/{API_VERSION}",
            "WHATSAPP_TOKEN": TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "SMS_URL": f"{self.url}/sms/send",
            "SMS_USERKEY": SMS_USERKEY,
            "SMS_PASSKEY": SMS_PASSKEY,
        }

    # -- choosing answers and reading what came in ----------------------------------------------

    def fail(self, key: str, mode: str, times: int | None = None) -> None:
        """Answer ``mode`` (see WHATSAPP_ERRORS / SMS_ERRORS, or "timeout") for requests to the
        recipient number ``key`` (digits, as sent) or the WhatsApp template named ``key``;
        ``times`` failures then success again (None: always)."""
        if mode not in WHATSAPP_ERRORS and mode not in SMS_ERRORS and mode != "timeout":
            raise ValueError(f"unknown failure mode {mode!r}")
        with self._lock:
            self._failures[key] = _Failure(mode, times)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self.requests.clear()
            self.sent.clear()

    def whatsapp_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.provider == "whatsapp"]

    def sms_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.provider == "sms"]

    def _failure_for(self, *keys: str | None) -> str | None:
        with self._lock:
            for key in keys:
                failure = self._failures.get(key) if key else None
                if failure is None:
                    continue
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        del self._failures[key]
                return failure.mode
        return None

    # -- the HTTP side ----------------------------------------------------------------------------

    def _wsgi(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        if self.delay:
            time.sleep(self.delay)
        match = _MESSAGES_PATH.match(request.path)
        if request.method == "POST" and match:
            response = self._whatsapp(request, match.group(2))
        elif request.method == "POST" and request.path == "/sms/send":
            response = self._sms(request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _record(self, provider: str, request: Request, status: int, answer: Any, **body: Any) -> None:
        entry = Recorded(provider, request.method, request.path, dict(request.headers), status=status)
        entry.answer = answer
        entry.json = body.get("json")
        entry.form = body.get("form") or {}
        with self._lock:
            self.requests.append(entry)

    def _whatsapp(self, request: Request, phone_number_id: str) -> Response:
        payload = request.get_json(silent=True)
        status, answer = self._whatsapp_answer(request, phone_number_id, payload)
        self._record("whatsapp", request, status, answer, json=payload)
        return Response(json.dumps(answer), status=status, content_type="application/json")

    def _whatsapp_answer(self, request: Request, phone_number_id: str, payload: Any) -> tuple[int, dict]:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return graph_error("bad_token")
        if phone_number_id != PHONE_NUMBER_ID:
            return graph_error("invalid_parameter", f"Object with ID '{phone_number_id}' does not exist")
        if not isinstance(payload, dict) or payload.get("messaging_product") != "whatsapp":
            return graph_error("invalid_parameter", "The parameter messaging_product is required.")
        to, kind = str(payload.get("to") or ""), payload.get("type")
        template = payload.get("template") or {}
        if not to or kind not in ("text", "template"):
            return graph_error("invalid_parameter")
        if kind == "template" and not (template.get("name") and template.get("language", {}).get("code")):
            return graph_error("invalid_parameter", "The parameter template['name'] is required.")
        if kind == "text" and not (payload.get("text") or {}).get("body"):
            return graph_error("invalid_parameter", "The parameter text['body'] is required.")
        params = [p.get("text", "") for c in template.get("components", []) for p in c.get("parameters", [])]
        if any(not text or re.search(r"[\n\t]| {5}", text) for text in params):
            return graph_error("template_param_format")  # what the Cloud API refuses in a parameter
        mode = self._failure_for(to, template.get("name") if kind == "template" else None)
        if mode == "timeout":
            time.sleep(self.timeout_wait)
        elif mode in WHATSAPP_ERRORS:
            return graph_error(mode)
        if kind == "template" and self.templates is not None:
            expected = self.templates.get(template["name"])
            if expected is None:
                return graph_error("template_missing")
            if len(params) != expected:
                return graph_error("template_params")
        wamid = "wamid." + secrets.token_urlsafe(24)
        with self._lock:
            self.sent[wamid] = payload
        digits = re.sub(r"\D", "", to)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": digits}],
            "messages": [{"id": wamid}],
        }
        return 200, answer

    def _sms(self, request: Request) -> Response:
        form = request.form.to_dict()
        status, answer = self._sms_answer(form)
        self._record("sms", request, status, answer, form=form)
        return Response(json.dumps(answer), status=status, content_type="application/json")

    def _sms_answer(self, form: dict[str, str]) -> tuple[int, dict]:
        if form.get("userkey") != SMS_USERKEY or form.get("passkey") != SMS_PASSKEY:
            return SMS_ERRORS["bad_key"]
        to = form.get("to", "")
        if not re.fullmatch(r"(\+?62|0)8\d{7,12}", to) or not form.get("message"):
            return SMS_ERRORS["invalid_number"]
        mode = self._failure_for(to)
        if mode == "timeout":
            time.sleep(self.timeout_wait)
        elif mode in SMS_ERRORS:
            return SMS_ERRORS[mode]
        return 200, {"messageId": str(secrets.randbelow(10**9)), "to": to, "status": "1", "text": "Success"}

    # -- webhooks Meta would send ---------------------------------------------------------------

    def status_payload(self, message_id: str, status: str, **kwargs: Any) -> dict:
        """A status webhook for a message this server accepted (recipient and callback data taken
        from the send request unless given); see :func:`status_payload`."""
        sent = self.sent.get(message_id, {})
        kwargs.setdefault("recipient", re.sub(r"\D", "", str(sent.get("to", ""))))
        kwargs.setdefault("callback", sent.get("biz_opaque_callback_data"))
        return status_payload(message_id, status, **kwargs)

    def deliver_webhook(self, target: Any, payload: Any, **kwargs: Any) -> tuple[int, bytes]:
        """:func:`deliver_webhook`: POST ``payload`` signed as Meta does."""
        return deliver_webhook(target, payload, **kwargs)


def graph_error(mode: str, message: str | None = None) -> tuple[int, dict]:
    """The Graph API error answer for ``mode``."""
    status, code, title = WHATSAPP_ERRORS[mode]
    error = {
        "message": f"(#{code}) {message or title}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message or title},
        "fbtrace_id": secrets.token_urlsafe(12),
    }
    if code == 190:
        error["error_subcode"] = 463
    return status, {"error": error}


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The ``X-Hub-Signature-256`` header value Meta sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _envelope(value: dict) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001111", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def status_payload(
    message_id: str,
    status: str,
    *,
    recipient: str = "6281234567890",
    callback: str | None = None,
    timestamp: int | None = None,
    category: str = "utility",
    billable: bool = True,
    error_code: int | None = None,
) -> dict:
    """A Cloud API status webhook (sent / delivered / read / failed) for one message."""
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp or int(time.time())),
        "recipient_id": recipient,
    }
    if callback is not None:
        entry["biz_opaque_callback_data"] = callback
    if status in ("sent", "delivered"):
        entry["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": category}}
        entry["pricing"] = {"billable": billable, "pricing_model": "PMP", "category": category}
    if status == "failed":
        code = error_code or 131026
        title = next((t for _, c, t in WHATSAPP_ERRORS.values() if c == code), "Message failed")
        entry["errors"] = [{"code": code, "title": title, "message": title, "error_data": {"details": title}}]
    return _envelope({"statuses": [entry]})


def inbound_payload(phone: str, text: str, *, timestamp: int | None = None, name: str = "Warga") -> dict:
    """A Cloud API webhook for one inbound text message from ``phone`` (digits)."""
    message = {
        "from": phone,
        "id": "wamid." + secrets.token_urlsafe(24),
        "timestamp": str(timestamp or int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    return _envelope({"contacts": [{"profile": {"name": name}, "wa_id": phone}], "messages": [message]})


def deliver_webhook(
    target: Any,
    payload: Any,
    *,
    secret: str | None = APP_SECRET,
    signature: str | None = None,
    path: str = "/webhooks/whatsapp",
) -> tuple[int, bytes]:
    """POST a webhook body to a Flask test client or a base URL; returns (status, body)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    if hasattr(target, "post"):
        response = target.post(path, data=body, headers=headers)
        return response.status_code, response.get_data()
    import urllib3

    answer = urllib3.request("POST", str(target).rstrip("/") + path, body=body, headers=headers, timeout=10)
    return answer.status, answer.data
