"""The issued letter as a PDF, and the filling of letter templates.

Pure Python (fpdf2 for the PDF, segno for the QR code) so the platform still installs with pip
alone. The output is deterministic: the PDF's dates and file id come from the input, so printing
the same letter again gives byte-identical bytes and the SHA-256 shown on the verification page
keeps matching.
"""

from __future__ import annotations

import io
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

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
DEFAULT_CLOSING = "Demikian surat keterangan ini dibuat untuk dapat dipergunakan sebagaimana mestinya."

# A body block is a paragraph, or a table of (label, value) rows such as "Nama : I Wayan ...".
Block = str | Sequence[tuple[str, str]]


# -- templates ------------------------------------------------------------------------------------


class TemplateError(ValueError):
    """A letter template cannot be filled."""


class MissingTemplateFields(TemplateError):
    """The template names fields the caller did not give (or gave as None)."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        super().__init__("missing template fields: " + ", ".join("${" + m + "}" for m in self.missing))


def fill_template(template_text: str, fields: Mapping[str, Any]) -> str:
    """Fill ``${name}`` placeholders (``$$`` is a literal dollar sign).

    Every missing field is reported at once, so staff editing a letter type see the whole list.
    """
    template = string.Template(template_text)
    if not template.is_valid():
        try:
            template.substitute({k: "" for k in template.get_identifiers()})
        except ValueError as exc:
            raise TemplateError(f"invalid placeholder in template: {exc}") from exc
    missing = sorted({n for n in template.get_identifiers() if fields.get(n) is None})
    if missing:
        raise MissingTemplateFields(missing)
    return template.substitute({k: str(v) for k, v in fields.items() if v is not None})


# -- what is printed ------------------------------------------------------------------------------


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
        regency = _strip_prefix(self.regency, "KABUPATEN")
        district = _strip_prefix(self.district, "KECAMATAN")
        return [f"PEMERINTAH KABUPATEN {regency}", f"KECAMATAN {district}", self.office.upper()]


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
class LetterDocument:
    """Everything the letter PDF shows; the body is already filled from the letter type's template."""

    letterhead: Letterhead
    title: str
    number: str
    body: Sequence[Block]
    place: str
    issued_at: datetime
    signer: Signer
    verify_url: str
    purpose: str | None = None
    closing: str | None = DEFAULT_CLOSING
    page_format: str = "A4"
    keywords: Sequence[str] = field(default_factory=tuple)


def indonesian_date(d: date) -> str:
    """``5 Desember 2026``: the date as it is written on Indonesian letters."""
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


# -- rendering ------------------------------------------------------------------------------------

_LEFT, _TOP, _RIGHT, _BOTTOM = 25.0, 15.0, 20.0, 20.0
_LINE = 6.0
_QR_SIZE = 28.0


def _strip_prefix(name: str, word: str) -> str:
    up = name.strip().upper()
    return up[len(word) :].strip() if up.startswith(word + " ") else up


def _text(s: str) -> str:
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


def _qr_png(url: str) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=8, border=4)
    return buf.getvalue()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def render_letter(doc: LetterDocument) -> bytes:
    """The letter as PDF bytes; the same ``doc`` always gives the same bytes."""
    pdf = FPDF(orientation="portrait", unit="mm", format=doc.page_format)
    pdf.set_margins(_LEFT, _TOP, _RIGHT)
    pdf.set_auto_page_break(True, margin=_BOTTOM)
    pdf.set_creation_date(_aware(doc.issued_at))
    pdf.set_title(_text(f"{doc.title} {doc.number}"))
    pdf.set_subject(_text(doc.title))
    pdf.set_author(_text(doc.letterhead.office))
    pdf.set_creator("Desa Cerdas")
    if doc.keywords:
        pdf.set_keywords(_text(" ".join(doc.keywords)))
    pdf.add_page()
    _letterhead(pdf, doc.letterhead)
    _heading(pdf, doc.title, doc.number)
    for block in doc.body:
        _block(pdf, block)
    if doc.purpose:
        _block(pdf, [("Keperluan", doc.purpose)])
    if doc.closing:
        _block(pdf, doc.closing)
    _signature(pdf, doc)
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, head: Letterhead) -> None:
    width = pdf.w - _LEFT - _RIGHT
    top = pdf.get_y()
    if head.logo:
        pdf.image(io.BytesIO(head.logo), x=_LEFT, y=top, h=26)
    sizes = (13, 13, 16)
    for line, size in zip(head.lines(), sizes, strict=True):
        pdf.set_font("Times", "B", size)
        pdf.cell(width, 7 if size > 13 else 6, _text(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Times", "I", 10)
    pdf.multi_cell(width, 5, _text(head.address), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = max(pdf.get_y(), top + 27) + 1.5
    pdf.set_line_width(0.8)
    pdf.line(_LEFT, y, pdf.w - _RIGHT, y)
    pdf.set_line_width(0.2)
    pdf.line(_LEFT, y + 1.2, pdf.w - _RIGHT, y + 1.2)
    pdf.set_y(y + 6)


def _heading(pdf: FPDF, title: str, number: str) -> None:
    width = pdf.w - _LEFT - _RIGHT
    pdf.set_font("Times", "BU", 13)
    pdf.cell(width, 7, _text(title.upper()), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Times", "", 12)
    pdf.cell(width, _LINE, _text(f"Nomor: {number}"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _block(pdf: FPDF, block: Block) -> None:
    width = pdf.w - _LEFT - _RIGHT
    pdf.set_font("Times", "", 12)
    if isinstance(block, str):
        pdf.multi_cell(width, _LINE, _text(block), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        return
    indent, label_w, colon_w = 8.0, 45.0, 4.0
    for label, value in block:
        pdf.set_x(_LEFT + indent)
        pdf.cell(label_w, _LINE, _text(label))
        pdf.cell(colon_w, _LINE, ":")
        pdf.multi_cell(
            width - indent - label_w - colon_w, _LINE, _text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(2)


def _signature(pdf: FPDF, doc: LetterDocument) -> None:
    signer = doc.signer
    lines = 1 + len(signer.title_lines) + 1 + (1 if signer.id_line else 0)
    needed = lines * _LINE + 24 + 4
    if pdf.get_y() + max(needed, _QR_SIZE + 12) > pdf.h - _BOTTOM:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    col_x = pdf.w / 2 + 5
    col_w = pdf.w - _RIGHT - col_x
    pdf.set_font("Times", "", 12)
    pdf.set_xy(col_x, top)
    place_date = f"{doc.place}, {indonesian_date(doc.issued_at.date())}"
    pdf.cell(col_w, _LINE, _text(place_date), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    for title in signer.title_lines:
        pdf.cell(col_w, _LINE, _text(title), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 22)
    pdf.set_x(col_x)
    pdf.set_font("Times", "BU", 12)
    pdf.cell(col_w, _LINE, _text(signer.name), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if signer.id_line:
        pdf.set_font("Times", "", 12)
        pdf.cell(col_w, _LINE, _text(signer.id_line), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    # The QR code opens the public verification page; the URL is printed too for typing it in.
    pdf.image(io.BytesIO(_qr_png(doc.verify_url)), x=_LEFT, y=top, w=_QR_SIZE, h=_QR_SIZE)
    pdf.set_xy(_LEFT, top + _QR_SIZE + 1)
    pdf.set_font("Helvetica", "", 7)
    pdf.multi_cell(col_x - _LEFT - 5, 3.2, _text("Verifikasi: " + doc.verify_url), align="L")
    pdf.set_y(max(bottom, pdf.get_y()))
