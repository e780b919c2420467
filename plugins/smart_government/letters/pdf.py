"""The issued letter as a PDF, and the filling of letter templates.

The page itself is the kit's standard paper (:mod:`desacerdas.kit.paper`: letterhead, heading with
the number, body, place and date with the signature and the verification QR code); a letter adds
the purpose and the closing sentence to its body. The output is deterministic: the PDF's dates come
from the input, so printing the same letter again gives byte-identical bytes and the SHA-256 shown
on the verification page keeps matching.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from desacerdas.kit import paper
from desacerdas.kit.paper import (  # noqa: F401 - the letters' names for the kit's
    DELEGATION_PREFIXES,
    MONTHS_ID,
    Block,
    Letterhead,
    Signer,
    indonesian_date,
)

DEFAULT_CLOSING = "Demikian surat keterangan ini dibuat untuk dapat dipergunakan sebagaimana mestinya."


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


def render_letter(doc: LetterDocument) -> bytes:
    """The letter as PDF bytes; the same ``doc`` always gives the same bytes."""
    body: list[Block] = list(doc.body)
    if doc.purpose:
        body.append([("Keperluan", doc.purpose)])
    if doc.closing:
        body.append(doc.closing)
    return paper.render(
        paper.Paper(
            letterhead=doc.letterhead,
            title=doc.title,
            number=doc.number,
            body=body,
            place=doc.place,
            issued_at=doc.issued_at,
            verify_url=doc.verify_url,
            signer=doc.signer,
            page_format=doc.page_format,
            keywords=doc.keywords,
        )
    )
