"""Which channel a notification takes: contacts, village switches, platform config, the cap."""

from __future__ import annotations

from sqlalchemy import select

from desacerdas.models import Tenant
from desacerdas.models.notification import Notification, NotificationChannel, NotificationStatus
from desacerdas.notifications import notify, save_settings, village_settings
from desacerdas.services import ServiceError
from desacerdas.testing.support import village_session

from .conftest import add_contact, user


def _send(app, village, person, key, **kw):  # noqa: ANN001, ANN202
    with village_session(app, village) as s:
        rows = notify(
            s, s.get(Tenant, village.id), user(s, person), "test.letter_ready", {"number": "7"}, key=key, **kw
        )
        s.commit()
        return [(r.channel.value, r.status.value, r.address, r.error) for r in rows]


def _settings(app, village, **changes):  # noqa: ANN001, ANN202
    with village_session(app, village) as s:
        return save_settings(s, s.get(Tenant, village.id), changes)


def test_unverified_or_opted_out_contacts_are_not_used(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    add_contact(app, person, "whatsapp", "6281200000002", verified=False)
    add_contact(app, person, "sms", "6281200000002", opted_in=False)
    assert _send(app, menanga, person, "x") == [("inbox", "delivered", None, None)]
    assert doubles["whatsapp"].sent == doubles["sms"].sent == []


def test_village_switch_and_platform_config_move_to_the_next_channel(app, menanga, resident, doubles):
    _settings(app, menanga, channels={"whatsapp": False})
    assert _send(app, menanga, resident, "a")[1][:2] == ("sms", "sent")
    assert doubles["sms"].sent[0].body == "Surat 7 siap diambil."  # the kind's short SMS text
    _settings(app, menanga, channels={"whatsapp": True})
    doubles["whatsapp"].is_configured = False
    assert _send(app, menanga, resident, "b")[1][:2] == ("sms", "sent")
    doubles["sms"].is_configured = False
    assert [c for c, *_ in _send(app, menanga, resident, "c")] == ["inbox"]


def test_preferred_channel_first_and_explicit_channels(app, menanga, make_user, doubles):
    person = make_user("resident", menanga)
    add_contact(app, person, "whatsapp", "6281200000003")
    add_contact(app, person, "sms", "6281200000003", preferred=True)
    assert _send(app, menanga, person, "a")[1][0] == "sms"
    assert _send(app, menanga, person, "b", channels=("email",))[1][:3] == ("email", "sent", person.email)
    assert _send(app, menanga, person, "c", channels=("sms",), address="6289999")[1][2] == "6289999"


def test_daily_cap_skips_with_a_clear_message(app, menanga, resident, doubles):
    with app.app_context():
        assert village_settings(None).daily_cap == app.config["NOTIFY_DAILY_CAP"]
    _settings(app, menanga, daily_cap=2)
    assert _send(app, menanga, resident, "1")[1][1] == "sent"
    assert _send(app, menanga, resident, "2")[1][1] == "sent"
    third = _send(app, menanga, resident, "3")
    assert third[0][:2] == ("inbox", "delivered")  # the inbox has no limit
    assert third[1][:2] == ("whatsapp", "skipped")
    assert third[1][3] == "Daily limit of messages reached."
    assert len(doubles["whatsapp"].sent) == 2


def test_settings_are_validated_and_capped_by_the_platform(app, menanga):
    cap = app.config["NOTIFY_DAILY_CAP"]
    for bad in (
        {"daily_cap": cap + 1},
        {"daily_cap": -1},
        {"daily_cap": "many"},
        {"channels": {"fax": True}},
    ):
        try:
            _settings(app, menanga, **bad)
        except ServiceError as exc:
            assert str(exc)
        else:
            raise AssertionError(f"accepted {bad}")
    settings = _settings(app, menanga, channels={"sms": False}, daily_cap=10)
    assert settings.daily_cap == 10 and not settings.enabled("sms") and settings.enabled("whatsapp")
    assert settings.enabled("inbox")
    assert _settings(app, menanga, daily_cap=None).daily_cap == cap


def test_secret_kinds_never_reach_the_inbox(app, menanga, resident, doubles):
    with village_session(app, menanga) as s:
        rows = notify(
            s,
            s.get(Tenant, menanga.id),
            user(s, resident),
            "contact.verify",
            {"code": "424242", "minutes": 10},
            key="v1",
            channels=("sms",),
            address="6281200000001",
        )
        s.commit()
        (row,) = s.scalars(select(Notification)).all()
    assert [r.channel for r in rows] == [NotificationChannel.SMS]
    assert row.secret and row.status == NotificationStatus.SENT
    assert "424242" in doubles["sms"].sent[0].body


def test_platform_recipient_uses_platform_notifications(app, make_user, doubles):
    from desacerdas.extensions import db
    from desacerdas.models import User
    from desacerdas.models.notification import PlatformNotification

    admin = make_user("regency_admin")
    with app.app_context():
        rows = notify(
            db.session,
            None,
            db.session.get(User, admin.id),
            "auth.password_reset",
            {"name": "Admin", "link": "https://x/reset/1", "minutes": 60},
            key="reset:1",
        )
        assert [r.channel for r in rows] == [NotificationChannel.EMAIL]  # secret: no inbox row
        db.session.commit()
        row = db.session.scalars(select(PlatformNotification)).one()
        assert row.status == NotificationStatus.SENT and row.address == admin.email
    (mail,) = doubles["email"].sent
    assert mail.tenant_id is None and mail.callback == f"p:{row.id}"
    assert "https://x/reset/1" in mail.body and mail.subject == "Atur ulang kata sandi Desa Cerdas"


def test_every_channel_for_an_emergency(app, menanga, resident, doubles):
    """An emergency goes out on every channel the person can be reached on, each once."""
    rows = _send(app, menanga, resident, "alarm", every_channel=True)
    assert sorted(c for c, *_ in rows) == ["inbox", "sms", "whatsapp"]
    again = _send(app, menanga, resident, "alarm", every_channel=True)
    assert sorted(again) == sorted(rows)  # the same key: nothing new
    _settings(app, menanga, channels={"sms": False})
    assert sorted(c for c, *_ in _send(app, menanga, resident, "alarm-2", every_channel=True)) == [
        "inbox",
        "whatsapp",
    ]
