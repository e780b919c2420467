"""What a file is, decided by its content (magic bytes), never by its name.

Text has no magic bytes, so text is accepted as CSV only when it looks like a table and holds no
markup: HTML, SVG or XML (``<html``, ``<svg``, ``<script``, ``<?xml``, ``<!DOCTYPE``, … anywhere
in the first 8 KiB, or any tag at the start, after a byte order mark and white space, case
ignored) is never stored as ``text/csv``, so a page or an image with script cannot be uploaded
under a spreadsheet's name. Downloads are sent with ``X-Content-Type-Options: nosniff`` and the
detected type (``web/downloads.py``), so a browser does not guess either.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str


PDF = FileType("application/pdf", "pdf")
JPEG = FileType("image/jpeg", "jpg")
PNG = FileType("image/png", "png")
WEBP = FileType("image/webp", "webp")
CSV = FileType("text/csv", "csv")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
KNOWN = {t.mime: t for t in (PDF, JPEG, PNG, WEBP, CSV, XLSX, DOCX)}
DEFAULT_ALLOWED = frozenset(KNOWN)
# Not in KNOWN, so no default kind accepts a ZIP: only a kind that names it (the core's "archive").
ZIP = FileType("application/zip", "zip")

HEAD_BYTES = 8192
# Markup a browser would render or run, wherever it is in the head of a text file.
MARKUP = re.compile(
    rb"<(?:!doctype|\?xml|html|head|body|script|svg|iframe|object|embed|meta|link|style|img|a\s"
    rb"|math|xsl|!\[cdata\[|!--)",
    re.IGNORECASE,
)
TEXT_START_SKIP = b"\xef\xbb\xbf \t\r\n\x0c"


def markup(head: bytes) -> str | None:
    """The kind of markup text starts with or holds (``text/html``, ``image/svg+xml``,
    ``application/xml``); None for text without it."""
    text = head.lstrip(TEXT_START_SKIP).lower()
    found = MARKUP.search(head)
    if found is None and not text.startswith(b"<"):
        return None
    if b"<svg" in text:
        return "image/svg+xml"
    if text.startswith(b"<?xml") and b"<html" not in text:
        return "application/xml"
    return "text/html"


def _office(file: BinaryIO) -> FileType | None:
    """XLSX and DOCX are ZIP files; look inside (the central directory, not the data) to tell which."""
    try:
        file.seek(0)
        names = set(zipfile.ZipFile(file).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("xl/") for n in names):
        return XLSX
    if any(n.startswith("word/") for n in names):
        return DOCX
    return None


def _csv(head: bytes) -> FileType | None:
    if b"\x00" in head or markup(head) is not None:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Cut in the middle of a character at the end of the head is fine.
        try:
            text = head[:-3].decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t")
    except csv.Error:
        return CSV if len(lines) == 1 and "," in lines[0] else None
    widths = {len(row) for row in csv.reader(lines[:20], dialect)}
    return CSV if max(widths) > 1 else None


def detect(head: bytes, whole: BinaryIO | None = None) -> FileType | None:
    """The type of a file from its first bytes; ``whole`` (seekable) is needed for ZIP containers."""
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in KNOWN:
            return KNOWN[kind.mime]
        if kind.extension in ("zip", "docx", "xlsx") and whole is not None:
            return _office(whole) or (ZIP if kind.extension == "zip" else None)
        return FileType(kind.mime, kind.extension)
    if head.startswith(b"PK\x03\x04") and whole is not None:
        return _office(whole)
    return _csv(head)


def describe(head: bytes) -> str:
    """A human name for an unknown type, for the 415 message."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if b"\x00" in head[:1024]:
        return "application/octet-stream"
    return markup(head) or "text/plain"


def extension_of(mime: str) -> str:
    known = KNOWN.get(mime) or (ZIP if mime == ZIP.mime else None)
    return known.extension.upper() if known else mime
