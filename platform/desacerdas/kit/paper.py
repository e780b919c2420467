"""Building blocks for a village's printed paper: the letterhead (kop surat), the heading with its
number, paragraphs and label/value tables, the signature with the verification QR code, and a
deterministic render.

Pure Python (fpdf2 for the PDF, segno for the QR code), so the platform still installs with pip
alone. The output is deterministic: the PDF's dates come from the input, so printing the same paper
again gives byte-identical bytes and the SHA-256 on the verification page keeps matching. The
drawing functions are the ones letters print with (same sizes, fonts and positions), so a pillar's
certificate or receipt looks like the village's letters and a pillar writes only its body.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import segno

if TYPE_CHECKING:
    from fpdf import FPDF
    from sqlalchemy.orm import Session

    from ..models import Tenant

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DELEGATION_PREFIXES = ("a.n.", "u.b.", "Plt.", "Plh.")

# A body block is a paragraph, or a table of (label, value) rows such as "Nama : I Wayan ...".
Block = str | Sequence[tuple[str, str]]

LEFT, TOP, RIGHT, BOTTOM = 25.0, 15.0, 20.0, 20.0
LINE = 6.0
QR_SIZE = 28.0


@dataclass(frozen=True)
class Letterhead:
    """Kop surat. ``office`` is the third line as the village calls itself (``DESA MENANGA``,
    ``KANTOR PERBEKEL MENANGA``); ``logo`` is PNG or JPEG bytes."""

    regency: str
    district: str
    office: str
    address: str
    logo: bytes | None = None

    def lines(self) -> list[str]:
        """``PEMERINTAH KABUPATEN KARANGASEM`` (``PEMERINTAH KOTA DENPASAR`` in a city), the district,
        the office line."""
        district = _strip_prefix(self.district, "KECAMATAN")
        if self.regency.strip().upper().startswith("KOTA "):
            government = f"PEMERINTAH {self.regency.strip().upper()}"
        else:
            government = f"PEMERINTAH KABUPATEN {_strip_prefix(self.regency, 'KABUPATEN')}"
        return [government, f"KECAMATAN {district}", self.office.upper()]


def letterhead_for(session: Session, tenant: Tenant) -> Letterhead:
    """The village's letterhead as set on its terms page (:mod:`desacerdas.kit.terms`), with its logo's
    bytes (none when it is unset or unreadable: paper without a logo is better than no paper)."""
    from . import terms

    head = terms.letterhead_for(tenant)
    return Letterhead(
        regency=head.regency,
        district=head.district,
        office=head.office,
        address=head.address,
        logo=terms.logo_bytes(tenant, session, head),
    )


@dataclass(frozen=True)
class Signer:
    """Who signs, as at signing time. ``title_lines`` carry the delegation prefix if any, e.g.
    ``("a.n. Perbekel Menanga", "Sekretaris Desa")`` or ``("Plt. Perbekel Menanga",)``."""

    name: str
    title_lines: Sequence[str]
    id_line: str | None = None  # e.g. "NIP. 19800101 200501 1 001"

    @classmethod
    def build(
        cls, name: str, title: str, *, prefix: str | None = None, principal: str | None = None, **kw: Any
    ) -> Signer:
        """The usual shapes: ``Plt.``/``Plh.`` prefix the title; ``a.n.``/``u.b.`` name the
        principal on the first line and the signer's own title below."""
        if prefix is None:
            return cls(name, (title,), **kw)
        if prefix not in DELEGATION_PREFIXES:
            raise ValueError(f"unknown prefix {prefix!r}; use one of {', '.join(DELEGATION_PREFIXES)}")
        if prefix in ("Plt.", "Plh."):
            return cls(name, (f"{prefix} {title}",), **kw)
        if not principal:
            raise ValueError(f"{prefix} needs the principal's title (on whose behalf)")
        return cls(name, (f"{prefix} {principal}", title), **kw)


@dataclass(frozen=True)
class Paper:
    """A standard paper: letterhead, heading (title and number), the pillar's body, then the place
    and date with the signature (or the QR code alone when nobody signs).

    ``body`` is a list of blocks (paragraphs and label/value tables) or a function that draws on the
    :class:`FPDF` itself (with :func:`draw_block` and friends). ``issued_at`` fixes the PDF's dates.
    """

    letterhead: Letterhead
    title: str
    number: str | None
    body: Sequence[Block] | Callable[[FPDF], None]
    place: str
    issued_at: datetime
    verify_url: str
    signer: Signer | None = None
    page_format: str = "A4"
    keywords: Sequence[str] = field(default_factory=tuple)


def indonesian_date(d: date) -> str:
    """``5 Desember 2026``: the date as it is written on Indonesian papers."""
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def _strip_prefix(name: str, word: str) -> str:
    up = name.strip().upper()
    return up[len(word) :].strip() if up.startswith(word + " ") else up


def pdf_text(s: str) -> str:
    """The PDF core fonts are Latin-1: keep accents Latin-1 has, drop the marks of others (ā → a)."""
    s = unicodedata.normalize("NFC", s)
    if all(ord(c) < 256 for c in s):
        return s
    out = []
    for c in s:
        if ord(c) < 256:
            out.append(c)
            continue
        base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(base if base and all(ord(x) < 256 for x in base) else "?")
    return "".join(out)


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as PNG bytes (error correction M, as printed on letters)."""
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=8, border=4)
    return buf.getvalue()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def new_pdf(
    *,
    title: str,
    subject: str,
    author: str,
    created_at: datetime,
    keywords: Sequence[str] = (),
    page_format: str = "A4",
) -> FPDF:
    """An empty PDF with the platform's margins and metadata, dated ``created_at`` (not "now": the
    same paper must always give the same bytes). Add pages and draw, then :func:`finish`."""
    from fpdf import FPDF  # here, not at import: fpdf2 and fontTools are ~15 MB a worker rarely needs

    pdf = FPDF(orientation="portrait", unit="mm", format=page_format)
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.set_creation_date(_aware(created_at))
    pdf.set_title(pdf_text(title))
    pdf.set_subject(pdf_text(subject))
    pdf.set_author(pdf_text(author))
    pdf.set_creator("Desa Cerdas")
    if keywords:
        pdf.set_keywords(pdf_text(" ".join(keywords)))
    return pdf


def finish(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def draw_letterhead(pdf: FPDF, head: Letterhead) -> None:
    """The three centred lines, the address, the logo on the left and the double rule below."""
    width = pdf.w - LEFT - RIGHT
    top = pdf.get_y()
    if head.logo:
        pdf.image(io.BytesIO(head.logo), x=LEFT, y=top, h=26)
    sizes = (13, 13, 16)
    for line, size in zip(head.lines(), sizes, strict=True):
        pdf.set_font("Times", "B", size)
        pdf.cell(width, 7 if size > 13 else 6, pdf_text(line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", "I", 10)
    pdf.multi_cell(width, 5, pdf_text(head.address), align="C", new_x="LMARGIN", new_y="NEXT")
    y = max(pdf.get_y(), top + 27) + 1.5
    pdf.set_line_width(0.8)
    pdf.line(LEFT, y, pdf.w - RIGHT, y)
    pdf.set_line_width(0.2)
    pdf.line(LEFT, y + 1.2, pdf.w - RIGHT, y + 1.2)
    pdf.set_y(y + 6)


def draw_heading(pdf: FPDF, title: str, number: str | None) -> None:
    """The title, underlined in capitals, and ``Nomor: …`` below it."""
    width = pdf.w - LEFT - RIGHT
    pdf.set_font("Times", "BU", 13)
    pdf.cell(width, 7, pdf_text(title.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
    if number:
        pdf.set_font("Times", "", 12)
        pdf.cell(width, LINE, pdf_text(f"Nomor: {number}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def draw_block(pdf: FPDF, block: Block) -> None:
    """A justified paragraph, or a ``label : value`` table."""
    width = pdf.w - LEFT - RIGHT
    pdf.set_font("Times", "", 12)
    if isinstance(block, str):
        pdf.multi_cell(width, LINE, pdf_text(block), align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    indent, label_w, colon_w = 8.0, 45.0, 4.0
    for label, value in block:
        pdf.set_x(LEFT + indent)
        pdf.cell(label_w, LINE, pdf_text(label))
        pdf.cell(colon_w, LINE, ":")
        pdf.multi_cell(
            width - indent - label_w - colon_w, LINE, pdf_text(value), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(2)


def _parts(text: str, after: str) -> list[str]:
    """``text`` cut after each character of ``after`` (kept at the end of its part)."""
    parts, start = [], 0
    for i, c in enumerate(text):
        if c in after:
            parts.append(text[start : i + 1])
            start = i + 1
    if start < len(text):
        parts.append(text[start:])
    return parts


def _pack(parts: Sequence[str], width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    for part in parts:
        if lines and measure((lines[-1] + part).rstrip()) <= width:
            lines[-1] += part
        else:
            lines.append(part)
    return lines


def address_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` (a label and an address) in lines of at most ``width``, broken after a space or a
    ``/`` (inside a host name too long for a line, after a ``.`` or ``-``): a letter's verification
    address is typed in by hand, so its token (the part after the last ``/``) is never split over two
    lines. A part wider than ``width`` gets a line of its own."""
    cut = text.rfind("/") + 1
    head, token = text[:cut], text[cut:]
    lines: list[str] = []
    for line in _pack(_parts(head, " /"), width, measure):
        lines += [line] if measure(line.rstrip()) <= width else _pack(_parts(line, ".-"), width, measure)
    if token:
        lines = _pack([*lines, token], width, measure)
    return [line.rstrip() for line in lines if line.strip()]


CAPTION_SIZES = (7.0, 6.5, 6.0, 5.5, 5.0)
CAPTION_LINE = 3.2
# The QR code with room for five caption lines under it (a long host name takes four): the block
# starts a new page rather than let the address run onto the next one.
QR_BLOCK = QR_SIZE + 1 + 5 * CAPTION_LINE + 4


def draw_qr(pdf: FPDF, url: str, *, x: float, y: float, caption_width: float) -> None:
    """The QR code that opens the public verification page, with the address printed below it for
    typing in (:func:`address_lines`; a smaller type when a part does not fit). Leaves the cursor
    under the caption."""
    pdf.image(io.BytesIO(qr_png(url)), x=x, y=y, w=QR_SIZE, h=QR_SIZE)
    pdf.set_xy(x, y + QR_SIZE + 1)
    text = pdf_text("Verifikasi: " + url)
    for size in CAPTION_SIZES:
        pdf.set_font("Helvetica", "", size)
        lines = address_lines(text, caption_width, pdf.get_string_width)
        if all(pdf.get_string_width(line) <= caption_width for line in lines):
            break
    for line in lines:
        pdf.cell(caption_width, CAPTION_LINE, line, align="L", new_x="LEFT", new_y="NEXT")


def draw_signature(pdf: FPDF, *, place: str, on: date, signer: Signer, verify_url: str) -> None:
    """Place and date, the signer's title lines, room to sign, the name (and ID line) on the right;
    the verification QR code on the left. Starts a new page when the block does not fit."""
    lines = 1 + len(signer.title_lines) + 1 + (1 if signer.id_line else 0)
    needed = lines * LINE + 24 + 4
    if pdf.get_y() + max(needed, QR_BLOCK) > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    col_x = pdf.w / 2 + 5
    col_w = pdf.w - RIGHT - col_x
    pdf.set_font("Times", "", 12)
    pdf.set_xy(col_x, top)
    place_date = f"{place}, {indonesian_date(on)}"
    pdf.cell(col_w, LINE, pdf_text(place_date), align="C", new_x="LEFT", new_y="NEXT")
    for title in signer.title_lines:
        pdf.cell(col_w, LINE, pdf_text(title), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_y(pdf.get_y() + 22)
    pdf.set_x(col_x)
    pdf.set_font("Times", "BU", 12)
    pdf.cell(col_w, LINE, pdf_text(signer.name), align="C", new_x="LEFT", new_y="NEXT")
    if signer.id_line:
        pdf.set_font("Times", "", 12)
        pdf.cell(col_w, LINE, pdf_text(signer.id_line), align="C", new_x="LEFT", new_y="NEXT")
    bottom = pdf.get_y()
    draw_qr(pdf, verify_url, x=LEFT, y=top, caption_width=col_x - LEFT - 5)
    pdf.set_y(max(bottom, pdf.get_y()))


def _draw_unsigned(pdf: FPDF, paper: Paper) -> None:
    """Place and date on the right and the QR code on the left, for a paper nobody signs (a receipt)."""
    if pdf.get_y() + QR_BLOCK > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    col_x = pdf.w / 2 + 5
    pdf.set_font("Times", "", 12)
    pdf.set_xy(col_x, top)
    place_date = f"{paper.place}, {indonesian_date(paper.issued_at.date())}"
    pdf.cell(pdf.w - RIGHT - col_x, LINE, pdf_text(place_date), align="C")
    draw_qr(pdf, paper.verify_url, x=LEFT, y=top, caption_width=col_x - LEFT - 5)


def render(paper: Paper) -> bytes:
    """The paper as PDF bytes; the same ``paper`` always gives the same bytes."""
    heading = f"{paper.title} {paper.number}" if paper.number else paper.title
    pdf = new_pdf(
        title=heading,
        subject=paper.title,
        author=paper.letterhead.office,
        created_at=paper.issued_at,
        keywords=paper.keywords,
        page_format=paper.page_format,
    )
    pdf.add_page()
    draw_letterhead(pdf, paper.letterhead)
    draw_heading(pdf, paper.title, paper.number)
    if callable(paper.body):
        paper.body(pdf)
    else:
        for block in paper.body:
            draw_block(pdf, block)
    if paper.signer is not None:
        draw_signature(
            pdf,
            place=paper.place,
            on=paper.issued_at.date(),
            signer=paper.signer,
            verify_url=paper.verify_url,
        )
    else:
        _draw_unsigned(pdf, paper)
    return finish(pdf)
