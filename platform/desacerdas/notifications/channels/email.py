"""E-mail over SMTP: ``SMTP_URL`` is ``smtp://user:password@host:587?starttls=1`` (STARTTLS),
``smtps://user:password@host:465`` (TLS from the first byte) or plain ``smtp://host:25``.

One connection per message keeps the worker free of half-open sessions; a server that cannot be
reached or answers 4xx is "try again later", a 5xx refusal (no such mailbox, bad sign-in) is final.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from ...services.i18n import _
from .base import OutgoingMessage, PermanentError, RetryableError, SendResult

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
TRUE = {"1", "true", "yes", "on"}


def parse_url(url: str) -> dict:
    """SMTP_URL -> host, port, user, password, ssl ("smtps"), starttls (``?starttls=1``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise PermanentError(_("SMTP_URL must look like smtp://host:587?starttls=1 or smtps://host:465."))
    query = {key: values[-1].lower() for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "0") in TRUE
    use_ssl = parts.scheme == "smtps"
    return {
        "host": parts.hostname,
        "port": parts.port or (465 if use_ssl else 587 if starttls else 25),
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "ssl": use_ssl,
        "starttls": starttls,
    }


def build(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The e-mail for one notification (plain text; marked as sent automatically, RFC 3834)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    mail["Message-ID"] = make_msgid(domain=domain)
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Desa-Notification"] = message.callback
    mail.set_content(message.body)
    return mail


class EmailChannel:
    """Channel ``email``: needs SMTP_URL (MAIL_FROM has a default)."""

    name = "email"

    def configured(self, config: Mapping) -> bool:
        return bool(config.get("SMTP_URL"))

    def send(self, message: OutgoingMessage, config: Mapping) -> SendResult:
        server = parse_url(str(config["SMTP_URL"]))
        try:
            Address(addr_spec=message.address)
        except (ValueError, IndexError) as exc:
            raise PermanentError(_("This is not a valid e-mail address.")) from exc
        mail = build(message, str(config.get("MAIL_FROM") or "noreply@localhost"))
        timeout = float(config.get("NOTIFY_SMTP_TIMEOUT") or DEFAULT_TIMEOUT)
        try:
            _deliver(server, mail, timeout)
        except (smtplib.SMTPException, OSError) as exc:
            log.info("e-mail %s not sent: %r", message.callback, exc)
            raise _refusal(exc) from exc
        cost = int((config.get("NOTIFY_COST") or {}).get("email", 0))
        return SendResult(mail["Message-ID"], cost)


def _refusal(exc: Exception) -> Exception:
    """What went wrong, in words: 4xx and unreachable -> try again later, 5xx -> final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = min((answer[0] for answer in exc.recipients.values()), default=550)
        if _temporary(code):
            return RetryableError(
                _("The mail server refused this address for now; the e-mail will be sent again later.")
            )
        return PermanentError(_("The mail server refused this address."))
    if isinstance(exc, smtplib.SMTPSenderRefused) and not _temporary(exc.smtp_code):
        return PermanentError(_("The mail server refused the sender address (MAIL_FROM)."))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return PermanentError(_("The mail server refused the sign-in (check SMTP_URL)."))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentError(
            _("The mail server does not offer what SMTP_URL asks for (STARTTLS or sign-in).")
        )
    if isinstance(exc, smtplib.SMTPResponseException) and not _temporary(exc.smtp_code):
        return PermanentError(_("The mail server refused the e-mail."))
    if isinstance(exc, smtplib.SMTPResponseException):
        return RetryableError(
            _("The mail server could not take the e-mail now; it will be sent again later.")
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentError(_("The mail server's certificate could not be verified."))
    # refused, timed out, dropped, TLS trouble
    return RetryableError(_("The mail server could not be reached; the e-mail will be sent again later."))


def _temporary(code: int) -> bool:
    return 400 <= code < 500


def _deliver(server: dict, mail: EmailMessage, timeout: float) -> None:
    context = ssl.create_default_context()
    host, port = server["host"], server["port"]
    if server["ssl"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if server["starttls"]:
            smtp.starttls(context=context)
        if server["user"]:
            smtp.login(server["user"], server["password"] or "")
        smtp.send_message(mail)


CHANNEL = EmailChannel()
