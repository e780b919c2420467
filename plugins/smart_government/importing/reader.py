"""Reading an import file as a stream of rows, through the kit's spreadsheet reader
(``desacerdas.kit.tabular``: CSV with its encoding and delimiter guessed, XLSX in openpyxl's
read-only mode); the layout is recognised from the header row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

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


def read_rows(stream: IO[bytes], file: Source, filename: str = "") -> Iterator[tuple[int, list[Any]]]:
    """(row number from 1, cells) of the open ``stream`` of ``file``; an unsupported type or an
    unreadable workbook is a ``ServiceError``. CSV cells keep their apostrophes here: ``_cell``
    takes every leading one off (what the kit's un-escaping would do, for less work per cell)."""
    return tabular.read_rows(stream, file_name(file, filename), unescape=False)


def estimate_rows(file: Source, filename: str = "") -> int | None:
    """About how many data rows the file has, cheaply (for a progress bar): the lines of a CSV, the
    dimension an XLSX declares; None when the workbook does not say."""
    return tabular.estimate_rows(file, file_name(file, filename))


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
