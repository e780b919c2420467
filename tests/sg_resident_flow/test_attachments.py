"""Asking for a letter online: required attachments are marked before sending, a refusal names each
field in words (never ``ktp: …``) in both languages, and the KTP and KK already on file from an
earlier letter are offered again and reused without a new upload; never another village's."""

from __future__ import annotations

import uuid

from sg_letter_services.conftest import PNG_1PX, files
from sg_letter_services.test_pages import online_request, request_id_of, text
from smart_government.letters.models import LetterRequest
from sqlalchemy import select

from desacerdas.models import Document
from desacerdas.tenancy import tenant_session

KTP = "KTP (Kartu Tanda Penduduk)"
KK = "Kartu Keluarga (KK)"


def form_page(client, lv, code, lang="en"):  # noqa: ANN001, ANN202
    return client.get(lv.page(f"letters/request?type={lv.types[code]}&lang={lang}"))


def send(client, lv, code, lang="en", **extra):  # noqa: ANN001, ANN003, ANN202
    data = {"purpose": "Melamar pekerjaan", **extra}
    return client.post(
        lv.page(f"letters/request?type={lv.types[code]}&lang={lang}"),
        data=data,
        content_type="multipart/form-data",
    )


def request_row(app, lv, rid) -> LetterRequest:  # noqa: ANN001
    with app.app_context(), tenant_session(lv.id) as s:
        row = s.scalar(select(LetterRequest).where(LetterRequest.id == uuid.UUID(str(rid))))
        s.expunge(row)
        return row


def test_required_attachments_are_marked_before_sending(as_user, lv):
    page = text(form_page(as_user(lv.people["wayan"]), lv, "SKD"))
    assert "Attachments marked required must be sent with the request." in page
    for key, label in (("ktp", KTP), ("kk", KK)):
        assert (
            f'<label for="attachment_{key}">{label}\n    <small class="required">(required)</small>' in page
        )
        assert (
            f'name="attachment_{key}" accept="image/*,application/pdf" capture="environment"'
            ' aria-required="true"' in page
        )
    assert '<small class="required">(required)</small></label> <input id="purpose"' in page
    sku = text(form_page(as_user(lv.people["wayan"]), lv, "SKU"))
    assert "Foto tempat usaha\n    <small>(optional)</small>" in sku
    indonesian = text(form_page(as_user(lv.people["wayan"]), lv, "SKD", "id"))
    assert '<small class="required">(wajib)</small>' in indonesian
    assert "Lampiran bertanda wajib harus dikirim bersama permohonan." in indonesian


def test_a_refusal_names_each_field_in_words_in_both_languages(as_user, lv):
    wayan = as_user(lv.people["wayan"])
    resp = send(wayan, lv, "SKTM")
    page = text(resp)
    assert resp.status_code == 400
    assert (
        f"Some fields are not valid: Penghasilan keluarga per bulan (Rp) is required; {KTP} must be attached"
        in page
    )
    assert "ktp:" not in page and "kk:" not in page and "penghasilan:" not in page
    assert f"{KTP} must be attached.; " not in page  # one full stop, at the end
    indonesian = text(send(wayan, lv, "SKTM", lang="id"))
    assert "Beberapa isian tidak valid: Penghasilan keluarga per bulan (Rp)" in indonesian
    assert f"{KTP} wajib dilampirkan" in indonesian and "ktp:" not in indonesian
    assert 'class="field invalid" id="attachment-ktp"' in indonesian  # the problem stands at the field


def test_ktp_and_kk_on_file_are_offered_again_and_reused(app, as_user, lv):
    first = online_request(as_user, lv)  # SKD with a KTP photo and a KK PDF
    kept = request_row(app, lv, first).attachments
    wayan = as_user(lv.people["wayan"])
    page = text(form_page(wayan, lv, "SKCK"))
    assert page.count("Use the one on file (sent ") == 2
    assert (
        'name="onfile_ktp" value="keep" checked' in page and 'name="onfile_kk" value="keep" checked' in page
    )
    assert 'aria-required="true"' not in page  # nothing new needs sending
    assert "Pakai yang sudah tersimpan (dikirim " in text(form_page(wayan, lv, "SKCK", "id"))

    resp = send(wayan, lv, "SKCK")  # no file at all: both kept
    assert resp.status_code == 302, text(resp)
    second = request_row(app, lv, request_id_of(resp))
    assert second.attachments == {"ktp": kept["ktp"], "kk": kept["kk"]}
    kelian = as_user(lv.people["kelian_kaja"])
    shown = kelian.get(lv.page(f"letters/requests/{second.id}/attachments/ktp"))
    assert shown.status_code == 200 and shown.data == PNG_1PX
    with app.app_context(), tenant_session(lv.id) as s:
        assert s.scalar(select(Document).where(Document.object_id == str(second.id))) is None  # no copy


def test_a_new_photo_replaces_the_one_on_file_and_new_without_a_file_is_refused(app, as_user, lv):
    first = online_request(as_user, lv)
    kept = request_row(app, lv, first).attachments
    wayan = as_user(lv.people["wayan"])
    refused = send(wayan, lv, "SKCK", onfile_ktp="new", onfile_kk="keep")
    assert refused.status_code == 400 and f"{KTP} must be attached." in text(refused)
    assert 'name="onfile_ktp" value="new" checked' in text(refused)  # the choice is kept
    resp = send(wayan, lv, "SKCK", onfile_ktp="new", **files(ktp=PNG_1PX))
    assert resp.status_code == 302, text(resp)
    second = request_row(app, lv, request_id_of(resp))
    assert second.attachments["kk"] == kept["kk"] and second.attachments["ktp"] != kept["ktp"]


def test_only_the_residents_own_ktp_and_kk_are_offered(app, as_user, lv):
    online_request(as_user, lv)  # Wayan's papers
    made = as_user(lv.people["made"])  # another resident of the same village
    assert "Use the one on file" not in text(form_page(made, lv, "SKCK"))
    assert send(made, lv, "SKCK").status_code == 400


def test_files_on_file_in_one_village_are_not_offered_or_attachable_in_another(
    app, client, as_user, lv, lv_b, bearer
):
    first = online_request(as_user, lv)  # Menanga
    kept = request_row(app, lv, first).attachments
    wayan_b = as_user(lv_b.people["wayan"])  # Bebandem's Wayan: another person, another village
    assert "Use the one on file" not in text(form_page(wayan_b, lv_b, "SKCK"))
    assert send(wayan_b, lv_b, "SKCK").status_code == 400
    # naming Menanga's document by its id through the API is refused as if it did not exist
    resp = client.post(
        lv_b.api("letter-requests"),
        json={"type_id": str(lv_b.types["SKCK"]), "purpose": "Melamar", "attachments": kept},
        headers=bearer(lv_b.people["wayan"]),
    )
    assert resp.status_code == 400
    assert "No such document to attach." in resp.get_json()["error"]["message"]
    # and Menanga's Wayan on Bebandem's pages has no resident there at all
    assert as_user(lv.people["wayan"]).get(
        lv_b.page(f"letters/request?type={lv_b.types['SKCK']}")
    ).status_code in (403, 404)
