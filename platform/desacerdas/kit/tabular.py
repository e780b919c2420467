"""Spreadsheets in and out: CSV and XLSX, streamed both ways, for every pillar's export and import.

Writing streams: CSV row by row, XLSX through openpyxl's write-only mode, so 100,000 rows take
the memory of one. A download is spooled to a temporary file (memory up to 4 MiB, then disk)
while the request still holds its village session, then sent.

Reading streams too: CSV as text with its encoding (UTF-8 with or without BOM, else Windows-1252,
as Excel writes in Indonesia) and delimiter (``,``, ``;`` or tab, from the first line) guessed,
XLSX through openpyxl's read-only mode (first sheet). A file named ``.xlsx`` that holds CSV text
(an old export) is read as CSV.

Formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is one a spreadsheet may run as a formula (``=HYPERLINK(…)``, a DDE call). In CSV such a
cell is written with a leading apostrophe (``'+6281…``: the spreadsheet shows the text, some
programs show the apostrophe too). A spreadsheet that splits on semicolons (Excel with Indonesian
settings opening a comma file) starts a new cell after every ``;``: so a ``;`` or tab inside a
value that is followed by a formula character gets the apostrophe after it too (``a;'=b``). The
reader takes the apostrophes off again (``unescape``): a round trip gives the same text. In XLSX
such a cell is a text cell with Excel's own quote prefix (what typing ``'`` before a value does):
the reader sees the text unchanged, without an apostrophe, and editing it does not turn it into a
formula. Numbers (``int``, ``float``, ``Decimal``) are never changed.

Stored text that a file cannot hold never breaks an export: control characters other than tab,
line feed and carriage return (``"Jalan\\vBaru"``), and U+FFFE/U+FFFF, become a space; a lone
surrogate becomes U+FFFD (``clean_text``), in CSV and XLSX alike, header included.

Values are written as given: pass identifiers (NIK, KK, phone numbers) as strings so they keep
their leading zeros and all 16 digits.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from flask import Response, send_file

from ..services import ServiceError
from ..services.i18n import _

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {".csv": CSV, ".txt": CSV, ".tsv": CSV, ".xlsx": XLSX, ".xlsm": XLSX}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula
# What XML 1.0 (so XLSX) cannot hold, and what no sane text cell needs: C0 controls but tab, LF, CR.
ILLEGAL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A semicolon or tab (a delimiter other spreadsheets split on) before a formula character, and
# that with the apostrophe ``safe_cell`` puts after it.
INNER_FORMULA = re.compile('([;\t]"*)(?=[=+\\-@])')
INNER_ESCAPED = re.compile("([;\t]\"*)'(?=[=+\\-@])")
SPOOL_BYTES = 4 << 20
SNIFF_BYTES = 64 << 10

Source = str | Path | bytes | IO[bytes]
Row = Sequence[Any]


# -- formats ----------------------------------------------------------------------------------------


def format_for_path(
    path: str | Path | None, explicit: str | None = None, *, default: str | None = None
) -> str:
    """The format of ``path``: ``explicit`` when given (refused when the name says otherwise),
    else from the extension (``.csv`` ``.txt`` ``.tsv`` → csv, ``.xlsx`` ``.xlsm`` → xlsx);
    ``default`` for a name without an extension. Anything else is a ``ServiceError``."""
    suffix = Path(str(path or "")).suffix.lower()
    from_name = SUFFIXES.get(suffix)
    if explicit is not None:
        fmt = explicit.strip().lower()
        if fmt not in FORMATS:
            raise ServiceError(
                _("Unknown format %(format)s: use csv or xlsx.", format=explicit), "unknown_format"
            )
        if from_name is not None and from_name != fmt:
            raise ServiceError(
                _(
                    "The file name ends in %(suffix)s but the format is %(format)s: "
                    "name it .%(format)s or leave the format out.",
                    suffix=suffix,
                    format=fmt,
                ),
                "format_mismatch",
            )
        return fmt
    if from_name is not None:
        return from_name
    if not suffix and default is not None:
        return default
    raise ServiceError(
        _("Unsupported file type %(suffix)s: use .csv or .xlsx.", suffix=suffix or "–"), "unsupported_file"
    )


def clean_text(value: str) -> str:
    """``value`` without what a CSV or XLSX file cannot hold: control characters (but tab, LF,
    CR) and U+FFFE/U+FFFF become a space, a lone surrogate U+FFFD. Text already stored (before
    input refused it) must not make a whole export fail."""
    if UNWRITABLE.search(value) is None:  # nearly always: one scan
        return value
    return LONE_SURROGATE.sub("\ufffd", ILLEGAL_TEXT.sub(" ", value))


def safe_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula and a file can hold (text only;
    numbers stay numbers). A ``;`` or tab inside the text followed by a formula character gets an
    apostrophe after it too: a spreadsheet splitting on it would start a new cell there."""
    if isinstance(value, str):
        value = clean_text(value)
        lead = 1 if value[:1] in FORMULA_START else 0  # a leading tab gets the leading apostrophe
        if ";" in value or "\t" in value:
            value = value[:lead] + INNER_FORMULA.sub(r"\1'", value[lead:])
        if lead:
            value = "'" + value
    return value


def unescape_cell(value: str) -> str:
    """What ``safe_cell`` wrote, back: ``'=x`` → ``=x`` (only before a formula character), and
    ``a;'=x`` → ``a;=x``."""
    lead = 0
    if value[:1] == "'" and value[1:2] in FORMULA_START:
        value, lead = value[1:], 1
    if "'" in value and (";" in value or "\t" in value):
        value = value[:lead] + INNER_ESCAPED.sub(r"\1", value[lead:])
    return value


# -- writing ----------------------------------------------------------------------------------------


def write_csv(out: IO[str], header: Row | None, rows: Iterable[Row], *, bom: bool = False) -> int:
    """Write ``header`` and ``rows`` to the text stream ``out``; the number of data rows. ``bom``
    adds the UTF-8 byte order mark some Excel versions need to see UTF-8 (off by default: the
    platform's own exports never had one)."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    if header is not None:
        writer.writerow([safe_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        count += 1
    return count


def csv_text(header: Row | None, rows: Iterable[Row], *, bom: bool = False) -> str:
    """A whole (small) CSV file as text: a board or a report of a few thousand rows."""
    out = io.StringIO()
    write_csv(out, header, rows, bom=bom)
    return out.getvalue()


def write_xlsx(
    target: str | Path | IO[bytes], header: Row | None, rows: Iterable[Row], *, sheet: str = "data"
) -> int:
    """Write ``header`` and ``rows`` to an XLSX workbook (write-only: streamed); the number of data
    rows. Text that looks like a formula is stored as quoted text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(_sheet_title(sheet))

    def cells(row: Row) -> list[Any]:
        out: list[Any] = []
        for value in row:
            if isinstance(value, str):
                value = clean_text(value)
                if value[:1] in FORMULA_START:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.data_type = "s"  # text, never a formula
                    cell.quotePrefix = True  # and stays text when edited
                    out.append(cell)
                    continue
            out.append(value)
        return out

    if header is not None:
        ws.append(cells(header))
    count = 0
    for row in rows:
        ws.append(cells(row))
        count += 1
    book.save(target)
    return count


def _sheet_title(sheet: str) -> str:
    """A sheet name Excel accepts: no ``[]:*?/\\``, no control characters, at most 31 characters."""
    title = re.sub(r"[\[\]:*?/\\]", " ", clean_text(sheet or "")).strip("' ")[:31]
    return title or "data"


def write(
    target: str | Path | IO[bytes],
    header: Row | None,
    rows: Iterable[Row],
    fmt: str | None = None,
    *,
    sheet: str = "data",
    bom: bool = False,
) -> int:
    """Write to a file (or binary stream) as ``fmt``, by default the format its name says;
    ``sheet`` names the XLSX sheet, ``bom`` starts a CSV with a byte order mark."""
    fmt = format_for_path(target if isinstance(target, str | Path) else getattr(target, "name", None), fmt)
    if fmt == XLSX:
        return write_xlsx(target, header, rows, sheet=sheet)
    if isinstance(target, str | Path):
        with open(target, "w", newline="", encoding="utf-8") as out:
            return write_csv(out, header, rows, bom=bom)
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    try:
        return write_csv(text, header, rows, bom=bom)
    finally:
        text.flush()
        text.detach()  # the bytes stay in ``target``


def response(
    header: Row | None,
    rows: Iterable[Row],
    fmt: str,
    download_name: str,
    *,
    sheet: str = "data",
    bom: bool = False,
) -> Response:
    """A download of ``rows`` as ``fmt``, spooled (memory flat for 100,000 rows), never cached."""
    if fmt not in FORMATS:
        raise ServiceError(_("Unknown format %(format)s: use csv or xlsx.", format=fmt), "unknown_format")
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the response
    write(spooled, header, rows, fmt, sheet=sheet, bom=bom)
    spooled.seek(0)
    resp = send_file(spooled, mimetype=CONTENT_TYPES[fmt], as_attachment=True, download_name=download_name)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"  # a CSV is never rendered as a page
    return resp


# -- reading ----------------------------------------------------------------------------------------


def open_binary(source: Source) -> IO[bytes]:
    """A binary stream at its start; a path is opened (the caller closes it)."""
    if isinstance(source, str | Path):
        return open(source, "rb")  # noqa: SIM115 - closed by the caller
    if isinstance(source, bytes):
        return io.BytesIO(source)
    source.seek(0)
    return source


def _looks_like_text(head: bytes) -> bool:
    return bool(head) and b"\x00" not in head


def sniff_encoding(head: bytes) -> str:
    """``utf-8-sig`` when the first bytes are UTF-8 (a BOM or not), else ``cp1252``."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = len(head) == SNIFF_BYTES and exc.start >= len(head) - 4  # a character cut by the sample
        if not cut:
            return "cp1252"
    return "utf-8-sig"


def read_csv(stream: IO[bytes], *, unescape: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(row number from 1, cells) of a CSV stream, its encoding and delimiter guessed."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    text = codecs.getreader(sniff_encoding(head))(stream, errors="replace")
    first = text.readline()
    if not first:
        return  # an empty file has no rows
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    for number, row in enumerate(reader, start=1):
        yield number, [unescape_cell(c) for c in row] if unescape else row


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def _workbook(stream: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of a broken or non-XLSX file
        raise ServiceError(
            _("The file is not a readable XLSX workbook (%(error)s).", error=exc), "unreadable_file"
        ) from None


def read_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    """(row number from 1, cells) of the first sheet, streamed (read-only mode); cells keep their
    types (numbers, dates), empty ones are None."""
    book = _workbook(stream)
    try:
        ws = book.worksheets[0] if book.worksheets else None
        if ws is None:
            return
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def format_of(stream: IO[bytes], filename: str = "") -> str:
    """The format to read: the name's (no extension: CSV), except that a ``.xlsx`` holding text is
    read as CSV and CSV-named bytes that are a zip as XLSX."""
    declared = format_for_path(filename, default=CSV)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return XLSX
    if declared == XLSX and _looks_like_text(head):
        return CSV
    return declared


def read_rows(
    source: Source, filename: str = "", *, unescape: bool = True
) -> Iterator[tuple[int, list[Any]]]:
    """(row number from 1, cells) of a CSV or XLSX file, streamed; header included. ``filename``
    names an upload (a path names itself)."""
    name = filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "") or "")
    stream = open_binary(source)
    try:
        if format_of(stream, name) == XLSX:
            yield from read_xlsx(stream)
        else:
            yield from read_csv(stream, unescape=unescape)
    finally:
        if isinstance(source, str | Path):
            stream.close()


def read_records(source: Source, filename: str = "") -> Iterator[dict[str, Any]]:
    """Rows as dicts keyed by the header row (the first non-empty row), empty rows skipped."""
    header: list[str] | None = None
    for _number, row in read_rows(source, filename):
        if not any(v not in (None, "") for v in row):
            continue
        if header is None:
            header = ["" if h is None else str(h).strip() for h in row]
            continue
        yield {h: (row[i] if i < len(row) else None) for i, h in enumerate(header) if h}


def estimate_rows(source: Source, filename: str = "") -> int | None:
    """About how many data rows a file has, cheaply (for a progress bar): a CSV's lines, the
    dimension an XLSX declares; None when the workbook does not say."""
    name = filename or (str(source) if isinstance(source, str | Path) else getattr(source, "name", "") or "")
    stream = open_binary(source)
    try:
        if format_of(stream, name) == XLSX:
            book = _workbook(stream)
            try:
                rows = book.worksheets[0].max_row if book.worksheets else 0
            finally:
                book.close()
            return max(rows - 1, 0) if rows else None
        lines = 0
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    finally:
        if isinstance(source, str | Path):
            stream.close()
        else:
            stream.seek(0)
