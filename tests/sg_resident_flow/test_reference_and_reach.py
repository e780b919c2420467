"""After applying for an account a resident gets a short reference they can read out and type back
(not a UUID), follows the request with it, and the page says how the decision and the PIN reach
them: by WhatsApp or SMS when the village can send them, else by coming back; the PIN in person."""

from __future__ import annotations

import re

import pytest
from sg_resident_accounts.test_api import submit
from sg_resident_accounts.test_registration import ask, text
from smart_government.accounts import references
from smart_government.accounts.models import Registration
from sqlalchemy import select

from desacerdas.models import Tenant
from desacerdas.notifications import settings as channel_settings
from desacerdas.tenancy import tenant_session

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SMS = {"SMS_URL": "https://sms.example/send", "SMS_USERKEY": "u", "SMS_PASSKEY": "p"}
WHATSAPP = {
    "WHATSAPP_TOKEN": "t",
    "WHATSAPP_PHONE_NUMBER_ID": "1",
    "WHATSAPP_API_URL": "https://wa.example/v1",
}


def registration_of(app, village) -> Registration:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        row = s.scalar(select(Registration))
        s.expunge(row)
        return row


def applied(client, app, va):  # noqa: ANN001, ANN202
    """Wayan applies; the page he lands on, and his registration."""
    resp = ask(client, va)
    assert resp.status_code == 302, text(resp)
    return client.get(resp.headers["Location"]), registration_of(app, va)


def test_the_reference_is_short_readable_and_finds_the_request(app, client, va):
    page, row = applied(client, app, va)
    body = text(page)
    assert references.PATTERN.match(row.reference), row.reference  # K7QM-4TZP
    assert len(row.reference) == 9 and not set(row.reference) & set("ILOU")
    assert f'<strong id="reference"><code>{row.reference}</code></strong>' in body
    assert UUID.search(body) is None  # the 36-character id is not what the resident is given
    # typed back as people do: lower case, a space for the dash, O for 0 and I/L for 1
    typed = row.reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    found = client.get(va.page("daftar/status"), query_string={"reference": typed})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/daftar/status/{row.reference}")
    again = client.get(found.headers["Location"])
    assert again.status_code == 200 and row.reference in text(again) and "Waiting for review" in text(again)
    wrong = client.get(va.page("daftar/status"), query_string={"reference": "not-ours"})
    assert wrong.status_code == 200 and "This is not a reference we gave." in text(wrong)
    assert client.get(va.page("daftar/status/ZZZZ-ZZZZ")).status_code == 404


def test_staff_find_the_request_by_the_reference_read_out(app, client, va, make_user, login, menanga):
    _page, row = applied(client, app, va)
    operator = login(make_user("operator", menanga), app.test_client())
    queue = text(operator.get(va.page("registrations"), query_string={"q": row.reference.lower()}))
    assert row.reference in queue and "I Wayan Sudarsana" in queue


def test_a_reference_of_one_village_is_not_found_in_another(app, client, va, vb):
    _page, row = applied(client, app, va)
    assert client.get(va.page(f"daftar/status/{row.reference}")).status_code == 200
    assert client.get(vb.page(f"daftar/status/{row.reference}")).status_code == 404
    assert client.get(vb.page(f"daftar/status/{row.id}")).status_code == 404
    lookup = client.get(vb.page("daftar/status"), query_string={"reference": row.reference})
    assert client.get(lookup.headers["Location"]).status_code == 404


def test_without_sms_or_whatsapp_the_page_says_to_come_back(app, client, va):
    page, row = applied(client, app, va)
    body = text(page)
    assert "How you hear back" in body
    assert (
        "This village sends no SMS or WhatsApp messages yet: open this page again to see the decision."
        in body
    )
    assert "Your PIN is not sent by message: the village office or Kelian Banjar Dinas Kaja gives it" in body
    assert f"to follow your request: {row.reference}." in body
    indonesian = text(client.get(va.page(f"daftar/status/{row.reference}?lang=id")))
    assert "Cara kami mengabari Anda" in indonesian
    assert "Desa ini belum mengirim pesan SMS atau WhatsApp" in indonesian
    assert "PIN Anda tidak dikirim lewat pesan: kantor desa atau Kelian Banjar Dinas Kaja" in indonesian


@pytest.mark.parametrize(
    ("config", "off", "english", "indonesian"),
    [
        (SMS, (), "by SMS at the number ending 890", "lewat SMS ke nomor yang berakhiran 890"),
        (WHATSAPP, (), "by WhatsApp at the number ending 890", "lewat WhatsApp ke nomor yang berakhiran 890"),
        ({**SMS, **WHATSAPP}, (), "by WhatsApp at the number ending 890", "lewat WhatsApp"),
        ({**SMS, **WHATSAPP}, ("whatsapp",), "by SMS at the number ending 890", "lewat SMS"),
    ],
)
def test_with_a_phone_channel_the_page_names_it_and_the_number(  # noqa: PLR0913
    app, client, va, monkeypatch, config, off, english, indonesian
):
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    if off:
        with app.app_context(), tenant_session(va.id) as s:
            tenant = s.get(Tenant, va.id)
            channel_settings.save_settings(s, tenant, {"channels": dict.fromkeys(off, False)})
    page, row = applied(client, app, va)  # the phone given is 081234567890
    body = text(page)
    assert english in body and "no SMS or WhatsApp" not in body
    assert "Your PIN is not sent by message" in body  # never the PIN itself
    assert indonesian in text(client.get(va.page(f"daftar/status/{row.reference}?lang=id")))


def test_the_api_receipt_gives_the_short_code_and_its_address(client, va):
    resp = submit(client, va)
    assert resp.status_code == 201, resp.get_json()
    receipt = resp.get_json()
    assert references.PATTERN.match(receipt["code"])
    assert receipt["status_url"].endswith(f"/daftar/status/{receipt['code']}")
