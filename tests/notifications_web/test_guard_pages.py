"""Guards on the notification pages: secret wording not editable, secret subjects masked,
a per-person limit on code sending, reset links logged only without any provider, a regency admin's
usage limited to their area, months the page cannot count, grouped numbers, English reasons."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from desacerdas.extensions import db, limiter
from desacerdas.models import Role, Tenant, User
from desacerdas.notifications import add_contact, notify, save_settings
from desacerdas.services import users as user_svc

from .conftest import issue_all_the_way, outbox, village

SETTINGS = "settings/notifications"


@pytest.mark.parametrize("kind", ["auth.password_reset", "contact.verify", "smart_government.pin_code"])
def test_secret_kinds_have_no_wording_page(app, lv, as_user, kind):
    head = as_user(lv.people["head"])
    assert head.get(f"/desa/{lv.slug}/{SETTINGS}/wording/{kind}/email/id").status_code == 404
    post = head.post(f"/desa/{lv.slug}/{SETTINGS}/wording/{kind}/email/id", data={"subject": "{{ link }}"})
    assert post.status_code == 404
    listed = head.get(f"/desa/{lv.slug}/{SETTINGS}").get_data(as_text=True)
    assert f"/wording/{kind}/" not in listed and "/wording/smart_government.letter_issued/" in listed


def test_the_subject_of_a_secret_row_is_masked(app, lv, as_user, providers):
    with village(app, lv.id) as (s, tenant):
        user = s.get(User, lv.people["wayan"].id)
        (row,) = notify(s, tenant, user, "smart_government.pin_code", {"code": "1"}, key="p", address="6281")
        row.subject = "Kode 987654"  # as an old edit of the wording could have made it
        s.commit()
    page = as_user(lv.people["operator"]).get(f"/desa/{lv.slug}/notifications").get_data(as_text=True)
    assert "987654" not in page and "••••••" in page


def test_code_sending_is_limited_per_person(app, lv, as_user, providers, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_CODE_LIMIT", "2 per hour")
    limiter.reset()
    wayan = as_user(lv.people["wayan"])
    url = f"/desa/{lv.slug}/contacts"
    answers = [
        wayan.post(url, data={"action": "add", "channel": "sms", "address": f"08123456700{n}"}).status_code
        for n in range(3)
    ]
    assert answers[:2] != [429, 429] and answers[2] == 429
    # other buttons are not limited, and the limit is the person's, on every page
    assert wayan.post(url, data={"action": "opt_out", "channel": "sms"}).status_code != 429
    assert wayan.post("/me/contacts", data={"action": "send", "channel": "sms"}).status_code == 429
    other = as_user(lv.people["operator"])
    added = other.post(url, data={"action": "add", "channel": "sms", "address": "081234567999"})
    assert added.status_code != 429


def _reset(app, lv, caplog) -> str:  # noqa: ANN001
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        app.test_client().post("/auth/reset", data={"login": _email(app, lv)})
    return caplog.text


def _email(app, lv) -> str:  # noqa: ANN001
    with app.app_context():
        return db.session.get(User, lv.people["kelian_kaja"].id).email


def test_the_reset_link_is_logged_only_without_any_provider(app, lv, caplog, smtp, monkeypatch):
    with village(app, lv.id) as (s, tenant):
        save_settings(s, tenant, {"channels": {"email": False}})
    text = _reset(app, lv, caplog)
    assert "not sent" in text and "/auth/reset/" not in text  # a provider exists: never the link
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    assert "/auth/reset/" in _reset(app, lv, caplog)  # the embedded default: the log


def test_a_regency_admin_counts_only_the_villages_of_their_area(app, lv, as_user, make_user):
    bangli = make_user("regency_admin", area="51.06")
    with app.app_context():
        user_svc.grant(db.session.get(User, bangli.id), Role.RESIDENT, tenant=db.session.get(Tenant, lv.id))
        db.session.commit()
        name = db.session.get(Tenant, lv.id).name
    page = as_user(bangli).get("/admin/notifications/usage").get_data(as_text=True)
    assert name not in page and "0 villages in view." in page


def test_months_out_of_range_are_a_400(app, lv, as_user):
    head = as_user(lv.people["head"])
    for month in ("9999-12", "1999-12", "0001-01"):
        assert head.get(f"/desa/{lv.slug}/notifications/usage?month={month}").status_code == 400
    admin = as_user(lv.people["head"])
    assert admin.get("/admin/notifications/usage?month=9999-12").status_code in (400, 403)


def test_usage_numbers_are_grouped_and_the_cost_chart_says_rupiah(app, lv, as_user, providers, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_COST", {"whatsapp": 1250, "sms": 250})
    with village(app, lv.id) as (s, _tenant):
        row = add_contact(s, s.get(User, lv.people["wayan"].id), "whatsapp", "081234567890", opt_in=True)
        row.verified_at = datetime.now(UTC)
        s.commit()
    issue_all_the_way(app, lv)
    from desacerdas.models.notification import Notification

    with village(app, lv.id) as (s, _tenant):
        s.query(Notification).filter(Notification.channel == "whatsapp").update({"cost": 1_234_500})
        s.commit()
    text = as_user(lv.people["head"]).get(f"/desa/{lv.slug}/notifications/usage").get_data(as_text=True)
    svg = text[text.index("<svg", text.index("Cost per channel")) :]
    assert "Rp 3,703,500" in svg[: svg.index("</svg>")]  # the bar's label, grouped, in rupiah
    assert "Rp 3,703,500" in text


def test_channel_reasons_are_stored_in_english_whatever_the_page_language(app, lv):
    from flask_babel import force_locale

    from desacerdas.notifications import deliver
    from desacerdas.notifications.channels import register_channel, unregister_channel
    from desacerdas.notifications.channels.base import PermanentError
    from desacerdas.services.i18n import _

    class Refusing:
        name = "sms"

        def configured(self, config):  # noqa: ANN001, ANN202
            return True

        def send(self, message, config):  # noqa: ANN001, ANN202
            raise PermanentError(_("The SMS gateway refused the message."))

    register_channel(Refusing())
    try:
        with village(app, lv.id) as (s, tenant):
            wayan = s.get(User, lv.people["wayan"].id)
            (sms,) = notify(
                s, tenant, wayan, "smart_government.pin_code", {"code": "1"}, key="en", address="6281"
            )
            s.info.pop("desa_notifications_pending", None)
            s.commit()
            with app.test_request_context(), force_locale("id"):  # JOBS_EAGER: in an Indonesian request
                deliver(lv.id, sms.id)
    finally:
        unregister_channel("sms")
    (row,) = outbox(app, lv.id, idempotency_key="en")
    assert row["error"] == "The SMS gateway refused the message."
