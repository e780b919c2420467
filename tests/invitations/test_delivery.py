"""The link goes out through the notifications outbox where a channel is configured; never logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import Notification, PlatformNotification, Tenant, User
from desacerdas.services import invitations
from desacerdas.tenancy import tenant_session

from .conftest import invited, token_of


def test_platform_invitation_is_sent_by_email(app, doubles, caplog):
    caplog.set_level(logging.DEBUG)
    user_id, issued = invited(app, email="made@example.test")
    assert issued.channels == ["email"]
    sent = doubles["email"].sent
    assert len(sent) == 1 and sent[0].address == "made@example.test"
    assert issued.url in sent[0].body and "Desa Cerdas" in sent[0].subject
    assert token_of(issued.url) not in caplog.text  # the link is never written to a log
    with app.app_context():
        rows = db.session.scalars(
            select(PlatformNotification).where(PlatformNotification.recipient_user_id == user_id)
        ).all()
        assert [r.channel.value for r in rows] == ["email"]  # secret: no inbox copy
        assert token_of(issued.url) not in (rows[0].body or "")  # masked once delivered
        row = invitations.latest_for(user_id)
        assert row.sent_via == "email"


def test_village_invitation_from_an_unbound_session_uses_the_village_outbox(app, doubles, menanga):
    user_id, issued = invited(app, email=None, phone="081234567890", tenant_id=menanga.id)
    assert issued.channels == ["whatsapp"]
    assert len(doubles["whatsapp"].sent) == 1 and doubles["whatsapp"].sent[0].address == "+6281234567890"
    with app.app_context(), tenant_session(menanga.id) as s:
        rows = s.scalars(select(Notification).where(Notification.recipient_user_id == user_id)).all()
        assert [r.channel.value for r in rows] == ["whatsapp"]


def test_village_invitation_in_the_villages_own_session(app, doubles, menanga):
    with app.test_request_context():
        user = invitations.create_invited_user("Kadek", email="kadek@example.test", phone=None, actor=None)
        db.session.commit()
        user_id = user.id
    with app.test_request_context(), tenant_session(menanga.id) as s:
        village = s.get(Tenant, menanga.id)
        issued = invitations.invite(s.get(User, user_id), tenant=village, actor=None, session=s)
        s.commit()
    assert issued.channels == ["email"]
    assert "Desa Menanga" in doubles["email"].sent[0].subject
    assert issued.url in doubles["email"].sent[0].body


def test_channel_switched_off_by_the_village_means_counter_only(app, doubles, menanga):
    from desacerdas.notifications import save_settings

    with app.test_request_context(), tenant_session(menanga.id) as s:
        save_settings(s, s.get(Tenant, menanga.id), {"channels": {"email": False}}, actor=None)
        s.commit()
    _user_id, issued = invited(app, email="nobody@example.test", tenant_id=menanga.id)
    assert issued.channels == []
    assert doubles["email"].sent == []


def test_no_provider_configured_sends_nothing_and_logs_no_link(app, caplog):
    caplog.set_level(logging.DEBUG)
    _user_id, issued = invited(app, email="quiet@example.test")
    assert issued.channels == []
    assert token_of(issued.url) not in caplog.text


def test_rolled_back_invitation_sends_nothing(app, doubles, menanga):
    with app.test_request_context():
        village = db.session.get(Tenant, menanga.id)
        user = invitations.create_invited_user("Gede", email="gede@example.test", phone=None, actor=None)
        invitations.invite(user, tenant=village, actor=None)
        db.session.rollback()
        db.session.commit()  # a later commit of the same session does not send the dropped link
    assert doubles["email"].sent == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_through_the_real_email_channel_and_an_smtp_server(app):
    """The platform's own e-mail channel (no test double) delivers the link to a local SMTP server."""
    from desacerdas.testing.providers import SmtpServer

    with SmtpServer() as smtp:
        saved = {key: app.config.get(key) for key in smtp.config()}
        app.config.update(smtp.config())
        try:
            _user_id, issued = invited(app, email="wayan@example.test")
        finally:
            app.config.update(saved)
        assert issued.channels == ["email"]
        [mail] = smtp.messages
    assert mail["To"] == "wayan@example.test"
    assert issued.url in mail.get_content()
