"""Reading an import file as a stream of rows, through the kit's spreadsheet reader
(``desacerdas.kit.tabular``: CSV with its encoding and delimiter guessed, XLSX in openpyxl's
read-only mode); the layout is recognised from the header row.

Every read is bounded (``IMPORT_MAX_UNCOMPRESSED_BYTES`` for what an XLSX unpacks to, checked
from the ZIP directory before parsing; ``IMPORT_MAX_ROWS`` rows, counted while streaming) and runs
in a job (``registry/jobs.py``), never in the request that uploads the file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app, has_app_context

from desacerdas.kit import tabular
from desacerdas.services import ServiceError
from desacerdas.services.i18n import _

from .codes import _SIAK_REQUIRED, _TEMPLATE_REQUIRED, SIAK_COLUMNS, TEMPLATE_COLUMNS

# -- reading ---------------------------------------------------------------------------------------

Source = tabular.Source


def file_name(file: Source, filename: str = "") -> str:
    """The name that gives the file's type: ``filename`` (an upload's), else a path's own name."""
    if filename:
        return filename
    if isinstance(file, str | Path):
        return Path(file).name
    return getattr(file, "name", "") or ""


DEFAULT_MAX_ROWS = 100_000  # IMPORT_MAX_ROWS outside an app
DEFAULT_MAX_UNCOMPRESSED = 64 * 1024 * 1024  # IMPORT_MAX_UNCOMPRESSED_BYTES outside an app


def max_rows() -> int:
    """``IMPORT_MAX_ROWS``: the most data rows one file may have."""
    if has_app_context():
        return int(current_app.config.get("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))
    return DEFAULT_MAX_ROWS


def max_uncompressed() -> int:
    """``IMPORT_MAX_UNCOMPRESSED_BYTES``: the most an XLSX may unpack to."""
    if has_app_context():
        return int(current_app.config.get("IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED))
    return DEFAULT_MAX_UNCOMPRESSED


def check_budget(stream: IO[bytes]) -> None:
    """Refuse an XLSX whose ZIP declares more than ``IMPORT_MAX_UNCOMPRESSED_BYTES`` unpacked, from
    its central directory alone (nothing is inflated): a 700 KB file can hold a sheet of a million
    rows. A CSV has no such multiplier (its size is the upload's). The stream is rewound."""
    head = stream.read(4)
    stream.seek(0)
    if head != b"PK\x03\x04":
        return
    try:
        with zipfile.ZipFile(stream) as archive:
            declared = sum(info.file_size for info in archive.infolist())
            limit = max_uncompressed()
            if declared <= limit:
                _count_rows(archive, max_rows() + 1)
    except ServiceError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return  # the workbook reader says the file is unreadable, with its own message
    finally:
        stream.seek(0)
    if declared > limit:
        raise ServiceError(
            _(
                "The workbook unpacks to %(size)s MB, more than the limit of %(limit)s MB: split it "
                "into smaller files (or save it as CSV).",
                size=f"{declared / 1048576:.0f}",
                limit=f"{limit / 1048576:g}",
            ),
            "file_too_large",
        )


def _sheets(archive: zipfile.ZipFile) -> list[str]:
    """The worksheets' parts, the first sheet first (``sheet1.xml`` in every writer we know)."""
    names = (n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n))
    return sorted(names, key=lambda n: (len(n), n))


_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _count_rows(archive: zipfile.ZipFile, last: int) -> None:
    """Count the ``<row`` tags of the first sheet by inflating it in chunks (within the unpacked
    budget: a fraction of a second), and refuse more than ``last`` before openpyxl sees the file:
    its read-only mode scans a whole sheet that declares no dimension just to open it."""
    sheets = _sheets(archive)
    if not sheets:
        return
    rows, tail = 0, b""
    with archive.open(sheets[0]) as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            rows += len(_ROW.findall(data, 0, len(data) - 16)) if len(data) > 16 else 0
            tail = data[-16:] if len(data) > 16 else data
            if rows > last:
                raise too_many_rows(last - 1)
    rows += len(_ROW.findall(tail))
    if rows > last:
        raise too_many_rows(last - 1)


def too_many_rows(limit: int) -> ServiceError:
    """The refusal of a file with more than ``limit`` data rows."""
    return ServiceError(
        _(
            "The file has more than %(limit)s rows, the most one import may have: split it into "
            "smaller files.",
            limit=f"{limit:,}".replace(",", "."),
        ),
        "too_many_rows",
    )


def read_rows(stream: IO[bytes], file: Source, filename: str = "") -> Iterator[tuple[int, list[Any]]]:
    """(row number from 1, cells) of the open ``stream`` of ``file``; an unsupported type or an
    unreadable workbook is a ``ServiceError``. CSV cells keep their apostrophes here: ``_cell``
    takes every leading one off (what the kit's un-escaping would do, for less work per cell).

    Bounded: an XLSX that unpacks to more than its budget is refused before it is parsed, and the
    stream stops with a ``ServiceError`` at the first row beyond ``IMPORT_MAX_ROWS`` data rows (one
    header row besides), so a huge file costs at most its budget."""
    check_budget(stream)
    last = max_rows() + 1  # the header row
    for number, values in tabular.read_rows(stream, file_name(file, filename), unescape=False):
        if number > last:
            raise too_many_rows(last - 1)
        yield number, values


def estimate_rows(file: Source, filename: str = "") -> int | None:
    """About how many data rows the file has, cheaply (for a progress bar): the lines of a CSV, the
    dimension an XLSX declares at the top of its first sheet (None when it does not say). An XLSX
    beyond its unpacked budget is refused here already. Never openpyxl's ``max_row``: without a
    declared dimension it reads the whole sheet (a million rows: minutes)."""
    stream = tabular.open_binary(file)
    try:
        check_budget(stream)
        if stream.read(4) == b"PK\x03\x04":
            return _declared_rows(stream)
    finally:
        if isinstance(file, str | Path):
            stream.close()
        else:
            stream.seek(0)
    return tabular.estimate_rows(file, file_name(file, filename))


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+:[A-Z]+(\d+)\"")


def _declared_rows(stream: IO[bytes]) -> int | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            sheets = _sheets(archive)
            if not sheets:
                return None
            with archive.open(sheets[0]) as sheet:
                head = sheet.read(4096)  # the dimension comes before the sheet data
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    found = _DIMENSION.search(head)
    return max(int(found.group(1)) - 1, 0) if found else None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = str(value).strip().lstrip("'").strip()
    return tabular.unescape_cell(text) if (";'" in text or "\t'" in text) else text


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
