"""The village's message settings (channels, daily limit, wording with preview and restore), the
staff's list of messages (status in words, failure reasons, secrets masked) and the usage pages
(village; platform and regency admins, each limited to their area): wrong roles and other villages
refused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from desacerdas.models import Tenant
from desacerdas.models.notification import Notification, NotificationStatus
from desacerdas.notifications import village_settings

from .conftest import issue_all_the_way, outbox, village

SETTINGS = "settings/notifications"
WORDING = "settings/notifications/wording/smart_government.letter_issued/inbox/id"


def test_channels_and_daily_limit(app, lv, as_user):
    head = as_user(lv.people["head"])
    page = head.get(f"/desa/{lv.slug}/{SETTINGS}")
    assert page.status_code == 200 and "Not set up on this platform yet" in page.get_data(as_text=True)
    resp = head.post(f"/desa/{lv.slug}/{SETTINGS}", data={"whatsapp": "y", "email": "y", "daily_cap": "40"})
    assert resp.status_code == 303
    with app.app_context():
        from desacerdas.extensions import db

        now = village_settings(db.session.get(Tenant, lv.id))
    assert now.channels == {"whatsapp": True, "sms": False, "email": True} and now.daily_cap == 40
    too_many = head.post(f"/desa/{lv.slug}/{SETTINGS}", data={"daily_cap": "100000"})
    assert too_many.status_code == 400 and "between 0 and 300" in too_many.get_data(as_text=True)
    assert head.post(f"/desa/{lv.slug}/{SETTINGS}", data={"daily_cap": "banyak"}).status_code == 400


def test_the_daily_limit_turns_messages_away_with_the_reason(app, lv, as_user, providers):
    from desacerdas.notifications import add_contact

    with village(app, lv.id) as (s, _tenant):
        from desacerdas.models import User

        row = add_contact(s, s.get(User, lv.people["wayan"].id), "whatsapp", "081234567890", opt_in=True)
        row.verified_at = datetime.now(UTC)
        s.commit()
    as_user(lv.people["head"]).post(f"/desa/{lv.slug}/{SETTINGS}", data={"whatsapp": "y", "daily_cap": "1"})
    issue_all_the_way(app, lv)
    sent = outbox(app, lv.id, channel="whatsapp")
    assert [r["status"] for r in sent] == ["sent", "skipped", "skipped"]
    assert len(providers.whatsapp_requests()) == 1
    page = as_user(lv.people["operator"]).get(f"/desa/{lv.slug}/notifications?channel=whatsapp")
    text = page.get_data(as_text=True)
    assert (
        "Not sent" in text and "Reason: Daily limit of messages reached." in text and ">skipped<" not in text
    )


def test_wording_preview_save_and_restore(app, lv, as_user):
    head = as_user(lv.people["head"])
    page = head.get(f"/desa/{lv.slug}/{WORDING}").get_data(as_text=True)
    assert "Surat Keterangan Domisili" in page  # the preview, with the kind's sample
    bad = head.post(
        f"/desa/{lv.slug}/{WORDING}", data={"subject": "x", "body": "{{ name", "action": "preview"}
    )
    assert bad.status_code == 400 and "The wording cannot be used" in bad.get_data(as_text=True)
    shown = head.post(
        f"/desa/{lv.slug}/{WORDING}",
        data={
            "subject": "Surat siap",
            "body": "Om Swastiastu {{ name }}, {{ letter }} siap.",
            "action": "preview",
        },
    )
    assert "Om Swastiastu I Wayan Sudarsana, Surat Keterangan Domisili siap." in shown.get_data(as_text=True)
    saved = head.post(
        f"/desa/{lv.slug}/{WORDING}",
        data={
            "subject": "Surat siap",
            "body": "Om Swastiastu {{ name }}, {{ letter }} siap.",
            "action": "save",
        },
    )
    assert saved.status_code == 303
    assert "Own wording" in head.get(f"/desa/{lv.slug}/{SETTINGS}").get_data(as_text=True)
    issue_all_the_way(app, lv)
    issued = outbox(app, lv.id, kind="smart_government.letter_issued", channel="inbox")[0]
    assert (
        issued["subject"] == "Surat siap"
        and issued["body"] == "Om Swastiastu I Wayan Sudarsana, Surat Keterangan Domisili siap."
    )
    head.post(f"/desa/{lv.slug}/{WORDING}", data={"subject": "", "body": "", "action": "save"})
    assert "Own wording" not in head.get(f"/desa/{lv.slug}/{SETTINGS}").get_data(as_text=True)
    assert head.get(f"/desa/{lv.slug}/settings/notifications/wording/nope/inbox/id").status_code == 404
    assert (
        head.get(
            f"/desa/{lv.slug}/settings/notifications/wording/smart_government.letter_issued/sms/id"
        ).status_code
        == 404
    )


def test_settings_refuse_other_roles_and_villages(app, lv, lv_b, as_user):
    for who, status in (("operator", 403), ("kelian_kaja", 403), ("wayan", 403)):
        client = as_user(lv.people[who])
        assert client.get(f"/desa/{lv.slug}/{SETTINGS}").status_code == status
        assert client.post(f"/desa/{lv.slug}/{SETTINGS}", data={"daily_cap": "1"}).status_code == status
        assert client.get(f"/desa/{lv.slug}/{WORDING}").status_code == status
    other = as_user(lv_b.people["head"])
    assert other.get(f"/desa/{lv.slug}/{SETTINGS}").status_code == 404
    assert other.post(f"/desa/{lv.slug}/{SETTINGS}", data={"daily_cap": "1"}).status_code == 404
    assert other.post(f"/desa/{lv.slug}/{WORDING}", data={"body": "x", "action": "save"}).status_code == 404
    with app.app_context():
        from desacerdas.extensions import db

        assert village_settings(db.session.get(Tenant, lv.id)).daily_cap == 300


def test_staff_list_masks_secrets_and_shows_failures(app, lv, lv_b, as_user, providers, monkeypatch):
    from desacerdas.models import User
    from desacerdas.notifications import notify

    issue_all_the_way(app, lv)
    with village(app, lv.id) as (s, tenant):
        user = s.get(User, lv.people["wayan"].id)
        data = {"code": "424242", "minutes": 15}
        notify(s, tenant, user, "smart_government.pin_code", data, key="pin", address="6281234567890")
        s.commit()
        s.execute(
            update(Notification)
            .where(Notification.kind == "smart_government.letter_verified")
            .values(status=NotificationStatus.FAILED, error="The number is not on WhatsApp.")
        )
        s.commit()
    page = as_user(lv.people["operator"]).get(f"/desa/{lv.slug}/notifications").get_data(as_text=True)
    assert "424242" not in page and "••••••" in page and "PIN reset code" in page
    assert "Failed" in page and "Reason: The number is not on WhatsApp." in page
    assert "Letter issued" in page and "I Wayan Sudarsana" in page
    failed = (
        as_user(lv.people["operator"])
        .get(f"/desa/{lv.slug}/notifications?status=failed")
        .get_data(as_text=True)
    )
    assert "1 message." in failed
    assert as_user(lv.people["operator"]).get(f"/desa/{lv.slug}/notifications?status=nope").status_code == 400
    assert as_user(lv.people["wayan"]).get(f"/desa/{lv.slug}/notifications").status_code == 403
    assert as_user(lv.people["kelian_kaja"]).get(f"/desa/{lv.slug}/notifications").status_code == 403
    other = as_user(lv_b.people["head"])
    assert other.get(f"/desa/{lv.slug}/notifications").status_code == 404
    assert "I Wayan Sudarsana" not in other.get(f"/desa/{lv_b.slug}/notifications").get_data(as_text=True)


def test_usage_pages_count_and_cost_within_each_area(app, lv, lv_b, as_user, make_user, providers):
    from desacerdas.models import User
    from desacerdas.notifications import add_contact

    with village(app, lv.id) as (s, _tenant):
        row = add_contact(s, s.get(User, lv.people["wayan"].id), "whatsapp", "081234567890", opt_in=True)
        row.verified_at = datetime.now(UTC)
        s.commit()
    issue_all_the_way(app, lv)
    page = as_user(lv.people["head"]).get(f"/desa/{lv.slug}/notifications/usage")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text and "Rp 1,050" in text  # 3 WhatsApp × Rp 350
    month = datetime.now(UTC).strftime("%Y-%m")
    assert "Rp 0" in as_user(lv.people["head"]).get(
        f"/desa/{lv.slug}/notifications/usage?month=2001-01"
    ).get_data(as_text=True)
    assert month in text
    assert (
        as_user(lv.people["head"]).get(f"/desa/{lv.slug}/notifications/usage?month=soon").status_code == 400
    )
    assert as_user(lv.people["wayan"]).get(f"/desa/{lv.slug}/notifications/usage").status_code == 403
    assert as_user(lv_b.people["head"]).get(f"/desa/{lv.slug}/notifications/usage").status_code == 404
    # Village B has nothing: its page shows none of A's cost.
    assert "Rp 1,050" not in as_user(lv_b.people["head"]).get(
        f"/desa/{lv_b.slug}/notifications/usage"
    ).get_data(as_text=True)
    # Platform admin: every village; regency admin of Karangasem (51.07): both; of Bangli (51.06): neither.
    admin = as_user(make_user("platform_admin"))
    everything = admin.get("/admin/notifications/usage").get_data(as_text=True)
    with app.app_context():
        from desacerdas.extensions import db

        name_a = db.session.get(Tenant, lv.id).name
    assert name_a in everything and "Rp 1,050" in everything
    karangasem = as_user(make_user("regency_admin", area="51.07"))
    assert name_a in karangasem.get("/admin/notifications/usage").get_data(as_text=True)
    bangli = as_user(make_user("regency_admin", area="51.06"))
    elsewhere = bangli.get("/admin/notifications/usage").get_data(as_text=True)
    assert name_a not in elsewhere and "Rp 1,050" not in elsewhere
    assert as_user(lv.people["head"]).get("/admin/notifications/usage").status_code == 403
    # The regency admin reads the village's own usage page too (read-only), not its settings.
    assert karangasem.get(f"/desa/{lv.slug}/notifications/usage").status_code == 200
    assert karangasem.get(f"/desa/{lv.slug}/{SETTINGS}").status_code == 403
    assert bangli.get(f"/desa/{lv.slug}/notifications/usage").status_code == 404
