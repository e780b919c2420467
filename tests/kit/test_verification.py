"""The kit's verifiable documents (``desacerdas.kit.verification``, ``kit.paper`` and the public page
``/desa/<slug>/verify/<token>``): a paper issued through the service with a real document store,
checked by anyone, a tampered copy refused, revoked and expired papers, other villages, bad uploads,
and storage failing while a paper is issued."""

from __future__ import annotations

import io
import re
import socket
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from desacerdas.extensions import limiter
from desacerdas.kit import numbering, paper, verification
from desacerdas.kit.paper import Letterhead, Paper, Signer
from desacerdas.kit.verification import StoredAs
from desacerdas.models import AuditEvent, Document, DocumentVersion, Tenant
from desacerdas.models.kit import Sequence, Verification
from desacerdas.services import ServiceError
from desacerdas.services import documents as docs
from desacerdas.storage import storage
from desacerdas.tenancy import TenantMismatch, tenant_session
from desacerdas.testing.s3 import ACCESS_KEY, SECRET_KEY, SeaweedS3

HOLDER = "Ni Kadek Ayu Lestari"
MASKED = "N* K**** A** L******"
TITLE = "Sertifikat Pelatihan Menjahit"
PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


# -- apps with a real document store -------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


def _app(db_urls, tmp_path_factory, url: str):  # noqa: ANN001, ANN202
    from conftest import make_app

    return make_app(
        db_urls,
        tmp_path_factory,
        STORAGE_URL=url,
        DOCUMENT_MAX_BYTES=2 * 1024 * 1024,
        VERIFY_LIMIT="10000 per minute",
    )


@pytest.fixture(scope="module")
def vapp(db_urls, tmp_path_factory, _migrated):
    """An app whose documents go to a local folder."""
    return _app(db_urls, tmp_path_factory, f"file://{tmp_path_factory.mktemp('kit-documents')}")


@pytest.fixture(scope="module")
def vapp_s3(db_urls, tmp_path_factory, _migrated, s3_server):
    """An app whose documents go to a real S3 server (SeaweedFS)."""
    return _app(db_urls, tmp_path_factory, s3_server.url(f"desa-kit-{uuid.uuid4().hex[:12]}"))


@pytest.fixture
def down_app(db_urls, tmp_path_factory, _migrated):
    """An app whose S3 storage does not answer (nothing listens on its port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return _app(
        db_urls, tmp_path_factory, f"s3://{ACCESS_KEY}:{SECRET_KEY}@127.0.0.1:{port}/desa-down?secure=false"
    )


@pytest.fixture(autouse=True)
def _fresh(request):
    """Limits start afresh; objects are removed after every test (rows are wiped by tests/conftest)."""
    limiter.reset()
    yield
    for name in ("vapp", "vapp_s3"):
        if name in request.fixturenames:
            app = request.getfixturevalue(name)
            with app.app_context():
                for key in list(storage().keys("")):
                    storage().delete(key)


# -- issuing ---------------------------------------------------------------------------------------


ISSUED_AT = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # 09:30 in Bali


def render_certificate(tenant: Tenant, number: str, url: str, issued_at: datetime = ISSUED_AT) -> bytes:
    """What a pillar writes: only its body; the letterhead, heading, signature and QR come from the kit."""
    return paper.render(
        Paper(
            letterhead=Letterhead(
                regency=tenant.regency_name,
                district=tenant.district_name,
                office=verification.default_office(tenant),
                address="Jalan Raya Menanga No. 1",
            ),
            title=TITLE,
            number=number,
            body=[
                "Diberikan kepada peserta yang telah menyelesaikan pelatihan menjahit dengan baik.",
                [("Nama", HOLDER), ("Jam pelatihan", "40 jam")],
            ],
            place=tenant.name,
            issued_at=issued_at.astimezone(verification.village_zone(tenant)),
            verify_url=url,
            signer=Signer.build("I Nyoman Perbekel", "Perbekel Menanga"),
            keywords=("certificate", number),
        )
    )


def issue_certificate(app, village, *, valid_until=None, issued_at=ISSUED_AT, **kw):  # noqa: ANN001, ANN201
    """Take a number and issue a certificate in one transaction; returns (row values, pdf, urls)."""
    urls: list[str] = []
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        number = numbering.take(
            s, tenant, "test.certificates", "SERT/{seq:03}/{year}", when=date(2026, 12, 5)
        )

        def render(url: str) -> bytes:
            urls.append(url)
            return render_certificate(tenant, number.text, url, issued_at)

        row, document = verification.issue(
            s,
            tenant,
            plugin="core",
            kind="certificate",
            title=TITLE,
            number=number.text,
            holder_name=HOLDER,
            issuer_name="I Nyoman Perbekel",
            issuer_title="Perbekel Menanga / Ketua Panitia",
            valid_until=valid_until,
            object_id="training-7",
            render=render,
            stored_as=StoredAs(title=f"{TITLE} {number.text}", filename="sertifikat.pdf"),
            issued_at=issued_at,
            **kw,
        )
        pdf = b"".join(docs.open_version(docs.version(document)))
        return {"token": row.token, "sha256": row.sha256, "id": row.id, "number": row.number}, pdf, urls


def _count(app, village, model) -> int:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        return s.scalar(select(func.count()).select_from(model))


def _text(resp) -> str:  # noqa: ANN001
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


@pytest.mark.parametrize("store", ["file", "s3"])
def test_issue_stores_the_pdf_with_its_qr_hash_and_row(request, menanga, store):
    app = request.getfixturevalue("vapp" if store == "file" else "vapp_s3")
    row, pdf, urls = issue_certificate(app, menanga)
    import hashlib

    import zxingcpp

    assert urls == [f"http://localhost/desa/{menanga.slug}/verify/{row['token']}"]
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == row["sha256"]
    assert row["number"] == "SERT/001/2026" and len(row["token"]) >= 22
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert "SERTIFIKAT PELATIHAN MENJAHIT" in text and "Nomor: SERT/001/2026" in text
    assert "PEMERINTAH KABUPATEN KARANGASEM" in text and urls[0] in text.replace("\n", "")
    decoded = {
        b.text for img in reader.pages[0].images for b in zxingcpp.read_barcodes(img.image.convert("L"))
    }
    assert decoded == {urls[0]}
    with app.app_context(), tenant_session(menanga.id) as s:
        v = verification.find(s, row["token"])
        assert (v.plugin, v.kind, v.object_id, v.holder_name) == ("core", "certificate", "training-7", HOLDER)
        document = docs.get(v.document_id, s)
        assert (document.kind, document.plugin, document.object_id) == ("general", "core", "training-7")
        assert docs.version(document).sha256 == row["sha256"]
        assert b"".join(docs.open_version(verification.stored_version(s, v))) == pdf  # a reprint
        assert [x.id for x in verification.for_object(s, "core", "training-7")] == [v.id]
        assert s.scalar(select(Sequence.last_value)) == 1
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "verification.issued")
            )
            == 1
        )


def test_the_same_paper_renders_to_the_same_bytes(vapp, menanga):
    with vapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        first = render_certificate(tenant, "SERT/001/2026", "https://x.example/desa/m/verify/t")
        assert render_certificate(tenant, "SERT/001/2026", "https://x.example/desa/m/verify/t") == first
        assert render_certificate(tenant, "SERT/002/2026", "https://x.example/desa/m/verify/t") != first
        unsigned = paper.render(
            Paper(
                letterhead=paper.letterhead_for(s, tenant),
                title="Tanda Terima",
                number=None,
                body=lambda pdf: paper.draw_block(pdf, [("Barang", "Plastik 3 kg")]),
                place="Menanga",
                issued_at=datetime(2026, 12, 5, 9, 30),
                verify_url="https://x.example/v",
            )
        )
    text = PdfReader(io.BytesIO(unsigned)).pages[0].extract_text()
    assert (
        "TANDA TERIMA" in text and "Nomor" not in text and "Plastik 3 kg" in text and "DESA MENANGA" in text
    )


def test_public_url_is_printed_when_set(vapp, menanga):
    with vapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        vapp.config["PUBLIC_URL"] = "https://desacerdas.example.id/"
        try:
            assert (
                verification.verify_url(tenant, "tok")
                == f"https://desacerdas.example.id/desa/{tenant.slug}/verify/tok"
            )
        finally:
            vapp.config["PUBLIC_URL"] = None
        assert verification.verify_url(tenant, "tok", "https://other.example") == (
            f"https://other.example/desa/{tenant.slug}/verify/tok"
        )


# -- the public page -------------------------------------------------------------------------------


def test_the_page_shows_the_paper_to_anyone_in_both_languages(vapp, menanga):
    row, _pdf, _urls = issue_certificate(vapp, menanga, valid_until=date(2099, 1, 1))
    client = vapp.test_client()  # nobody signed in
    page = f"/desa/{menanga.slug}/verify/{row['token']}"
    en = client.get(page + "?lang=en")
    body = _text(en)
    assert en.status_code == 200 and en.headers["Cache-Control"] == "no-store"
    assert "verify-valid" in body and "Document verification" in body and "is valid" in body
    assert TITLE in body and "SERT/001/2026" in body and MASKED in body and HOLDER not in body
    assert "I Nyoman Perbekel" in body and "Perbekel Menanga" in body and "Ketua Panitia" in body
    assert row["sha256"] in body and "December 5, 2026" in body and "January 1, 2099" in body
    indonesian = _text(client.get(page + "?lang=id"))
    assert "Verifikasi dokumen" in indonesian and "Dokumen ini diterbitkan oleh DESA MENANGA" in indonesian
    assert "5 Desember 2026" in indonesian and "Document verification" not in indonesian


def test_the_page_uses_the_village_calendar(vapp, menanga):
    # 17:30 UTC on 27 November is already 28 November in Bali (WITA, UTC+8).
    row, _pdf, _urls = issue_certificate(vapp, menanga, issued_at=datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    body = _text(vapp.test_client().get(f"/desa/{menanga.slug}/verify/{row['token']}?lang=en"))
    assert "November 28, 2026" in body


def test_an_identical_copy_matches_and_a_tampered_one_fails(vapp, menanga):
    row, pdf, _urls = issue_certificate(vapp, menanga)
    client = vapp.test_client()
    page = f"/desa/{menanga.slug}/verify/{row['token']}?lang=en"

    def upload(data: bytes):  # noqa: ANN202
        return client.post(
            page, data={"file": (io.BytesIO(data), "copy.pdf")}, content_type="multipart/form-data"
        )

    same = upload(pdf)
    assert same.status_code == 200 and "verify-match" in _text(same) and "verify-mismatch" not in _text(same)
    at = len(pdf) // 2
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]  # one byte changed
    changed = upload(tampered)
    assert (
        changed.status_code == 200
        and "verify-mismatch" in _text(changed)
        and "NOT the issued" in _text(changed)
    )
    with vapp.app_context(), tenant_session(menanga.id) as s:
        v = verification.find(s, row["token"])
        assert verification.matches(v, pdf) and verification.matches(v, [pdf[:100], pdf[100:]])
        assert not verification.matches(v, tampered)


def test_bad_uploads_get_a_clear_4xx(vapp, menanga):
    row, _pdf, _urls = issue_certificate(vapp, menanga)
    client = vapp.test_client()
    page = f"/desa/{menanga.slug}/verify/{row['token']}?lang=en"
    not_pdf = client.post(
        page, data={"file": (io.BytesIO(PNG_1PX), "copy.pdf")}, content_type="multipart/form-data"
    )
    assert not_pdf.status_code == 415 and "This is not a PDF file." in _text(not_pdf)
    assert "verify-match" not in _text(not_pdf) and "verify-mismatch" not in _text(not_pdf)
    empty = client.post(page, data={})
    assert empty.status_code == 400 and "Choose the PDF file to compare." in _text(empty)
    vapp.config["VERIFY_MAX_BYTES"] = 100
    try:
        big = client.post(
            page,
            data={"file": (io.BytesIO(b"%PDF-" + b"0" * 200), "big.pdf")},
            content_type="multipart/form-data",
        )
    finally:
        vapp.config.pop("VERIFY_MAX_BYTES")
    assert big.status_code == 413 and "larger than the limit" in _text(big)
    indonesian = client.post(
        page.replace("lang=en", "lang=id"),
        data={"file": (io.BytesIO(PNG_1PX), "copy.pdf")},
        content_type="multipart/form-data",
    )
    assert indonesian.status_code == 415 and "Ini bukan berkas PDF." in _text(indonesian)


def test_a_revoked_paper_says_so(vapp, menanga, make_user):
    row, _pdf, _urls = issue_certificate(vapp, menanga)
    head = make_user("village_head", menanga)
    with vapp.app_context(), tenant_session(menanga.id) as s:
        v = verification.find(s, row["token"])
        from desacerdas.models import User

        actor = s.get(User, head.id)
        with pytest.raises(ServiceError) as no_reason:
            verification.revoke(s, v, actor, "  ")
        assert no_reason.value.status == 400
        verification.revoke(s, v, actor, "Nama peserta salah")
        with pytest.raises(ServiceError) as again:
            verification.revoke(s, v, actor, "lagi")
        assert again.value.status == 409
    with vapp.app_context(), tenant_session(menanga.id) as s:
        v = verification.find(s, row["token"])
        assert v.revoked_by == head.id and v.revoked_reason == "Nama peserta salah"
    client = vapp.test_client()
    body = _text(client.get(f"/desa/{menanga.slug}/verify/{row['token']}?lang=en"))
    assert "verify-revoked" in body and "REVOKED" in body and "verify-valid" not in body
    assert "DICABUT" in _text(client.get(f"/desa/{menanga.slug}/verify/{row['token']}?lang=id"))


def test_an_expired_paper_says_so(vapp, menanga):
    row, _pdf, _urls = issue_certificate(vapp, menanga, valid_until=date.today() - timedelta(days=2))
    body = _text(vapp.test_client().get(f"/desa/{menanga.slug}/verify/{row['token']}?lang=en"))
    assert "verify-expired" in body and "validity ended" in body and "verify-valid" not in body
    with vapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        view = verification.public_view(tenant, verification.find(s, row["token"]))
        assert view.expired and not view.valid and view.as_dict()["valid"] is False


def test_unknown_tokens_and_other_villages_are_not_found(vapp, menanga, bebandem):
    row, _pdf, _urls = issue_certificate(vapp, menanga)
    client = vapp.test_client()
    unknown = client.get(f"/desa/{menanga.slug}/verify/not-a-real-token?lang=en")
    assert unknown.status_code == 404 and "has issued no document with this code" in _text(unknown)
    assert "Menanga" in _text(unknown)
    assert "belum pernah menerbitkan" in _text(client.get(f"/desa/{menanga.slug}/verify/xyz?lang=id"))
    assert client.get(f"/desa/{menanga.slug}/verify/{'x' * 65}").status_code == 404
    other = client.get(f"/desa/{bebandem.slug}/verify/{row['token']}?lang=en")  # Menanga's token
    assert other.status_code == 404 and _tells_nothing(other, row)
    posted = client.post(
        f"/desa/{bebandem.slug}/verify/{row['token']}", data={"file": (io.BytesIO(b"%PDF-1"), "x.pdf")}
    )
    assert posted.status_code == 404
    assert client.get(f"/desa/no-such-village/verify/{row['token']}").status_code == 404
    with vapp.app_context(), tenant_session(bebandem.id) as s:
        with pytest.raises(ServiceError) as exc:
            verification.find(s, row["token"])
        assert exc.value.status == 404


def _tells_nothing(resp, row) -> bool:  # noqa: ANN001
    """Another village's page tells nothing of the paper."""
    body = _text(resp)
    return row["sha256"] not in body and row["number"] not in body and MASKED not in body


def test_the_page_is_rate_limited(vapp, menanga):
    row, _pdf, _urls = issue_certificate(vapp, menanga)
    client = vapp.test_client()
    vapp.config["VERIFY_LIMIT"] = "3 per minute"
    try:
        codes = [client.get(f"/desa/{menanga.slug}/verify/{row['token']}").status_code for _ in range(5)]
    finally:
        vapp.config["VERIFY_LIMIT"] = "10000 per minute"
    assert codes == [200, 200, 200, 429, 429]


def test_a_pillar_keeps_its_own_address_with_render_verification(vapp, menanga):
    """A pillar's route calls ``render_verification``: the same page under the address it printed."""
    from flask import g

    from desacerdas.kit.verification_views import render_verification
    from desacerdas.web.tenant import resolve

    row, _pdf, urls = issue_certificate(
        vapp, menanga, url=lambda t: f"https://x.example/desa/m/pilar/verify/{t}"
    )
    assert urls == [f"https://x.example/desa/m/pilar/verify/{row['token']}"]
    with vapp.test_request_context(f"/desa/{menanga.slug}/pilar/verify/{row['token']}?lang=en"):
        tenant = resolve(menanga.slug)
        body, status, headers = render_verification(tenant, row["token"], office="KANTOR PERBEKEL MENANGA")
        assert status == 200 and "KANTOR PERBEKEL MENANGA" in body and MASKED in body
        assert headers["X-Robots-Tag"] == "noindex"
        body, status, _headers = render_verification(tenant, "nope")
        assert status == 404
        with pytest.raises(Exception) as plain:  # noqa: PT011 - werkzeug's NotFound
            render_verification(tenant, "nope", unknown_template=None)
        assert getattr(plain.value, "code", None) == 404
        assert g.tenant.id == menanga.id


# -- unhappy issuing -------------------------------------------------------------------------------


def test_storage_down_during_issue_writes_nothing(down_app, menanga):
    with pytest.raises(docs.Unavailable):
        issue_certificate(down_app, menanga)
    assert _count(down_app, menanga, Verification) == 0
    assert _count(down_app, menanga, Document) == 0
    assert _count(down_app, menanga, DocumentVersion) == 0
    with down_app.app_context(), tenant_session(menanga.id) as s:
        assert s.scalar(select(func.count()).select_from(Sequence)) == 0  # the number went back too
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "verification.issued")
            )
            == 0
        )


def test_a_commit_failing_after_the_object_was_written_leaves_no_object(vapp, menanga, monkeypatch):
    from sqlalchemy.orm import Session

    def failing_commit(self):  # noqa: ANN001, ANN202 - the issue's one commit, after the object is written
        raise RuntimeError("database went away")

    monkeypatch.setattr(Session, "commit", failing_commit)
    with pytest.raises(RuntimeError, match="went away"):
        issue_certificate(vapp, menanga)
    monkeypatch.undo()
    assert _count(vapp, menanga, Verification) == 0 and _count(vapp, menanga, Document) == 0
    with vapp.app_context():
        assert list(storage().keys("")) == []


def test_a_refused_document_leaves_nothing_pending(vapp, menanga):
    with vapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        numbering.take(s, tenant, "test.certificates", "{seq}", when=date(2026, 12, 5))
        with pytest.raises(ServiceError) as exc:
            verification.issue(
                s,
                tenant,
                plugin="core",
                kind="certificate",
                title=TITLE,
                render=lambda url: render_certificate(tenant, "X", url),
                stored_as=StoredAs(title="X", kind="no-such-kind"),
            )
        assert exc.value.code == "unknown_kind"
        s.commit()  # a caller that carries on commits nothing of the paper
    assert _count(vapp, menanga, Verification) == 0 and _count(vapp, menanga, Sequence) == 0


def test_refuses_a_render_that_is_not_a_pdf_and_a_session_of_another_village(vapp, menanga, bebandem):
    with vapp.app_context(), tenant_session(menanga.id) as s:
        tenant = s.get(Tenant, menanga.id)
        common = {
            "plugin": "core",
            "kind": "receipt",
            "title": "Tanda terima",
            "stored_as": StoredAs(title="T"),
        }
        with pytest.raises(ServiceError) as exc:
            verification.issue(s, tenant, render=lambda url: b"<html>", **common)
        assert exc.value.status == 415
        with pytest.raises(TenantMismatch):
            verification.issue(s, s.get(Tenant, bebandem.id), render=lambda url: b"%PDF-1", **common)
    assert _count(vapp, menanga, Verification) == 0
