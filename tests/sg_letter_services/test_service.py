"""The letter services through their service functions: seeding, letter type rules, the workflow
with its optional steps, issuing (one transaction, storage failure, reprint), revoking, verifying,
indicators."""

from __future__ import annotations

import hashlib
import io
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from smart_government.letters import figures as letter_figures
from smart_government.letters import issuing
from smart_government.letters import requests as letters
from smart_government.letters import types as letter_types
from smart_government.letters.models import (
    Letter,
    LetterRequest,
    LetterRequestStep,
    LetterType,
)
from sqlalchemy import func, select

from desacerdas.models import AuditEvent, Document, Tenant, User
from desacerdas.models.kit import Sequence as LetterSequence
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.storage import StorageUnavailable, storage
from desacerdas.tenancy import tenant_session

from .conftest import PNG_1PX, configure, prepare


@contextmanager
def village(app, lv):  # noqa: ANN001, ANN202
    with app.app_context(), tenant_session(lv.id) as s:
        yield s, s.get(Tenant, lv.id)


def user(s, lv, who: str) -> User:  # noqa: ANN001
    return s.get(User, lv.people[who].id)


def counter(s, tenant, lv, who="operator", resident="wayan", code="SKD", **kw):  # noqa: ANN001, ANN202
    kw.setdefault("purpose", "Melamar pekerjaan")
    return letters.submit_counter(s, tenant, user(s, lv, who), lv.residents[resident], lv.types[code], **kw)


def signed(s, tenant, lv, **kw) -> LetterRequest:  # noqa: ANN001
    req = counter(s, tenant, lv, **kw)
    letters.sign(s, tenant, req, user(s, lv, "head"))
    return req


def set_settings(app, lv, **values) -> None:  # noqa: ANN001
    configure(app, lv.id, values)


# -- seeding and letter types ----------------------------------------------------------------------


def test_enable_seeds_the_common_types_and_seeding_again_adds_only_missing(app, lv):
    assert set(lv.types) == {"SKD", "SKTM", "SKU", "SKCK", "SKL", "SKM", "SKP", "SKET"}
    with village(app, lv) as (s, tenant):
        online = {t.code: t.online for t in letter_types.list_types(s)}
        assert online["SKM"] is False and online["SKP"] is False and online["SKD"] is True
        skd = letter_types.get_type(s, lv.types["SKD"])
        skd.title = "Keterangan Domisili (edited)"
        s.delete(letter_types.get_type(s, lv.types["SKET"]))
        s.commit()
        letter_types.seed_defaults(tenant, s)
        letter_types.seed_defaults(tenant, s)
        s.commit()
        rows = s.scalars(select(LetterType)).all()
        assert sorted(t.code for t in rows) == sorted(lv.types)
        assert letter_types.get_type(s, lv.types["SKD"]).title == "Keterangan Domisili (edited)"
    # Every seeded template only uses known placeholders.
    for spec in letter_types.DEFAULT_TYPES:
        letter_types.check_type(spec)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"code": "sk d"}, "invalid_code"),
        ({"code": "SK/D"}, "invalid_code"),
        ({"code": ""}, "invalid_code"),
        ({"title": ""}, "invalid_title"),
        ({"template": "Nama ${nama}, umur ${umur}"}, "unknown_placeholders"),
        ({"template": "Nama ${nama"}, "invalid_template"),
        ({"fields": [{"name": "Bad Name", "label": "x"}]}, "invalid_fields"),
        ({"fields": [{"name": "nama", "label": "x"}]}, "invalid_fields"),
        ({"fields": [{"name": "x", "label": "x", "kind": "colour"}]}, "invalid_fields"),
        (
            {"attachments": [{"key": "ktp", "label": "KTP"}, {"key": "ktp", "label": "KTP"}]},
            "invalid_attachments",
        ),
        ({"validity_days": 0}, "invalid_validity"),
    ],
)
def test_letter_type_validation(app, lv, change, code):
    data = {
        "code": "SKX",
        "title": "Surat X",
        "template": "Nama ${nama} ${usaha}",
        "fields": [{"name": "usaha", "label": "Usaha"}],
    }
    data.update(change)
    with village(app, lv) as (s, tenant), pytest.raises(ServiceError) as err:
        letter_types.create_type(s, tenant, data, user(s, lv, "head"))
    assert err.value.code == code


def test_letter_type_code_is_unique_per_village(app, lv, lv_b):
    data = {"code": "skd", "title": "Lagi", "template": "${nama}"}
    with village(app, lv) as (s, tenant), pytest.raises(ServiceError) as err:
        letter_types.create_type(s, tenant, data, user(s, lv, "head"))
    assert err.value.code == "duplicate_code" and err.value.status == 409
    with village(app, lv) as (s, tenant):
        created = letter_types.create_type(s, tenant, {**data, "code": "SKBARU"}, user(s, lv, "head"))
        s.commit()
        assert created.code == "SKBARU" and created.position > 8
    with village(app, lv_b) as (s, _tenant), pytest.raises(NotFound):
        letter_types.get_type(s, created.id)


# -- submitting ------------------------------------------------------------------------------------


def test_online_request_needs_fields_attachments_purpose_and_an_online_type(app, lv):
    with village(app, lv) as (s, tenant):
        wayan = user(s, lv, "wayan")
        with pytest.raises(letters.InvalidRequest) as err:
            letters.submit_online(
                s, tenant, wayan, lv.types["SKU"], purpose="", data={"mulai_usaha": "dua ribu"}
            )
        assert set(err.value.fields) == {
            "nama_usaha",
            "jenis_usaha",
            "alamat_usaha",
            "mulai_usaha",
            "purpose",
            "ktp",
        }
        with pytest.raises(ServiceError) as err:
            letters.submit_online(s, tenant, wayan, lv.types["SKM"], purpose="x")
        assert err.value.code == "in_person_only"
        with pytest.raises(ServiceError) as err:
            letters.submit_online(s, tenant, user(s, lv, "operator"), lv.types["SKD"], purpose="x")
        assert err.value.status == 403
        uploads = {
            "ktp": docs.NewFile(io.BytesIO(PNG_1PX), "ktp.png"),
            "kk": docs.NewFile(io.BytesIO(PNG_1PX), "kk.png"),
        }
        req = letters.submit_online(
            s, tenant, wayan, lv.types["SKD"], purpose="Melamar kerja", uploads=uploads
        )
        assert req.status.value == "submitted" and req.channel.value == "online"
        assert set(req.attachments) == {"ktp", "kk"} and req.hamlet_id == lv.kaja
        documents = s.scalars(select(Document).where(Document.object_id == str(req.id))).all()
        assert {d.kind for d in documents} == {"identity"}
        assert all(d.owner_id == wayan.id and d.visibility.value == "owner" for d in documents)
        with pytest.raises(ServiceError) as err:  # the same letter again while it is open
            letters.submit_online(
                s,
                tenant,
                wayan,
                lv.types["SKD"],
                purpose="Lagi",
                uploads={
                    "ktp": docs.NewFile(io.BytesIO(PNG_1PX), "ktp.png"),
                    "kk": docs.NewFile(io.BytesIO(PNG_1PX), "kk.png"),
                },
            )
        assert err.value.status == 409


def test_storage_failing_on_the_second_attachment_leaves_no_request(app, lv, monkeypatch):
    real_put, written = docs._put, []

    def flaky(key, spooled, content_type):  # noqa: ANN001, ANN202
        if written:
            raise docs.Unavailable()
        real_put(key, spooled, content_type)
        written.append(key)

    monkeypatch.setattr(docs, "_put", flaky)
    with village(app, lv) as (s, tenant):
        wayan = user(s, lv, "wayan")
        uploads = {
            "ktp": docs.NewFile(io.BytesIO(PNG_1PX), "ktp.png"),
            "kk": docs.NewFile(io.BytesIO(PNG_1PX), "kk.png"),
        }
        with pytest.raises(docs.Unavailable):
            letters.submit_online(s, tenant, wayan, lv.types["SKD"], purpose="Melamar kerja", uploads=uploads)
        assert s.scalar(select(func.count(LetterRequest.id))) == 0
        assert s.scalar(select(func.count(Document.id))) == 0
        assert len(written) == 1 and list(storage().keys(written[0])) == []  # the first object is gone


def test_a_bad_attachment_stores_nothing(app, lv):
    with village(app, lv) as (s, tenant):
        uploads = {
            "ktp": docs.NewFile(io.BytesIO(PNG_1PX), "ktp.png"),
            "kk": docs.NewFile(io.BytesIO(b"MZ\x90" + b"\0" * 99), "kk.exe"),
        }
        with pytest.raises(letters.InvalidRequest) as err:
            letters.submit_online(
                s, tenant, user(s, lv, "wayan"), lv.types["SKD"], purpose="x", uploads=uploads
            )
        assert list(err.value.fields) == ["kk"]
        assert s.scalar(select(func.count()).select_from(LetterRequest)) == 0
        assert s.scalar(select(func.count()).select_from(Document)) == 0


def test_counter_request_starts_verified_and_records_originals(app, lv):
    with village(app, lv) as (s, tenant):
        req = counter(s, tenant, lv, originals_seen=["ktp", "kk"])
        steps = letters.timeline(req)
        assert [st.action for st in steps] == ["submitted", "verified"]
        assert "KTP" in steps[0].note and "Kartu Keluarga" in steps[0].note
        assert req.status.value == "verified" and req.attachments == {}
        # A hamlet head enters requests for their own hamlet only.
        with pytest.raises(NotFound):
            counter(s, tenant, lv, who="kelian_kaja", resident="made")
        with pytest.raises(ServiceError) as err:
            counter(s, tenant, lv, who="wayan")
        assert err.value.status == 403


# -- the workflow ----------------------------------------------------------------------------------


def test_full_workflow_with_both_steps(app, lv):
    set_settings(app, lv, approval_step=True)
    with village(app, lv) as (s, tenant):
        req = letters.submit_online(
            s,
            tenant,
            user(s, lv, "wayan"),
            lv.types["SKET"],
            purpose="Beasiswa",
            data={"keterangan": "Anak yatim."},
            uploads={"ktp": docs.NewFile(io.BytesIO(PNG_1PX), "k.png")},
        )
        assert letters.allowed_actions(s, tenant, user(s, lv, "kelian_kaja"), req) == ["verify", "reject"]
        assert letters.allowed_actions(s, tenant, user(s, lv, "wayan"), req) == ["cancel"]
        with pytest.raises(NotFound):  # the other hamlet's head does not see it
            letters.verify(s, tenant, req, user(s, lv, "kelian_kelod"))
        with pytest.raises(ServiceError) as err:
            letters.approve(s, tenant, req, user(s, lv, "secretary"))
        assert err.value.status == 409 and "verif" in err.value.message
        with pytest.raises(ServiceError) as err:
            letters.verify(s, tenant, req, user(s, lv, "wayan"))
        assert err.value.status == 403
        letters.verify(s, tenant, req, user(s, lv, "kelian_kaja"), "Dikenal baik")
        with pytest.raises(ServiceError) as err:
            letters.approve(s, tenant, req, user(s, lv, "kelian_kaja"))
        assert err.value.status == 403
        with pytest.raises(ServiceError) as err:
            letters.sign(s, tenant, req, user(s, lv, "head"))
        assert err.value.status == 409
        letters.approve(s, tenant, req, user(s, lv, "secretary"))
        with pytest.raises(ServiceError) as err:  # the secretary must say how she signs
            letters.sign(s, tenant, req, user(s, lv, "secretary"))
        assert err.value.code == "prefix_required"
        letters.sign(s, tenant, req, user(s, lv, "secretary"), prefix="a.n.", id_line="NIP. 1980")
        assert req.signer_title_lines == ["a.n. Kepala Desa Menanga", "Sekretaris Desa"]
        assert req.signer_prefix == "a.n." and req.signer_name == "Ni Luh Sekretaris"
        with pytest.raises(ServiceError) as err:
            letters.cancel(s, tenant, req, user(s, lv, "operator"))
        assert err.value.status == 403
        letter = issuing.issue(s, tenant, req, user(s, lv, "operator"))
        assert req.status.value == "issued"
        assert [st.action for st in letters.timeline(req)] == [
            "submitted",
            "verified",
            "approved",
            "signed",
            "issued",
        ]
        assert (
            letter.number.startswith("SKET/001/5107012003/")
            and letter.signer_title == "a.n. Kepala Desa Menanga / Sekretaris Desa"
        )
        assert letter.valid_until == issuing.local_date(tenant) + timedelta(days=90)
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.target == f"letter_request:{req.id}")
        ).all()
        assert sorted(actions) == sorted(
            f"letter_request.{a}" for a in ("submitted", "verified", "approved", "signed", "issued")
        )
        for action in ("verify", "reject", "cancel", "issue"):
            with pytest.raises(ServiceError) as err:
                letters.transition(
                    s, tenant, req, user(s, lv, "head" if action != "cancel" else "wayan"), action, reason="x"
                )
            assert err.value.status == 409


def test_without_verification_staff_sign_right_away_and_local_terms_are_used(app, lv):
    set_settings(app, lv, verification_step=False, term_village_head="Perbekel")
    with village(app, lv) as (s, tenant):
        req = counter(s, tenant, lv)
        assert req.status.value == "submitted"
        assert letters.allowed_actions(s, tenant, user(s, lv, "kelian_kaja"), req) == []
        with pytest.raises(ServiceError) as err:
            letters.verify(s, tenant, req, user(s, lv, "operator"))
        assert err.value.status == 409
        with pytest.raises(ServiceError) as err:
            letters.sign(s, tenant, req, user(s, lv, "head"), prefix="a.n.")
        assert err.value.code == "prefix_not_allowed"
        letters.sign(s, tenant, req, user(s, lv, "head"))
        assert req.signer_title_lines == ["Perbekel Menanga"] and req.signer_prefix is None
        other = counter(s, tenant, lv, resident="kadek")
        letters.sign(s, tenant, other, user(s, lv, "secretary"), prefix="Plt.")
        assert other.signer_title_lines == ["Plt. Perbekel Menanga"]


def test_reject_needs_a_reason_and_cancel_is_the_residents(app, lv):
    with village(app, lv) as (s, tenant):
        req = counter(s, tenant, lv)
        with pytest.raises(letters.InvalidRequest) as err:
            letters.reject(s, tenant, req, user(s, lv, "head"), "  ")
        assert "reason" in err.value.fields
        with pytest.raises(ServiceError) as err:
            letters.reject(
                s, tenant, req, user(s, lv, "operator"), "Data salah"
            )  # signing is next: head/secretary
        assert err.value.status == 403
        letters.reject(s, tenant, req, user(s, lv, "head"), "Data salah")
        assert req.status.value == "rejected" and req.rejection_reason == "Data salah" and req.closed_at
        with pytest.raises(ServiceError) as err:
            letters.reject(s, tenant, req, user(s, lv, "head"), "lagi")
        assert err.value.status == 409
        mine = counter(s, tenant, lv)
        with pytest.raises(NotFound):  # Made is another resident: he does not see Wayan's request
            letters.cancel(s, tenant, mine, user(s, lv, "made"))
        letters.cancel(s, tenant, mine, user(s, lv, "wayan"), "Tidak jadi")
        assert mine.status.value == "cancelled"


# -- issuing ---------------------------------------------------------------------------------------


def test_issue_stores_the_pdf_reprint_is_identical(app, lv):
    with village(app, lv) as (s, tenant):
        req = signed(
            s,
            tenant,
            lv,
            code="SKU",
            data={
                "nama_usaha": "Warung Sari",
                "jenis_usaha": "warung makan",
                "alamat_usaha": "Jl. Raya Kaja",
                "mulai_usaha": "2015",
            },
        )
        with pytest.raises(ServiceError) as err:
            issuing.issue(s, tenant, req, user(s, lv, "kelian_kaja"))
        assert err.value.status == 403
        letter = issuing.issue(s, tenant, req, user(s, lv, "operator"))
        assert len(letter.token) >= 20 and letter.number not in letter.token
        version = issuing.stored_version(s, letter)
        first = b"".join(docs.open_version(version))
        assert (
            first.startswith(b"%PDF-")
            and hashlib.sha256(first).hexdigest() == letter.sha256 == version.sha256
        )
        again = issuing.reprint(s, tenant, letter, user(s, lv, "operator"))
        assert b"".join(docs.open_version(again)) == first and again.sha256 == letter.sha256
        document = docs.get(letter.document_id, s)
        assert document.kind == "letter" and document.owner_id == lv.people["wayan"].id
        assert document.object_id == str(req.id) and document.plugin == "smart_government"
        assert issuing.matches(letter, first) and not issuing.matches(letter, first + b" ")
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(first)).pages)
        assert "Warung Sari" in text and letter.number in text and "I Wayan Sudarsana" in text
        assert "Kepala Desa Menanga" in text and letter.token in text.replace("\n", "")
        assert "Kabupaten Karangasem" in text and "Kabupaten Kabupaten" not in text


def test_storage_failure_leaves_no_letter_and_no_used_number(app, lv, monkeypatch):
    with village(app, lv) as (s, tenant):
        req = signed(s, tenant, lv)
        req_id = req.id
        store = storage()

        def down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise StorageUnavailable("storage is down")

        monkeypatch.setattr(store, "put", down)
        with pytest.raises(ServiceError) as err:
            issuing.issue(s, tenant, req, user(s, lv, "operator"))
        assert err.value.status == 503
        monkeypatch.undo()
    with village(app, lv) as (s, tenant):
        assert s.scalar(select(func.count()).select_from(Letter)) == 0
        assert s.scalar(select(func.count()).select_from(Document).where(Document.kind == "letter")) == 0
        assert s.scalar(select(LetterSequence.last_value)) is None  # the sequence row itself was rolled back
        req = s.scalar(select(LetterRequest).where(LetterRequest.id == req_id))
        assert req.status.value == "signed"
        assert [
            st.action
            for st in s.scalars(select(LetterRequestStep).where(LetterRequestStep.request_id == req_id))
        ] != []
        assert "issued" not in s.scalars(select(LetterRequestStep.action)).all()
        letter = issuing.issue(s, tenant, req, user(s, lv, "operator"))
        assert letter.seq == 1  # the number was not used up by the failed attempt


def test_revoke_and_verification_view(app, lv, lv_b):
    with village(app, lv) as (s, tenant):
        letter = issuing.issue(s, tenant, signed(s, tenant, lv), user(s, lv, "operator"))
        token = letter.token
        view = issuing.verification(tenant, letter)
        assert (
            view.resident == "I W**** S********"
            and view.valid
            and view.signer_title_lines == ("Kepala Desa Menanga",)
        )
        with pytest.raises(ServiceError) as err:
            issuing.revoke(s, tenant, letter, user(s, lv, "kelian_kaja"), "salah")
        assert err.value.status == 403
        with pytest.raises(letters.InvalidRequest):
            issuing.revoke(s, tenant, letter, user(s, lv, "operator"), "")
        issuing.revoke(s, tenant, letter, user(s, lv, "operator"), "Salah ketik nama")
        assert issuing.verification(tenant, letter).revoked
        with pytest.raises(ServiceError) as err:
            issuing.revoke(s, tenant, letter, user(s, lv, "operator"), "lagi")
        assert err.value.status == 409
    with village(app, lv_b) as (s, _tenant), pytest.raises(NotFound):
        issuing.find_by_token(s, token)


def test_mask_name():
    assert issuing.mask_name("I Wayan Sudarsana") == "I W**** S********"
    assert issuing.mask_name("  Ni  Kadek ") == "N* K****"


def test_indicators(app, lv):
    with village(app, lv) as (s, tenant):
        issued = signed(s, tenant, lv)
        issuing.issue(s, tenant, issued, user(s, lv, "operator"))
        counter(s, tenant, lv, resident="kadek", code="SKCK")
        rejected = counter(s, tenant, lv, resident="made", code="SKCK")
        letters.reject(s, tenant, rejected, user(s, lv, "head"), "Tidak lengkap")
        today = issuing.local_date(tenant)
        figures = {i.key: i for i in letter_figures.indicators(tenant, f"{today:%Y-%m}", s)}
        assert figures["smart_government.letter_requests"].value == 3
        assert dict(figures["smart_government.letter_requests"].series) == {"SKCK": 2.0, "SKD": 1.0}
        states = dict(figures["smart_government.letter_requests_by_state"].series)
        assert states["issued"] == 1 and states["verified"] == 1 and states["rejected"] == 1
        assert figures["smart_government.letter_backlog"].value == 1
        assert figures["smart_government.letters_issued"].value == 1
        hours = figures["smart_government.letter_issue_hours"]
        assert hours.kind == "duration" and 0 <= hours.value < 1
        empty = {i.key: i for i in letter_figures.indicators(tenant, str(today.year - 3), s)}
        assert (
            empty["smart_government.letter_requests"].value == 0
            and empty["smart_government.letter_issue_hours"].value is None
        )
        with pytest.raises(ServiceError):
            letter_figures.indicators(tenant, "2026-13", s)


def test_date_on_letter_is_the_village_date(app, lv):
    with village(app, lv) as (s, tenant):
        letter = issuing.issue(
            s, tenant, signed(s, tenant, lv), user(s, lv, "operator"), on=date(2026, 12, 5)
        )
        assert letter.number == "SKD/001/5107012003/XII/2026" and letter.valid_until == date(2027, 6, 3)


def test_prepare_in_a_second_village_is_independent(app, lv, lv_b):
    assert lv.types["SKD"] != lv_b.types["SKD"]
    assert prepare  # the helper is shared with the page and API tests


def _images(pdf: bytes) -> int:
    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_logo_on_the_letterhead_and_a_broken_logo_does_not_stop_letters(app, lv):
    from .conftest import logo_png

    def with_logo(data: bytes) -> bytes:
        with village(app, lv) as (s, tenant):
            logo = docs.store(
                tenant, docs.NewFile(io.BytesIO(data), "logo.png"), title="Logo", kind="photo", session=s
            )
            logo_id = str(logo.id)
        set_settings(app, lv, logo_document_id=logo_id)
        with village(app, lv) as (s, tenant):
            letter = issuing.issue(
                s, tenant, signed(s, tenant, lv, resident="kadek"), user(s, lv, "operator")
            )
            pdf = b"".join(docs.open_version(issuing.stored_version(s, letter)))
            assert hashlib.sha256(pdf).hexdigest() == letter.sha256
            return pdf

    assert _images(with_logo(logo_png())) == 2  # the logo and the QR code
    assert _images(with_logo(PNG_1PX)) == 1  # a PNG the PDF library cannot read: the QR code only


def test_a_format_that_repeats_numbers_across_types_takes_the_next_free_one(app, lv):
    set_settings(app, lv, number_format="{seq:03}/{year}", number_per_type=True)
    with village(app, lv) as (s, tenant):
        operator = user(s, lv, "operator")
        first = issuing.issue(s, tenant, signed(s, tenant, lv), operator, on=date(2026, 3, 1))
        other = issuing.issue(s, tenant, signed(s, tenant, lv, code="SKCK"), operator, on=date(2026, 3, 1))
        assert (first.number, other.number) == ("001/2026", "002/2026")


def test_a_field_that_became_a_date_later_does_not_stop_the_letter(app, lv):
    with village(app, lv) as (s, tenant):
        data = {
            "nama_usaha": "Warung Bu Kadek",
            "jenis_usaha": "dagang",
            "alamat_usaha": "Kaja",
            "mulai_usaha": "2019",
        }
        req = signed(s, tenant, lv, code="SKU", data=data)
        sku = letter_types.get_type(s, lv.types["SKU"])
        sku.fields = [{**f, "kind": "date"} if f["name"] == "jenis_usaha" else f for f in sku.fields]
        s.commit()
        letter = issuing.issue(s, tenant, req, user(s, lv, "operator"))
        assert letter.number.startswith("SKU/001/")


def test_village_dates_from_naive_utc_and_the_public_address_on_paper(app, lv):
    with village(app, lv) as (s, tenant):  # Menanga, Bali: WITA, UTC+8
        assert issuing.local_date(tenant, datetime(2026, 11, 27, 17, 30)) == date(2026, 11, 28)
        assert issuing.local_date(tenant, datetime(2026, 11, 27, 15, 30)) == date(2026, 11, 27)
        app.config["PUBLIC_URL"] = "https://desacerdas.example.id/"
        try:
            url = issuing.verify_url(tenant, "tok")
        finally:
            app.config["PUBLIC_URL"] = None
        assert url == f"https://desacerdas.example.id/desa/{tenant.slug}/smart_government/verify/tok"


def test_periods_of_the_figures_follow_the_village_clock(app, lv):
    with village(app, lv) as (s, tenant):
        req = counter(s, tenant, lv)
        req.submitted_at = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 01:00 in Bali
        s.commit()
        january = {i.key: i.value for i in letter_figures.indicators(tenant, "2027-01", s)}
        december = {i.key: i.value for i in letter_figures.indicators(tenant, "2026-12", s)}
        assert january["smart_government.letter_requests"] == 1
        assert december["smart_government.letter_requests"] == 0
