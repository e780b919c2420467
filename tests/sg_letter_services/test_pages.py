"""The letter pages: a resident asks online, the hamlet head verifies, the head signs, the operator
issues, the resident downloads, anyone verifies; every refusal on the way; types and settings."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

from smart_government.letters.models import Letter, LetterRequest
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import Tenant
from desacerdas.plugin_system import settings as plugin_settings
from desacerdas.tenancy import tenant_session

from .conftest import PDF, PNG_1PX, files, logo_png


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def request_id_of(resp) -> str:  # noqa: ANN001
    return re.search(r"/letters/requests/([0-9a-f-]{36})", resp.headers["Location"]).group(1)


def online_request(as_user, lv, code="SKD", **data):  # noqa: ANN001, ANN202
    client = as_user(lv.people["wayan"])
    form = {
        "purpose": "Melamar pekerjaan",
        **{f"field_{k}": v for k, v in data.items()},
        **files(ktp=PNG_1PX, kk=PDF),
    }
    resp = client.post(
        lv.page(f"letters/request?type={lv.types[code]}"), data=form, content_type="multipart/form-data"
    )
    assert resp.status_code == 302, text(resp)
    return request_id_of(resp)


def act(client, lv, rid, action, expect=302, **form):  # noqa: ANN001, ANN202
    resp = client.post(lv.page(f"letters/requests/{rid}/{action}"), data=form)
    assert resp.status_code == expect, (resp.status_code, text(resp)[:3000])
    return resp


def letter_of(app, lv, rid) -> Letter:  # noqa: ANN001
    with app.app_context(), tenant_session(lv.id) as s:
        letter = s.scalar(select(Letter).where(Letter.request_id == uuid.UUID(str(rid))))
        s.expunge_all()
        return letter


def issued(app, as_user, lv) -> tuple[str, Letter]:  # noqa: ANN001
    rid = online_request(as_user, lv)
    act(as_user(lv.people["kelian_kaja"]), lv, rid, "verify")
    act(as_user(lv.people["head"]), lv, rid, "sign")
    act(as_user(lv.people["operator"]), lv, rid, "issue")
    return rid, letter_of(app, lv, rid)


def test_happy_path_from_the_residents_phone_to_the_verification_page(app, client, as_user, lv):
    wayan = as_user(lv.people["wayan"])
    page = text(wayan.get(lv.page("letters/request")))
    assert "Surat Keterangan Domisili" in page and "Surat Keterangan Kematian" not in page
    form = wayan.get(lv.page(f"letters/request?type={lv.types['SKD']}"))
    assert form.status_code == 200 and 'name="attachment_ktp"' in text(form)
    rid = online_request(as_user, lv)

    kelian = as_user(lv.people["kelian_kaja"])
    queue = text(kelian.get(lv.page("letters/requests")))
    assert rid in queue and "Submitted" in queue
    detail = text(kelian.get(lv.page(f"letters/requests/{rid}")))
    assert "/verify" in detail and "/approve" not in detail and "KTP" in detail
    attachment = kelian.get(lv.page(f"letters/requests/{rid}/attachments/ktp"))
    assert attachment.status_code == 200 and attachment.data == PNG_1PX
    act(kelian, lv, rid, "verify", note="Dikenal")

    head = as_user(lv.people["head"])
    detail = text(head.get(lv.page(f"letters/requests/{rid}")))
    assert f"/requests/{rid}/sign" in detail and 'name="prefix"' not in detail  # the head signs plainly
    act(head, lv, rid, "sign")
    operator = as_user(lv.people["operator"])
    act(operator, lv, rid, "issue")
    letter = letter_of(app, lv, rid)
    detail = text(operator.get(lv.page(f"letters/requests/{rid}")))
    assert letter.number in detail and letter.sha256 in detail
    assert [m for m in ("Submitted", "Verified", "Signed", "Issued") if m not in detail] == []

    mine = text(wayan.get(lv.page("letters/mine")))
    assert "Issued" in mine and letter.number in mine
    pdf = wayan.get(lv.page(f"letters/{letter.id}/pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == letter.sha256
    reprint = operator.get(lv.page(f"letters/{letter.id}/pdf"))
    assert reprint.data == pdf.data

    public = client.get(lv.page(f"verify/{letter.token}"))  # nobody signed in
    body = text(public)
    assert public.status_code == 200 and letter.number in body and "I W**** S********" in body
    assert "I Wayan Sudarsana" not in body and letter.sha256 in body and "I Nyoman Perbekel" in body
    assert "Kepala Desa Menanga" in body and "Surat Keterangan Domisili" in body
    same = client.post(
        lv.page(f"verify/{letter.token}"),
        data={"file": (io.BytesIO(pdf.data), "s.pdf")},
        content_type="multipart/form-data",
    )
    assert same.status_code == 200 and "verify-match" in text(same)
    changed = client.post(
        lv.page(f"verify/{letter.token}"),
        data={"file": (io.BytesIO(pdf.data + b"%x"), "s.pdf")},
        content_type="multipart/form-data",
    )
    assert changed.status_code == 200 and "verify-mismatch" in text(changed)
    not_pdf = client.post(
        lv.page(f"verify/{letter.token}"),
        data={"file": (io.BytesIO(PNG_1PX), "s.pdf")},
        content_type="multipart/form-data",
    )
    assert not_pdf.status_code == 415 and "verify-m" not in text(not_pdf)
    empty = client.post(lv.page(f"verify/{letter.token}"), data={})
    assert empty.status_code == 400
    as_json = client.get(lv.api(f"verify/{letter.token}")).get_json()
    assert (
        as_json["number"] == letter.number and as_json["resident"] == "I W**** S********" and as_json["valid"]
    )


def test_verify_page_too_large_revoked_unknown_and_other_village(app, client, as_user, lv, lv_b):
    rid, letter = issued(app, as_user, lv)
    app.config["SG_VERIFY_MAX_BYTES"] = 100
    try:
        big = client.post(
            lv.page(f"verify/{letter.token}"),
            data={"file": (io.BytesIO(b"%PDF-" + b"0" * 200), "b.pdf")},
            content_type="multipart/form-data",
        )
        assert big.status_code == 413
    finally:
        app.config.pop("SG_VERIFY_MAX_BYTES")
    assert client.get(lv.page("verify/not-a-real-token")).status_code == 404
    assert client.get(lv.api("verify/not-a-real-token")).status_code == 404
    assert client.get(lv_b.page(f"verify/{letter.token}")).status_code == 404
    assert client.get(lv_b.api(f"verify/{letter.token}")).status_code == 404
    operator = as_user(lv.people["operator"])
    resp = operator.post(lv.page(f"letters/{letter.id}/revoke"), data={"reason": ""})
    assert resp.status_code == 400
    assert (
        as_user(lv.people["kelian_kaja"])
        .post(lv.page(f"letters/{letter.id}/revoke"), data={"reason": "x"})
        .status_code
        == 403
    )
    assert (
        operator.post(lv.page(f"letters/{letter.id}/revoke"), data={"reason": "Nama salah"}).status_code
        == 302
    )
    page = text(client.get(lv.page(f"verify/{letter.token}")))
    assert "verify-revoked" in page and "REVOKED" in page and "verify-valid" not in page
    assert client.get(lv.api(f"verify/{letter.token}")).get_json()["revoked"] is True
    assert operator.post(lv.page(f"letters/{letter.id}/revoke"), data={"reason": "lagi"}).status_code == 409


def test_verify_page_is_rate_limited(app, client, as_user, lv):
    _rid, letter = issued(app, as_user, lv)
    app.config["SG_VERIFY_LIMIT"] = "3 per minute"
    codes = [client.get(lv.page(f"verify/{letter.token}")).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_online_refusals(app, as_user, lv):
    wayan = as_user(lv.people["wayan"])
    url = lv.page(f"letters/request?type={lv.types['SKU']}")
    resp = wayan.post(
        url, data={"purpose": "", "field_mulai_usaha": "lama"}, content_type="multipart/form-data"
    )
    body = text(resp)
    assert resp.status_code == 400
    assert "Nama usaha is required." in body and "must be a number" in body and "must be attached" in body
    in_person = lv.page(f"letters/request?type={lv.types['SKM']}")
    assert wayan.get(in_person).status_code == 400
    resp = wayan.post(in_person, data={"purpose": "x"}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "only served in person" in text(resp)
    bad_file = wayan.post(
        lv.page(f"letters/request?type={lv.types['SKD']}"),
        data={"purpose": "x", "attachment_ktp": (io.BytesIO(b"MZ" + b"\0" * 50), "k.exe"), **files(kk=PDF)},
        content_type="multipart/form-data",
    )
    assert bad_file.status_code == 400 and "not accepted" in text(bad_file)
    # Staff do not request online; a resident without a linked record cannot either.
    assert as_user(lv.people["operator"]).get(lv.page("letters/request")).status_code == 403
    assert wayan.get(lv.page("letters/requests")).status_code == 403
    assert wayan.get(lv.page("letters/counter")).status_code == 403


def test_roles_hamlets_transitions_and_reasons(app, as_user, lv, lv_b):
    rid = online_request(as_user, lv)
    kelod = as_user(lv.people["kelian_kelod"])
    assert rid not in text(kelod.get(lv.page("letters/requests")))
    assert kelod.get(lv.page(f"letters/requests/{rid}")).status_code == 404
    act(kelod, lv, rid, "verify", 404)
    act(as_user(lv.people["made"]), lv, rid, "cancel", 404)  # another resident
    act(as_user(lv.people["head"]), lv, rid, "sign", 409)
    act(as_user(lv.people["wayan"]), lv, rid, "verify", 403)
    act(as_user(lv.people["operator"]), lv, rid, "bogus", 404)
    kaja = as_user(lv.people["kelian_kaja"])
    act(kaja, lv, rid, "verify")
    resp = act(kaja, lv, rid, "verify", 409)
    assert "cannot be verify" not in text(resp) and "next step is to sign" in text(resp)
    act(kaja, lv, rid, "sign", 403)
    act(as_user(lv.people["head"]), lv, rid, "reject", 400, reason="")
    act(as_user(lv.people["head"]), lv, rid, "reject", reason="Alamat tidak sesuai")
    mine = text(as_user(lv.people["wayan"]).get(lv.page("letters/mine")))
    assert "Rejected" in mine and "Alamat tidak sesuai" in mine
    # Another village's staff: 404 on everything of this village.
    other = as_user(lv_b.people["operator"])
    assert other.get(lv.page(f"letters/requests/{rid}")).status_code == 404
    assert other.get(lv.page("letters/requests")).status_code == 404
    act(other, lv, rid, "reject", 404, reason="x")
    assert other.get(lv_b.page(f"letters/requests/{rid}")).status_code == 404


def test_resident_cancels_own_request(as_user, lv):
    rid = online_request(as_user, lv)
    wayan = as_user(lv.people["wayan"])
    assert f"/requests/{rid}/cancel" in text(wayan.get(lv.page(f"letters/requests/{rid}")))
    act(wayan, lv, rid, "cancel")
    act(wayan, lv, rid, "cancel", 409)
    assert "Cancelled" in text(wayan.get(lv.page("letters/mine")))


def test_counter_entry_with_originals_and_filters(app, as_user, lv):
    operator = as_user(lv.people["operator"])
    found = text(operator.get(lv.page("letters/counter?q=wayan")))
    assert str(lv.residents["wayan"]) in found and str(lv.residents["made"]) not in found
    url = lv.page(f"letters/counter?resident={lv.residents['made']}&type={lv.types['SKM']}")
    form = text(operator.get(url))
    assert 'name="field_nama_almarhum"' in form and 'name="seen_kk"' in form
    resp = operator.post(url, data={"purpose": "Akta kematian"}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "is required" in text(resp)
    resp = operator.post(
        url,
        data={
            "purpose": "Akta kematian",
            "field_nama_almarhum": "I Ketut Tua",
            "field_nik_almarhum": "5107010101400001",
            "field_tanggal_meninggal": "2026-01-02",
            "field_tempat_meninggal": "Rumah",
            "seen_kk": "1",
            "seen_ktp_almarhum": "1",
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    rid = request_id_of(resp)
    detail = text(operator.get(lv.page(f"letters/requests/{rid}")))
    assert "Originals seen at the counter" in detail and "Verified" in detail
    queue = operator.get(lv.page(f"letters/requests?status=verified&type={lv.types['SKM']}"))
    assert rid in text(queue)
    assert rid not in text(operator.get(lv.page(f"letters/requests?type={lv.types['SKD']}")))
    assert rid not in text(operator.get(lv.page("letters/requests?status=issued")))
    assert operator.get(lv.page("letters/requests?status=nonsense")).status_code == 400
    # A hamlet head enters requests for residents of their hamlet only.
    kaja = as_user(lv.people["kelian_kaja"])
    assert kaja.get(lv.page(f"letters/counter?resident={lv.residents['made']}")).status_code == 404
    assert str(lv.residents["made"]) not in text(kaja.get(lv.page("letters/counter?q=made")))


def test_queue_pagination(app, as_user, lv, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    operator = as_user(lv.people["operator"])
    for who in ("wayan", "kadek", "made"):
        url = lv.page(f"letters/counter?resident={lv.residents[who]}&type={lv.types['SKCK']}")
        assert (
            operator.post(url, data={"purpose": "SKCK"}, content_type="multipart/form-data").status_code
            == 302
        )
    first = text(operator.get(lv.page("letters/requests")))
    assert "3 requests" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in text(operator.get(lv.page("letters/requests?page=2")))


def test_letter_types_pages(app, as_user, lv):
    head = as_user(lv.people["head"])
    assert "SKTM" in text(head.get(lv.page("letters/types")))
    for who in ("operator", "kelian_kaja", "wayan"):
        assert as_user(lv.people[who]).get(lv.page("letters/types")).status_code == 403
    data = {
        "code": "SKBM",
        "title": "Surat Keterangan Belum Menikah",
        "online": "y",
        "fields_text": "calon | Nama calon | optional | text",
        "attachments_text": "ktp | KTP | required",
        "template": "Menerangkan bahwa ${nama} belum pernah menikah. ${calon} ${umur}",
    }
    resp = head.post(lv.page("letters/types/new"), data=data)
    assert resp.status_code == 400 and "${umur}" in text(resp)
    data["template"] = "Menerangkan bahwa ${nama} belum pernah menikah. Calon: ${calon}"
    assert head.post(lv.page("letters/types/new"), data=data).status_code == 302
    assert head.post(lv.page("letters/types/new"), data=data).status_code == 409
    edit = lv.page(f"letters/types/{lv.types['SKD']}/edit")
    form = text(head.get(edit))
    assert "ktp | KTP (Kartu Tanda Penduduk) | required" in form
    resp = head.post(
        edit, data={**data, "code": "SKD", "title": "Domisili baru", "fields_text": "", "template": "${nama}"}
    )
    assert resp.status_code == 302
    assert head.post(lv.page(f"letters/types/{lv.types['SKD']}/active")).status_code == 302
    wayan = as_user(lv.people["wayan"])
    listing = text(wayan.get(lv.page("letters/request")))
    assert "Domisili baru" not in listing and "Belum Menikah" in listing
    assert (
        as_user(lv.people["operator"]).post(lv.page(f"letters/types/{lv.types['SKD']}/active")).status_code
        == 403
    )


def test_letter_settings_page(app, as_user, lv, lv_b):
    head = as_user(lv.people["head"])
    page = text(head.get(lv.page("letters/settings")))
    assert "SKD/001/5107012003/" in page
    base = {
        "number_format": "{seq:04}/{type_code}/{year}",
        "verification_step": "y",
        "term_village_head": "Perbekel",
        "term_hamlet": "Banjar Dinas",
        "term_hamlet_head": "Kelian Banjar Dinas",
        "office_name": "KANTOR PERBEKEL MENANGA",
        "office_address": "Jl. Raya Menanga No. 1",
        "letter_place": "Menanga",
    }
    preview = head.post(lv.page("letters/settings"), data={**base, "preview": "1"})
    assert preview.status_code == 200 and "0001/SKD/" in text(preview)
    bad = head.post(lv.page("letters/settings"), data={**base, "number_format": "{type_code}/{nomor}"})
    assert bad.status_code == 400 and "unknown placeholder" in text(bad)
    live = head.get(lv.page("letters/settings/preview?format={seq:02}-{type_code}"))
    assert live.get_json()["preview"] == "01-SKD"
    assert head.get(lv.page("letters/settings/preview?format={x}")).status_code == 400
    broken = head.post(
        lv.page("letters/settings"),
        data={**base, "logo": (io.BytesIO(PNG_1PX), "logo.png")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 400 and "PNG or JPEG" in text(broken)
    saved = head.post(
        lv.page("letters/settings"),
        data={**base, "logo": (io.BytesIO(logo_png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    with app.app_context():
        values = plugin_settings.resolve("smart_government", lv.id)
        # The local words and the letterhead are the village's own (desacerdas.kit.terms).
        a, b = (db.session.get(Tenant, v.id) for v in (lv, lv_b))
        assert values["number_format"] == "{seq:04}/{type_code}/{year}" and values["number_per_type"] is False
        assert values["approval_step"] is False and terms.terms_for(a).village_head == "Perbekel"
        assert terms.letterhead_for(a).logo_document_id
        assert terms.terms_for(b).village_head == "Kepala Desa"
    assert as_user(lv.people["operator"]).get(lv.page("letters/settings")).status_code == 403
    assert as_user(lv_b.people["head"]).get(lv.page("letters/settings")).status_code == 404
    # The next letter uses the new format, the local word and the logo.
    _rid, letter = issued(app, as_user, lv)
    assert letter.number.endswith("/SKD/" + letter.number[-4:]) and letter.number.startswith("0001/")
    assert letter.signer_title == "Perbekel Menanga"


def test_approval_step_on_in_pages(app, as_user, lv):
    with app.app_context():
        from desacerdas.extensions import db
        from desacerdas.models import Tenant

        plugin_settings.update(
            "smart_government", {"approval_step": True}, tenant=db.session.get(Tenant, lv.id)
        )
    rid = online_request(as_user, lv)
    act(as_user(lv.people["kelian_kaja"]), lv, rid, "verify")
    secretary = as_user(lv.people["secretary"])
    act(secretary, lv, rid, "sign", 409)
    act(secretary, lv, rid, "approve")
    assert 'name="prefix"' in text(secretary.get(lv.page(f"letters/requests/{rid}")))
    act(secretary, lv, rid, "sign", 400)  # no a.n./u.b./Plt./Plh. chosen
    act(secretary, lv, rid, "sign", prefix="u.b.")
    with app.app_context(), tenant_session(lv.id) as s:
        req = s.scalar(select(LetterRequest).where(LetterRequest.id == uuid.UUID(rid)))
        assert req.signer_title_lines == ["u.b. Kepala Desa Menanga", "Sekretaris Desa"]


def test_every_page_refuses_another_villages_rows(app, client, as_user, lv, lv_b):
    rid, letter = issued(app, as_user, lv)
    b_head, b_operator = as_user(lv_b.people["head"]), as_user(lv_b.people["operator"])
    a_type = lv.types["SKD"]
    gets = [
        f"letters/requests/{rid}",
        f"letters/requests/{rid}/attachments/ktp",
        f"letters/{letter.id}/pdf",
        f"letters/types/{a_type}/edit",
        f"letters/counter?resident={lv.residents['wayan']}",
    ]
    for path in gets:
        assert b_head.get(lv_b.page(path)).status_code == 404, path  # A's id under B's address
        assert b_head.get(lv.page(path)).status_code == 404, path  # A's address: B's staff are outsiders
    posts = [
        (f"letters/requests/{rid}/reject", {"reason": "x"}),
        (f"letters/{letter.id}/revoke", {"reason": "x"}),
        (f"letters/types/{a_type}/active", {}),
    ]
    for path, form in posts:
        assert b_head.post(lv_b.page(path), data=form).status_code == 404, path
        assert b_operator.post(lv.page(path), data=form).status_code == 404, path
    for path in ("letters/requests", "letters/mine", "letters/types", "letters/settings", "letters/counter"):
        assert b_head.get(lv.page(path)).status_code == 404, path
    # Signed-out visitors are sent to sign in; only the verification page is public.
    assert client.get(lv.page("letters/requests")).status_code == 302
    assert client.get(lv.page(f"letters/{letter.id}/pdf")).status_code == 302
    assert client.get(lv.page(f"verify/{letter.token}")).status_code == 200
