"""A letter request's moves reach the resident (and a new online request the staff), in the move's
own transaction; end to end: an issued letter lands in the resident's inbox and, with WhatsApp
configured, as one template message at the (local) WhatsApp Cloud API."""

from __future__ import annotations

import pytest
from smart_government.letters import requests as letters
from smart_government.letters.models import LetterRequest
from sqlalchemy import select

from desacerdas.services import ServiceError

from .conftest import issue_all_the_way, online_request, outbox, person, village


def test_every_move_tells_the_resident_and_submission_tells_the_staff(app, lv):
    request_id = issue_all_the_way(app, lv)
    wayan = lv.people["wayan"].id
    mine = outbox(app, lv.id, recipient_user_id=wayan, channel="inbox")
    assert [r["kind"] for r in mine] == [
        "smart_government.letter_verified",
        "smart_government.letter_signed",
        "smart_government.letter_issued",
    ]
    assert all(r["status"] == "delivered" and r["locale"] == "id" for r in mine)
    issued = mine[-1]
    assert issued["subject"] == "Surat Surat Keterangan Domisili sudah terbit"
    assert "/smart_government/letters/" in issued["body"] and issued["body"].rstrip().endswith("/pdf")
    assert issued["data"]["number"] in issued["body"]
    assert issued["idempotency_key"] == f"letter_request:{request_id}:issued"
    # The staff who take the next step of a Kaja request: office staff and Kaja's hamlet head only.
    told = {r["recipient_user_id"] for r in outbox(app, lv.id, kind="smart_government.letter_submitted")}
    expected = {lv.people[k].id for k in ("head", "secretary", "operator", "kelian_kaja")}
    assert told == expected
    # Without any provider configured nothing goes outside the inbox.
    assert not outbox(app, lv.id, channel="whatsapp") and not outbox(app, lv.id, channel="sms")


def test_a_refusal_tells_the_reason_and_a_rolled_back_move_tells_nothing(app, lv):
    with village(app, lv.id) as (s, tenant):
        req = online_request(s, tenant, lv)
        letters.reject(s, tenant, req, person(s, lv, "kelian_kaja"), "Foto KK tidak terbaca.")
    refused = outbox(app, lv.id, kind="smart_government.letter_rejected")
    assert len(refused) == 1 and "Foto KK tidak terbaca." in refused[0]["body"]
    with village(app, lv.id) as (s, tenant):
        req = online_request(s, tenant, lv, "made")
        before = len(outbox(app, lv.id))
        req = s.scalar(select(LetterRequest).where(LetterRequest.id == req.id))
        with pytest.raises(ServiceError):  # no reason: refused before anything is written
            letters.reject(s, tenant, req, person(s, lv, "operator"), "")
        s.rollback()
        letters.FLOW.move(s, tenant, person(s, lv, "operator"), req, "verify")
        s.rollback()  # the move and its message go together
    assert len(outbox(app, lv.id)) == before
    assert not outbox(
        app, lv.id, kind="smart_government.letter_verified", recipient_user_id=lv.people["made"].id
    )


def test_counter_requests_do_not_page_the_staff(app, lv):
    with village(app, lv.id) as (s, tenant):
        letters.submit_counter(
            s, tenant, person(s, lv, "operator"), lv.residents["wayan"], lv.types["SKD"], purpose="Kerja"
        )
    assert not outbox(app, lv.id, kind="smart_government.letter_submitted")
    # Verified at the counter: the resident hears of it.
    assert len(outbox(app, lv.id, kind="smart_government.letter_verified", channel="inbox")) == 1


def test_issued_letter_end_to_end_inbox_page_and_whatsapp_template(app, lv, as_user, providers):
    from desacerdas.notifications import add_contact, opt_in

    with village(app, lv.id) as (s, _tenant):
        wayan = person(s, lv, "wayan")
        row = add_contact(s, wayan, "whatsapp", "0812 3456 7890", opt_in=True)
        row.verified_at = row.created_at  # verified earlier (the contacts page test does it by code)
        s.commit()
        opt_in(s, wayan, "whatsapp")
    issue_all_the_way(app, lv)
    templates = [r.json["template"]["name"] for r in providers.whatsapp_requests()]
    assert templates == ["desa_letter_verified", "desa_letter_signed", "desa_letter_issued"]
    issued = providers.whatsapp_requests()[-1].json
    assert issued["to"] == "6281234567890" and issued["template"]["language"]["code"].startswith("id")
    params = [p["text"] for p in issued["template"]["components"][0]["parameters"]]
    assert params[0] == "I Wayan Sudarsana" and params[1] == "Surat Keterangan Domisili"
    assert params[3].endswith("/pdf")
    sent = outbox(app, lv.id, channel="whatsapp")
    assert [r["status"] for r in sent] == ["sent"] * 3 and all(r["cost"] > 0 for r in sent)
    # The resident reads it on their inbox page (the message is in their language: Indonesian).
    client = as_user(lv.people["wayan"])
    page = client.get(f"/desa/{lv.slug}/inbox?lang=id").get_data(as_text=True)
    assert "Surat Surat Keterangan Domisili sudah terbit" in page
