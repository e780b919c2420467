"""The letter PDF: deterministic bytes, the printed content, a QR code that decodes to the
verification URL, and template filling."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
import segno
from pypdf import PdfReader
from smart_government.letters.pdf import (
    LetterDocument,
    Letterhead,
    MissingTemplateFields,
    Signer,
    TemplateError,
    fill_template,
    indonesian_date,
    render_letter,
)

WITA = timezone(timedelta(hours=8))
URL = "https://desa.example.id/verify/q7Zt2mR9xK4wLp8N"
TEMPLATE = (
    "Yang bertanda tangan di bawah ini ${office_head} ${village}, menerangkan bahwa ${name} "
    "(NIK ${nik}) benar berdomisili di ${hamlet}, Desa ${village}. Biaya: $$0."
)


def _logo() -> bytes:
    buf = io.BytesIO()
    segno.make("logo").save(buf, kind="png", scale=3)  # any small PNG stands in for a village logo
    return buf.getvalue()


def _doc(**changes) -> LetterDocument:
    body = fill_template(
        TEMPLATE,
        {
            "office_head": "Perbekel",
            "village": "Menanga",
            "name": "Ni Luh Putu Ayu Wulandari",
            "nik": "5107015705900002",
            "hamlet": "Banjar Dinas Kubakal",
        },
    )
    doc = LetterDocument(
        letterhead=Letterhead(
            regency="Karangasem",
            district="Rendang",
            office="Kantor Perbekel Menanga",
            address="Jalan Raya Menanga No. 1, Rendang, Karangasem 80863",
            logo=_logo(),
        ),
        title="Surat Keterangan Domisili",
        number="470/007/5107012003/XII/2026",
        body=[body, [("Nama", "Ni Luh Putu Ayu Wulandari"), ("NIK", "5107015705900002")]],
        purpose="Persyaratan melamar pekerjaan",
        place="Menanga",
        issued_at=datetime(2026, 12, 5, 9, 30, tzinfo=WITA),
        signer=Signer.build(
            "I Komang Suastika", "Sekretaris Desa", prefix="a.n.", principal="Perbekel Menanga"
        ),
        verify_url=URL,
    )
    return dataclasses.replace(doc, **changes)


def _text(pdf: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


def test_reprinting_gives_byte_identical_pdf():
    first = render_letter(_doc())
    assert first.startswith(b"%PDF-")
    assert render_letter(_doc()) == first
    assert render_letter(_doc(number="470/008/5107012003/XII/2026")) != first


def test_pdf_metadata_comes_from_the_letter():
    reader = PdfReader(io.BytesIO(render_letter(_doc())))
    meta = reader.metadata
    assert meta.creation_date == datetime(2026, 12, 5, 9, 30, tzinfo=WITA)
    assert meta.title == "Surat Keterangan Domisili 470/007/5107012003/XII/2026"
    # A naive time is taken as UTC rather than the machine's clock or zone.
    naive = PdfReader(io.BytesIO(render_letter(_doc(issued_at=datetime(2026, 12, 5, 1, 30)))))
    assert naive.metadata.creation_date == datetime(2026, 12, 5, 1, 30, tzinfo=UTC)


def test_pdf_shows_letterhead_number_body_and_signer():
    text = _text(render_letter(_doc()))
    for expected in (
        "PEMERINTAH KABUPATEN KARANGASEM",
        "KECAMATAN RENDANG",
        "KANTOR PERBEKEL MENANGA",
        "Jalan Raya Menanga No. 1",
        "SURAT KETERANGAN DOMISILI",
        "Nomor: 470/007/5107012003/XII/2026",
        "Ni Luh Putu Ayu Wulandari",
        "5107015705900002",
        "Persyaratan melamar pekerjaan",
        "Menanga, 5 Desember 2026",
        "a.n. Perbekel Menanga",
        "Sekretaris Desa",
        "I Komang Suastika",
        "Biaya: $0.",
        URL,
    ):
        assert expected in text, expected


def test_qr_code_decodes_to_the_verification_url():
    import zxingcpp  # a declared test dependency: a missing decoder is a failure, not a skip

    images = PdfReader(io.BytesIO(render_letter(_doc()))).pages[0].images
    assert len(images) == 2  # the logo and the QR code
    decoded = {b.text for img in images for b in zxingcpp.read_barcodes(img.image.convert("L"))}
    assert URL in decoded


def test_letter_without_logo_embeds_only_the_qr_code():
    letterhead = dataclasses.replace(_doc().letterhead, logo=None)
    images = PdfReader(io.BytesIO(render_letter(_doc(letterhead=letterhead)))).pages[0].images
    assert len(images) == 1


def test_long_letter_flows_onto_a_second_page_and_odd_characters_do_not_break_it():
    paragraph = "Paragraf panjang tentang riwayat penduduk dan keperluan surat. " * 12
    doc = _doc(body=[paragraph] * 6, signer=Signer("Ngurah Ṛṣi “Raka” — Plt.", ("Plt. Perbekel Menanga",)))
    pdf = render_letter(doc)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert "Plt. Perbekel Menanga" in reader.pages[-1].extract_text()


@pytest.mark.parametrize(
    ("kwargs", "lines"),
    [
        ({}, ("Perbekel Menanga",)),
        ({"prefix": "Plt."}, ("Plt. Perbekel Menanga",)),
        ({"prefix": "Plh."}, ("Plh. Perbekel Menanga",)),
        ({"prefix": "a.n.", "principal": "Kepala Desa"}, ("a.n. Kepala Desa", "Perbekel Menanga")),
        ({"prefix": "u.b.", "principal": "Sekretaris Desa"}, ("u.b. Sekretaris Desa", "Perbekel Menanga")),
    ],
)
def test_signer_title_shapes(kwargs, lines):
    assert Signer.build("I Made Adi", "Perbekel Menanga", **kwargs).title_lines == lines


def test_signer_refuses_unknown_or_incomplete_delegation():
    with pytest.raises(ValueError, match="unknown prefix"):
        Signer.build("X", "Perbekel", prefix="an")
    with pytest.raises(ValueError, match="principal"):
        Signer.build("X", "Sekretaris Desa", prefix="a.n.")


def test_indonesian_date():
    assert indonesian_date(datetime(2026, 8, 17).date()) == "17 Agustus 2026"


def test_fill_template_reports_every_missing_field():
    with pytest.raises(MissingTemplateFields) as err:
        fill_template(TEMPLATE, {"village": "Menanga", "name": None})
    assert err.value.missing == ("hamlet", "name", "nik", "office_head")
    assert "${hamlet}" in str(err.value)


def test_fill_template_values_and_escapes():
    assert fill_template("${a} dan $b, $$5", {"a": 1, "b": "dua", "unused": "x"}) == "1 dan dua, $5"


def test_fill_template_refuses_a_broken_placeholder():
    with pytest.raises(TemplateError, match="invalid placeholder"):
        fill_template("Nama: ${nama", {"nama": "X"})
