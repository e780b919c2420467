"""A real SMTP server on loopback for the e-mail channel's tests (aiosmtpd), with optional
sign-in and TLS (STARTTLS or implicit), recording every message it accepts.

Re-exported by :mod:`desacerdas.testing.providers` next to the HTTP provider stand-ins.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import warnings
from collections.abc import Mapping
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Recorder:
    """aiosmtpd handler: keeps every message; refuses recipients listed in ``refuse``."""

    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        answer = self.owner.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.owner.messages.append(message)
        self.owner.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd) that records what it receives.

    ``refuse[address] = "550 5.1.1 No such user"`` makes it refuse one recipient; with ``login``
    it asks for that user name and password; ``tls="starttls"`` or ``"smtps"`` with a certificate
    (see :func:`self_signed_certificate`) speaks TLS as a production relay would."""

    def __init__(
        self,
        login: tuple[str, str] | None = None,
        tls: str | None = None,
        certificate: tuple[str, str] | None = None,
    ) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}
        self.login, self.tls, self.certificate = login, tls, certificate
        self.port = 0
        self._controller = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if self.login:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_require_tls": self.tls == "starttls",  # smtps: TLS already
                "auth_required": True,
            }
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            key = "ssl_context" if self.tls == "smtps" else "tls_context"
            kwargs[key] = context
            if self.tls == "starttls":
                kwargs["require_starttls"] = True
        self._controller = Controller(_Recorder(self), hostname="127.0.0.1", port=self.port, **kwargs)
        with warnings.catch_warnings():  # "AUTH without TLS": on purpose, loopback only
            warnings.simplefilter("ignore", UserWarning)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """A ``SMTP_URL`` for this server (with the login when one is required)."""
        auth = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        scheme, query = ("smtps", "") if self.tls == "smtps" else ("smtp", "?starttls=1" if self.tls else "")
        return f"{scheme}://{auth}127.0.0.1:{self.port}{query}"

    def config(self) -> Mapping[str, str]:
        return {"SMTP_URL": self.url, "MAIL_FROM": "Desa Cerdas <noreply@desa.test>"}

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and self.login == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)


def self_signed_certificate(folder: Path) -> tuple[str, str]:
    """``(cert.pem, key.pem)`` for 127.0.0.1 / localhost, made with the ``openssl`` command; trust
    it in a test with ``SSL_CERT_FILE=cert.pem`` (read by ``ssl.create_default_context``)."""
    cert, key = Path(folder) / "cert.pem", Path(folder) / "key.pem"
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the openssl command is needed for a test certificate")
    args = "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext"
    alt = "subjectAltName=IP:127.0.0.1,DNS:localhost"
    command = [openssl, *args.split(), alt, "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - fixed arguments
    return str(cert), str(key)
