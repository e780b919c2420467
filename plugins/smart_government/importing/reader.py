"""Reading an import file as a stream of rows: CSV as text (any common encoding), XLSX through
openpyxl's read-only mode; the layout is recognised from the header row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from desacerdas.services import ServiceError
from desacerdas.services.i18n import _

from .codes import _SIAK_REQUIRED, _TEMPLATE_REQUIRED, SIAK_COLUMNS, TEMPLATE_COLUMNS

# -- reading ---------------------------------------------------------------------------------------

Source = str | Path | bytes | IO[bytes]


def _open_binary(file: Source) -> IO[bytes]:
    if isinstance(file, str | Path):
        return open(file, "rb")  # noqa: SIM115 - closed by the caller
    if isinstance(file, bytes):
        return io.BytesIO(file)
    file.seek(0)
    return file


def _rows_csv(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    text = codecs.getreader("utf-8-sig")(stream, errors="replace")
    first = text.readline()
    delimiter = max(",;\t", key=first.count) if first.strip() else ","
    reader = csv.reader(_chain(first, text), delimiter=delimiter)
    yield from enumerate(reader, start=1)


def _chain(first: str, rest: Any) -> Iterator[str]:
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


def _rows_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    book = _workbook(stream)
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        book.close()


def _suffix(filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return ".xlsx"
    if suffix in (".csv", ".txt", ""):
        return ".csv"
    raise ServiceError(
        _("Unsupported file type %(suffix)s: use .csv or .xlsx.", suffix=suffix), "unsupported_file"
    )


def _rows(stream: IO[bytes], filename: str) -> Iterator[tuple[int, list[Any]]]:
    return _rows_xlsx(stream) if _suffix(filename) == ".xlsx" else _rows_csv(stream)


def estimate_rows(file: Source, filename: str = "") -> int | None:
    """About how many data rows the file has, cheaply (for a progress bar): the lines of a CSV, the
    dimension an XLSX declares; None when the workbook does not say."""
    name = filename or getattr(file, "name", "") or (str(file) if isinstance(file, str | Path) else "")
    stream = _open_binary(file)
    try:
        if _suffix(name) == ".xlsx":
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
        if isinstance(file, str | Path):
            stream.close()
        else:
            stream.seek(0)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip().lstrip("'").strip()


def _header_key(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", _cell(value)).upper()


@dataclass(frozen=True)
class _Layout:
    name: str
    columns: dict[int, tuple[str, str]]  # index → (template column, header as in the file)


def _detect(header: list[Any]) -> _Layout:
    keys = [_header_key(h) for h in header]
    if set(keys) >= _SIAK_REQUIRED:
        cols = {i: (SIAK_COLUMNS[k], _cell(header[i])) for i, k in enumerate(keys) if k in SIAK_COLUMNS}
        return _Layout("siak", cols)
    lower = [k.lower() for k in keys]
    if set(lower) >= _TEMPLATE_REQUIRED:
        cols = {i: (k, _cell(header[i])) for i, k in enumerate(lower) if k in TEMPLATE_COLUMNS}
        return _Layout("template", cols)
    raise ServiceError(
        _(
            "The header row matches neither the platform template (needs %(template)s) nor the SIAK "
            "export (needs %(siak)s); found: %(found)s.",
            template=", ".join(sorted(_TEMPLATE_REQUIRED)),
            siak=", ".join(sorted(_SIAK_REQUIRED)),
            found=", ".join(k for k in keys if k) or "-",
        ),
        "unknown_layout",
    )
