"""After every move of a letter request the resident's request page, "My letters" and the staff
request page say who acts next, in the village's own titles and in both languages."""

from __future__ import annotations

import re

import pytest
from sg_letter_services.conftest import configure
from sg_letter_services.test_pages import act, online_request, request_id_of, text

NEXT = re.compile(r'<p class="next-step" id="next-step" role="status">(.*?)</p>', re.S)
MINE = re.compile(r'<span class="next-step">(.*?)</span>', re.S)

SUBMITTED = (
    "Waiting for verification by Kelian Banjar Dinas Kaja or the desa office.",
    "Menunggu verifikasi oleh Kelian Banjar Dinas Kaja atau kantor desa.",
)
APPROVAL = (
    "Waiting for approval by Sekretaris Desa or Perbekel Menanga.",
    "Menunggu persetujuan Sekretaris Desa atau Perbekel Menanga.",
)
SIGNATURE = ("Waiting for the signature of Perbekel Menanga.", "Menunggu tanda tangan Perbekel Menanga.")
SIGNED = (
    "Signed: the desa office prints and issues the letter.",
    "Sudah ditandatangani: kantor desa mencetak dan menerbitkan suratnya.",
)
ISSUED = (
    "Ready: download the letter below, or collect it at the desa office.",
    "Surat sudah jadi: unduh di bawah ini, atau ambil di kantor desa.",
)
REJECTED = (
    "Turned down: nobody acts on this request any more. A new request can be sent.",
    "Ditolak: permohonan ini tidak diproses lagi. Permohonan baru dapat dikirim.",
)


def says(as_user, lv, rid, expected) -> None:  # noqa: ANN001
    """The resident's request page and "My letters", and the staff page, in English and Indonesian."""
    wayan, operator = as_user(lv.people["wayan"]), as_user(lv.people["operator"])
    for lang, sentence in zip(("en", "id"), expected, strict=True):
        for client in (wayan, operator):
            page = text(client.get(lv.page(f"letters/requests/{rid}?lang={lang}")))
            assert NEXT.findall(page) == [sentence], (lang, NEXT.findall(page))
        mine = text(wayan.get(lv.page(f"letters/mine?lang={lang}")))
        assert MINE.findall(mine) == [sentence], (lang, MINE.findall(mine))


def test_every_move_says_who_acts_next(as_user, bali):
    rid = online_request(as_user, bali)
    says(as_user, bali, rid, SUBMITTED)
    act(as_user(bali.people["kelian_kaja"]), bali, rid, "verify")
    says(as_user, bali, rid, SIGNATURE)  # no approval step in this village
    act(as_user(bali.people["head"]), bali, rid, "sign")
    says(as_user, bali, rid, SIGNED)
    act(as_user(bali.people["operator"]), bali, rid, "issue")
    says(as_user, bali, rid, ISSUED)


def test_with_the_approval_step_the_secretary_or_the_head_approves(app, as_user, bali):
    configure(app, bali.id, {"approval_step": True})
    rid = online_request(as_user, bali)
    act(as_user(bali.people["operator"]), bali, rid, "verify")
    says(as_user, bali, rid, APPROVAL)
    act(as_user(bali.people["secretary"]), bali, rid, "approve")
    says(as_user, bali, rid, SIGNATURE)


def test_without_verification_the_request_waits_for_the_signature(app, as_user, bali):
    configure(app, bali.id, {"verification_step": False})
    rid = online_request(as_user, bali)
    says(as_user, bali, rid, SIGNATURE)


@pytest.mark.parametrize("who", ["kelian_kaja", "head"])
def test_a_rejected_request_says_nobody_acts_any_more(as_user, bali, who):
    rid = online_request(as_user, bali)
    if who == "head":
        act(as_user(bali.people["kelian_kaja"]), bali, rid, "verify")
    act(as_user(bali.people[who]), bali, rid, "reject", reason="Data tidak lengkap")
    says(as_user, bali, rid, REJECTED)


def test_the_generic_words_of_a_village_outside_bali_are_used(as_user, lv):
    """The letter tests' Menanga uses the generic words (Kepala Desa, Dusun, Kepala Dusun)."""
    rid = online_request(as_user, lv)
    page = text(as_user(lv.people["wayan"]).get(lv.page(f"letters/requests/{rid}")))
    assert NEXT.findall(page) == [
        "Waiting for verification by Kepala Dusun Banjar Dinas Kaja or the desa office."
    ]
    act(as_user(lv.people["kelian_kaja"]), lv, rid, "verify")
    page = text(as_user(lv.people["wayan"]).get(lv.page(f"letters/requests/{rid}?lang=id")))
    assert NEXT.findall(page) == ["Menunggu tanda tangan Kepala Desa Menanga."]
    assert "Perbekel" not in page


def test_a_letter_asked_for_at_the_counter_is_collected_there(as_user, bali):
    operator = as_user(bali.people["operator"])
    resp = operator.post(
        bali.page(f"letters/counter?resident={bali.residents['wayan']}&type={bali.types['SKD']}"),
        data={"purpose": "Melamar pekerjaan"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, text(resp)
    rid = request_id_of(resp)
    says(as_user, bali, rid, SIGNATURE)  # checked at the counter: verified at once
    act(as_user(bali.people["head"]), bali, rid, "sign")
    act(operator, bali, rid, "issue")
    says(
        as_user,
        bali,
        rid,
        ("Ready to collect at the desa office.", "Surat sudah jadi dan dapat diambil di kantor desa."),
    )
