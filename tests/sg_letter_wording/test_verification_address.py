"""The verification address printed under the QR code is typed in by hand: its token is never
split over two lines (checked on pypdf's text of the PDF), however long the address."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from desacerdas.kit import paper

from .conftest import issue_text


def _paper(url: str, signer: paper.Signer | None) -> bytes:
    return paper.render(
        paper.Paper(
            letterhead=paper.Letterhead("Kabupaten Karangasem", "Rendang", "DESA MENANGA", "Menanga"),
            title="Surat Keterangan",
            number="SKD/001/5107012003/XII/2026",
            body=["Isi surat."],
            place="Menanga",
            issued_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
            verify_url=url,
            signer=signer,
        )
    )


def _lines(pdf: bytes) -> list[str]:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).splitlines()


HOSTS = (
    "http://localhost",
    "https://desacerdas.karangasemkab.go.id",
    "https://layanan-desa-digital.pemerintah-kabupaten-karangasem.provinsi-bali.go.id",
)
SLUGS = ("menanga", "menanga-rendang-karangasem-bali-51-07-01-2003")


@pytest.mark.parametrize("signed", [True, False])
@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("slug", SLUGS)
def test_the_token_is_printed_whole_on_one_line(host, slug, signed):
    signer = paper.Signer("I Nyoman Kepala", ("Perbekel Menanga",)) if signed else None
    for _ in range(5):  # tokens with "-" and "_" in different places
        token = secrets.token_urlsafe(16)
        url = f"{host}/desa/{slug}/smart_government/verify/{token}"
        lines = _lines(_paper(url, signer))
        assert any(token in line for line in lines), lines
        # The whole address is there, broken only after a "/" or the space after "Verifikasi:" (in a
        # host name too long for a line, after a "." or a "-").
        start = next(i for i, line in enumerate(lines) if line.startswith("Verifikasi:"))
        end = next(i for i, line in enumerate(lines) if token in line)
        printed = lines[start : end + 1]
        assert "".join(printed) in (f"Verifikasi: {url}", f"Verifikasi:{url}"), printed
        assert all(line.endswith(("/", ":", ".", "-")) for line in printed[:-1]), printed


def test_a_token_wider_than_the_column_is_printed_smaller_not_split():
    token = secrets.token_urlsafe(48)  # 64 characters: wider than the caption column at 7 pt
    url = f"https://desacerdas.example/desa/menanga/smart_government/verify/{token}"
    lines = _lines(_paper(url, paper.Signer("A", ("Perbekel Menanga",))))
    assert any(token in line for line in lines), lines


def test_address_lines_breaks_only_after_a_slash_or_a_space():
    def measure(s: str) -> float:
        return float(len(s))

    url = "Verifikasi: https://host.example/desa/menanga/smart_government/verify/AbC-dEf_123"
    lines = paper.address_lines(url, 30, measure)
    assert "".join(lines).replace(" ", "") == url.replace(" ", "")
    assert lines[-1] == "AbC-dEf_123" or lines[-1].endswith("/AbC-dEf_123")
    assert all(len(line) <= 30 for line in lines[:-1])
    assert paper.address_lines("abc", 1, measure) == ["abc"]  # a part wider than the line stays whole


def test_an_issued_letter_prints_its_token_on_one_line(app, bali):
    token, raw = issue_text(app, bali, "SKD")
    lines = raw.splitlines()
    assert any(token in line for line in lines)
    assert not any(line.endswith(token[:5]) for line in lines if token not in line)


@pytest.mark.parametrize("signed", [True, False])
def test_the_address_never_runs_onto_the_next_page(signed):
    """Bodies of every length push the signature block (or a receipt's QR code) down the page: the
    QR code and its whole address stay on one page."""
    host = HOSTS[-1]  # the longest: four caption lines
    for paragraphs in range(12, 36):
        token = secrets.token_urlsafe(16)
        url = f"{host}/desa/{SLUGS[-1]}/smart_government/verify/{token}"
        pdf = paper.render(
            paper.Paper(
                letterhead=paper.Letterhead("Kabupaten Karangasem", "Rendang", "DESA MENANGA", "Menanga"),
                title="Surat Keterangan",
                number="SKD/001/5107012003/XII/2026",
                body=["Baris isi surat yang cukup panjang untuk satu baris penuh."] * paragraphs,
                place="Menanga",
                issued_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
                verify_url=url,
                signer=paper.Signer("I Nyoman Kepala", ("Perbekel Menanga",)) if signed else None,
            )
        )
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
        holding = [i for i, text in enumerate(pages) if "Verifikasi:" in text]
        assert len(holding) == 1 and token in pages[holding[0]], (paragraphs, pages[-1])
