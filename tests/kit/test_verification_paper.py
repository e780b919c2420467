"""The kit's PDF building blocks (``desacerdas.kit.paper``) without a database: deterministic bytes,
the standard layout, the QR code, letterhead lines, and the small helpers of the verification page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader

from desacerdas.kit import paper, verification
from desacerdas.kit.paper import Letterhead, Paper, Signer

URL = "https://desa.example.id/desa/menanga/verify/q7Zt2mR9xK4wLp8N"
HEAD = Letterhead("Karangasem", "Rendang", "Desa Menanga", "Jalan Raya Menanga No. 1")


def _receipt(**changes) -> Paper:  # noqa: ANN003
    values = {
        "letterhead": HEAD,
        "title": "Tanda Terima Setoran",
        "number": "BS/0042/2026",
        "body": [[("Nasabah", "Ni Kadek Ayu"), ("Setoran", "Plastik 3 kg")]],
        "place": "Menanga",
        "issued_at": datetime(2026, 12, 5, 9, 30, tzinfo=UTC),
        "verify_url": URL,
        **changes,
    }
    return Paper(**values)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_same_paper_gives_the_same_bytes():
    first = paper.render(_receipt())
    assert first.startswith(b"%PDF-") and paper.render(_receipt()) == first
    assert paper.render(_receipt(number="BS/0043/2026")) != first
    assert paper.render(_receipt(issued_at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC))) != first
    naive = paper.render(_receipt(issued_at=datetime(2026, 12, 5, 9, 30)))  # naive: taken as UTC
    assert naive == first
    meta = PdfReader(io.BytesIO(first)).metadata
    assert meta.title == "Tanda Terima Setoran BS/0042/2026" and meta.creator == "Desa Cerdas"


def test_the_standard_layout_and_a_body_drawn_by_the_pillar():
    signed = _text(
        paper.render(_receipt(signer=Signer.build("I Made", "Bendahara", prefix="a.n.", principal="Ketua")))
    )
    expected = (
        "PEMERINTAH KABUPATEN KARANGASEM", "KECAMATAN RENDANG", "DESA MENANGA", "TANDA TERIMA SETORAN",
        "Nomor: BS/0042/2026", "Plastik 3 kg", "Menanga, 5 Desember 2026", "a.n. Ketua", "Bendahara",
        "I Made", "Verifikasi:",
    )  # fmt: skip
    for expected_text in expected:
        assert expected_text in signed, expected_text
    drawn = _text(
        paper.render(_receipt(number=None, body=lambda pdf: paper.draw_block(pdf, "Dicetak oleh petugas.")))
    )
    assert "Dicetak oleh petugas." in drawn and "Nomor" not in drawn and "Menanga, 5 Desember 2026" in drawn


def test_the_qr_code_opens_the_verification_page():
    import zxingcpp  # a declared test dependency: a missing decoder is a failure, not a skip

    for extra in ({}, {"signer": Signer("I Made", ("Bendahara",))}):
        images = PdfReader(io.BytesIO(paper.render(_receipt(**extra)))).pages[0].images
        decoded = {b.text for img in images for b in zxingcpp.read_barcodes(img.image.convert("L"))}
        assert decoded == {URL}


def test_mask_name():
    assert verification.mask_name("I Wayan Sudarsana") == "I W**** S********"
    assert verification.mask_name("  Made  ") == "M***"
    assert verification.mask_name(None) == ""
    assert len(verification.new_token()) == 22 and verification.new_token() != verification.new_token()


def test_letterhead_lines_for_a_regency_and_a_city():
    assert Letterhead("Karangasem", "Rendang", "Desa Menanga", "a").lines() == [
        "PEMERINTAH KABUPATEN KARANGASEM",
        "KECAMATAN RENDANG",
        "DESA MENANGA",
    ]
    assert Letterhead("Kabupaten Karangasem", "Kecamatan Rendang", "x", "a").lines()[:2] == [
        "PEMERINTAH KABUPATEN KARANGASEM",
        "KECAMATAN RENDANG",
    ]
    assert Letterhead("Kota Denpasar", "Denpasar Selatan", "Kelurahan Serangan", "a").lines()[0] == (
        "PEMERINTAH KOTA DENPASAR"
    )
    assert paper.indonesian_date(date(2026, 12, 5)) == "5 Desember 2026"
    assert paper.pdf_text("Āyu ✓") == "Ayu ?"
