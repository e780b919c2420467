"""Contacts: verified by a code, consent recorded with time and how, STOP by WhatsApp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.models.notification import ContactConsent, Notification, UserContact
from desacerdas.notifications import (
    ContactError,
    add_contact,
    contacts_of,
    opt_in,
    opt_out,
    record_inbound,
    remove_contact,
    send_code,
    set_preferred,
    verify_code,
)
from desacerdas.notifications.contacts import consents_of, normalize_phone
from desacerdas.notifications.service import usable_contacts
from desacerdas.testing.support import village_session

from .conftest import user


def test_phone_numbers_are_normalised():
    assert normalize_phone("0812-3456-7890") == "6281234567890"
    assert normalize_phone("+62 812 3456 7890") == "6281234567890"
    for bad in ("12", "08a1234567", ""):
        with pytest.raises(ContactError):
            normalize_phone(bad)


def test_verify_by_code_then_usable(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    with village_session(app, menanga) as s:
        me = user(s, person)
        add_contact(s, me, "sms", "0812 1111 2222", opt_in=True)
        assert "sms" not in usable_contacts(s, me)  # opted in, not verified yet
        send_code(s, me, "sms", village=s.get(Tenant, menanga.id))
        with pytest.raises(ContactError, match="less than a minute"):
            send_code(s, me, "sms", village=s.get(Tenant, menanga.id))
        (message,) = doubles["sms"].sent
        assert message.address == "6281211112222"
        code = message.body.split(": ")[1][:6]
        with pytest.raises(ContactError, match="not right"):
            verify_code(s, me, "sms", "000000" if code != "000000" else "111111")
        row = verify_code(s, me, "sms", code)
        assert row.verified and row.usable and row.code_hash is None
        assert usable_contacts(s, me)["sms"].address == "6281211112222"
        # the code message is secret: nothing in the inbox, flagged on the outbox row
        (outbox,) = s.scalars(select(Notification)).all()
        assert outbox.secret and outbox.kind == "contact.verify"


def test_code_expires_and_locks_after_wrong_tries(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    with village_session(app, menanga) as s:
        me = user(s, person)
        add_contact(s, me, "whatsapp", "081233334444")
        send_code(s, me, "whatsapp", village=s.get(Tenant, menanga.id))
        for _ in range(5):
            with pytest.raises(ContactError, match="not right"):
                verify_code(s, me, "whatsapp", "x")
        with pytest.raises(ContactError, match="Too many"):
            verify_code(s, me, "whatsapp", "x")
        row = s.scalar(select(UserContact))
        row.code_expires_at = datetime.now(UTC) - timedelta(seconds=1)
        s.commit()
        with pytest.raises(ContactError, match="expired"):
            verify_code(s, me, "whatsapp", "x")


def test_code_refused_when_the_channel_cannot_send(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    doubles["sms"].is_configured = False
    with village_session(app, menanga) as s:
        me = user(s, person)
        add_contact(s, me, "sms", "081200009999")
        with pytest.raises(ContactError, match="cannot be sent"):
            send_code(s, me, "sms", village=s.get(Tenant, menanga.id))
        assert s.scalars(select(Notification)).all() == []


def test_consent_is_recorded_with_time_and_how(app, menanga, make_user):
    person = make_user("resident", menanga)
    with app.app_context():
        me = user(db.session, person)
        add_contact(db.session, me, "whatsapp", "081255556666", opt_in=True)
        opt_out(db.session, me, "whatsapp", how="staff")
        opt_in(db.session, me, "whatsapp", how="api")
        add_contact(db.session, me, "whatsapp", "081277778888")  # new number: consent was for the old one
        add_contact(db.session, me, "email", "Made@Example.TEST", opt_in=True)
        set_preferred(db.session, me, "email")
        log = [(c.action.value, c.how.value, c.address) for c in reversed(consents_of(db.session, me))]
        assert log == [
            ("opt_in", "web", "6281255556666"),
            ("opt_out", "staff", "6281255556666"),
            ("opt_in", "api", "6281255556666"),
            ("opt_out", "web", "6281255556666"),
            ("opt_in", "web", "made@example.test"),
        ]
        assert all(c.at is not None for c in consents_of(db.session, me))
        wa, email = contacts_of(db.session, me)
        assert not wa.opted_in and not wa.verified and email.preferred and not wa.preferred
        with pytest.raises(ContactError):
            set_preferred(db.session, me, "sms")
        remove_contact(db.session, me, "email")
        assert (
            db.session.scalars(select(ContactConsent).order_by(ContactConsent.id.desc())).first().action.value
            == "opt_out"
        )
        assert [c.channel.value for c in contacts_of(db.session, me)] == ["whatsapp"]


def test_inbound_whatsapp_opens_the_window_and_stop_opts_out(app, menanga, resident, doubles):
    at = datetime.now(UTC)
    with app.app_context():
        assert record_inbound("+62 812-0000-0001", at, "Halo") == 1
        assert record_inbound("not a phone", at, "STOP") == 0
    with village_session(app, menanga) as s:
        from desacerdas.notifications import notify

        notify(s, s.get(Tenant, menanga.id), user(s, resident), "test.letter_ready", {"number": "1"}, key="w")
        s.commit()
    assert doubles["whatsapp"].sent[0].in_session_window
    with app.app_context():
        assert record_inbound("6281200000001", at, " berhenti ") == 1
        row = db.session.scalar(select(UserContact).where(UserContact.channel == "whatsapp"))
        assert not row.opted_in
        last = db.session.scalars(select(ContactConsent).order_by(ContactConsent.id.desc())).first()
        assert (last.action.value, last.how.value) == ("opt_out", "whatsapp_reply")
