"""The contacts page: add a number, get a code by SMS (the local gateway), confirm it, allow and stop
messages (each consent recorded with time and how), pick the preferred channel, remove; refusals in
words; only one's own contacts; the village's page for residents."""

from __future__ import annotations

import re

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models.notification import ContactConsent, UserContact

from .conftest import outbox


def _code(providers) -> str:  # noqa: ANN001
    return re.search(r"\b(\d{6})\b", providers.sms_requests()[-1].form["message"]).group(1)


def _contacts(app, user_id: int) -> dict[str, dict]:  # noqa: ANN001
    with app.app_context():
        rows = db.session.scalars(select(UserContact).where(UserContact.user_id == user_id)).all()
        return {
            r.channel.value: {
                "address": r.address,
                "verified": r.verified,
                "opted_in": r.opted_in,
                "preferred": r.preferred,
            }
            for r in rows
        }


def _consents(app, user_id: int) -> list[tuple[str, str, str]]:  # noqa: ANN001
    with app.app_context():
        rows = db.session.scalars(
            select(ContactConsent).where(ContactConsent.user_id == user_id).order_by(ContactConsent.id)
        ).all()
        return [(r.channel.value, r.action.value, r.how.value) for r in rows]


def test_add_verify_consent_prefer_and_remove(app, lv, as_user, providers):
    wayan = lv.people["wayan"]
    client = as_user(wayan)
    page = client.get("/me/contacts")
    assert (
        page.status_code == 200
        and "You have no phone number or e-mail address here yet." in page.get_data(as_text=True)
    )
    resp = client.post(
        "/me/contacts", data={"action": "add", "channel": "sms", "address": "0812-3456-7890", "consent": "y"}
    )
    assert resp.status_code == 303
    assert len(providers.sms_requests()) == 1 and providers.sms_requests()[0].form["to"] == "6281234567890"
    code = _code(providers)
    # The code's message is the village's (Wayan's only village), secret: no inbox copy.
    sent = outbox(app, lv.id, kind="contact.verify")
    assert [(r["channel"], r["secret"], r["status"]) for r in sent] == [("sms", True, "sent")]
    assert _contacts(app, wayan.id)["sms"] == {
        "address": "6281234567890",
        "verified": False,
        "opted_in": True,
        "preferred": False,
    }
    wrong = client.post("/me/contacts", data={"action": "verify", "channel": "sms", "code": "000000"})
    assert wrong.status_code == 400 and "The code is not right." in wrong.get_data(as_text=True)
    again = client.post("/me/contacts", data={"action": "send", "channel": "sms"})
    assert again.status_code == 429 and "less than a minute ago" in again.get_data(as_text=True)
    ok = client.post(
        "/me/contacts", data={"action": "verify", "channel": "sms", "code": code}, follow_redirects=True
    )
    assert "The contact is confirmed." in ok.get_data(as_text=True)
    assert _contacts(app, wayan.id)["sms"]["verified"] is True
    client.post("/me/contacts", data={"action": "opt_out", "channel": "sms"})
    assert _contacts(app, wayan.id)["sms"]["opted_in"] is False
    client.post("/me/contacts", data={"action": "opt_in", "channel": "sms"})
    client.post("/me/contacts", data={"action": "prefer", "channel": "sms"})
    assert _contacts(app, wayan.id)["sms"]["preferred"] is True
    assert _consents(app, wayan.id) == [
        ("sms", "opt_in", "web"),
        ("sms", "opt_out", "web"),
        ("sms", "opt_in", "web"),
    ]
    page = client.get("/me/contacts").get_data(as_text=True)
    assert "6281234567890" in page and "Preferred" in page and "My consent, as recorded" in page
    assert "on this site" in page and "opt_in" not in page.replace('value="opt_in"', "")
    client.post("/me/contacts", data={"action": "remove", "channel": "sms"})
    assert _contacts(app, wayan.id) == {}
    assert _consents(app, wayan.id)[-1] == ("sms", "opt_out", "web")


def test_refusals_are_in_words_and_change_nothing(app, lv, as_user):
    client = as_user(lv.people["wayan"])
    bad = client.post("/me/contacts", data={"action": "add", "channel": "sms", "address": "halo"})
    assert bad.status_code == 400 and "This is not a phone number." in bad.get_data(as_text=True)
    # No SMS gateway configured: the number is kept, but no code can go out.
    none = client.post("/me/contacts", data={"action": "add", "channel": "sms", "address": "081234567890"})
    assert none.status_code == 400 and "Codes cannot be sent this way now." in none.get_data(as_text=True)
    assert _contacts(app, lv.people["wayan"].id)["sms"]["verified"] is False
    missing = client.post("/me/contacts", data={"action": "opt_in", "channel": "whatsapp"})
    assert missing.status_code == 400 and "Add this contact first." in missing.get_data(as_text=True)
    assert client.post("/me/contacts", data={"action": "explode", "channel": "sms"}).status_code == 400
    assert app.test_client().get("/me/contacts").status_code in (302, 401)


def test_each_person_changes_only_their_own_contacts(app, lv, as_user, providers):
    wayan, made = lv.people["wayan"], lv.people["made"]
    as_user(wayan).post("/me/contacts", data={"action": "add", "channel": "sms", "address": "081234567890"})
    other = as_user(made)
    other.post("/me/contacts", data={"action": "opt_in", "channel": "sms"})
    other.post("/me/contacts", data={"action": "remove", "channel": "sms"})
    assert "sms" in _contacts(app, wayan.id) and _contacts(app, made.id) == {}
    assert "081234567890" not in other.get("/me/contacts").get_data(as_text=True)
    assert "6281234567890" not in other.get("/me/contacts").get_data(as_text=True)


def test_the_village_page_counts_the_code_to_that_village(app, lv, lv_b, as_user, providers):
    client = as_user(lv.people["head"])
    resp = client.post(
        f"/desa/{lv.slug}/contacts",
        data={"action": "add", "channel": "sms", "address": "081299990000", "consent": "y"},
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/desa/{lv.slug}/contacts")
    assert len(outbox(app, lv.id, kind="contact.verify")) == 1
    assert as_user(lv_b.people["head"]).get(f"/desa/{lv.slug}/contacts").status_code == 404
