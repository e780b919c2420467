"""The e-mail channel through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import shutil

import pytest

from desacerdas.notifications.channels.base import PermanentError, RetryableError
from desacerdas.notifications.channels.email import CHANNEL, parse_url
from desacerdas.testing.providers import SmtpServer, free_port, self_signed_certificate

from .conftest import COST, message

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def mail(**overrides):
    values = {"channel": "email", "address": "sekdes@menanga.test", "subject": "Atur ulang sandi"}
    values["body"] = "Buka tautan ini untuk mengatur ulang sandi: https://desa.test/reset/abc"
    values.update(overrides)
    return message(**values)


def settings(server: SmtpServer, **overrides) -> dict:
    return {**server.config(), "NOTIFY_COST": COST, **overrides}


def test_delivers_one_plain_text_mail(smtp):
    result = CHANNEL.send(mail(), settings(smtp))

    [received] = smtp.messages
    assert smtp.envelopes == [("noreply@desa.test", ["sekdes@menanga.test"])]
    assert received["From"] == "Desa Cerdas <noreply@desa.test>"
    assert received["To"] == "sekdes@menanga.test"
    assert received["Subject"] == "Atur ulang sandi"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Message-ID"] == result.provider_message_id
    assert received.get_content().strip().endswith("https://desa.test/reset/abc")
    assert result.cost == 0


def test_signs_in_when_the_url_has_a_login():
    with SmtpServer(login=("desa", "s3cret pass")) as server:
        url = server.url.replace("s3cret pass", "s3cret%20pass")
        CHANNEL.send(mail(), settings(server, SMTP_URL=url))
        assert len(server.messages) == 1
        with pytest.raises(PermanentError, match="sign-in"):
            CHANNEL.send(mail(), settings(server, SMTP_URL=url.replace("s3cret", "wrong")))
        assert len(server.messages) == 1


def test_refused_recipient_is_final(smtp):
    smtp.refuse["gone@menanga.test"] = "550 5.1.1 No such user"
    with pytest.raises(PermanentError, match="refused this address"):
        CHANNEL.send(mail(address="gone@menanga.test"), settings(smtp))
    assert smtp.messages == []


def test_temporary_refusal_is_retried(smtp):
    smtp.refuse["busy@menanga.test"] = "451 4.3.0 Mailbox busy, try later"
    with pytest.raises(RetryableError, match="for now"):
        CHANNEL.send(mail(address="busy@menanga.test"), settings(smtp))


def test_connection_refused_is_retried():
    with pytest.raises(RetryableError, match="could not be reached"):
        CHANNEL.send(mail(), {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "MAIL_FROM": "a@b.test"})


def test_starttls_against_a_server_without_it_is_final(smtp):
    with pytest.raises(PermanentError, match="STARTTLS"):
        CHANNEL.send(mail(), settings(smtp, SMTP_URL=smtp.url + "?starttls=1"))
    assert smtp.messages == []


def test_invalid_address_is_final(smtp):
    with pytest.raises(PermanentError, match="not a valid e-mail"):
        CHANNEL.send(mail(address="not an address"), settings(smtp))


def test_smtp_url_forms():
    assert parse_url("smtp://u:p%40ss@mail.test:587?starttls=1") == {
        "host": "mail.test",
        "port": 587,
        "user": "u",
        "password": "p@ss",
        "ssl": False,
        "starttls": True,
    }
    assert parse_url("smtps://mail.test")["port"] == 465
    assert parse_url("smtps://mail.test")["ssl"] is True
    assert parse_url("smtp://mail.test?starttls=1")["port"] == 587
    assert parse_url("smtp://mail.test")["port"] == 25
    with pytest.raises(PermanentError):
        parse_url("http://mail.test")


def test_configured_needs_smtp_url():
    assert CHANNEL.configured({"SMTP_URL": "smtp://mail.test"})
    assert not CHANNEL.configured({"SMTP_URL": None})


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command for a test certificate")
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_tls_with_a_trusted_certificate(certificate, monkeypatch, tls):
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])  # trusted as a public CA would be
    with SmtpServer(login=("desa", "pw"), tls=tls, certificate=certificate) as server:
        CHANNEL.send(mail(), settings(server))
        assert len(server.messages) == 1
    assert server.url.startswith("smtps://" if tls == "smtps" else "smtp://")


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_untrusted_certificate_is_final(certificate, tls):
    with SmtpServer(login=("desa", "pw"), tls=tls, certificate=certificate) as server:
        with pytest.raises(PermanentError, match="certificate could not be verified"):
            CHANNEL.send(mail(), settings(server))
        assert server.messages == []


def test_sign_in_without_tls_refused_by_a_tls_only_server(certificate):
    with SmtpServer(login=("desa", "pw"), tls="starttls", certificate=certificate) as server:
        url = server.url.replace("?starttls=1", "")
        with pytest.raises(PermanentError):
            CHANNEL.send(mail(), settings(server, SMTP_URL=url))
        assert server.messages == []
