"""How numbers and durations read on a page: counts as whole numbers ("1.234", never "1.0"),
other figures with at most one decimal in the page's locale ("2,5"), durations in words ("2 jam",
"3 hari", "kurang dari 1 jam") instead of "2.0 jam".

Registered as the Jinja filters ``count``, ``figure`` and ``duration`` (``init_app``); the chart
functions in :mod:`desacerdas.web.charts` use the same helpers so a bar's value matches the table's.
Outside a request (CLI, jobs) the numbers come out without locale separators.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask, has_request_context
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _

MISSING = "—"


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _localised(number: Decimal, places: int) -> str:
    if not has_request_context():  # the CLI, a job: no locale, no trailing zeros ("2.5", "0.46")
        text = f"{number:.{places}f}"
        return text.rstrip("0").rstrip(".") if places else text
    return format_decimal(number, format="#,##0" if places == 0 else "#,##0." + "#" * places)


def rupiah(value: int | None, missing: str = MISSING) -> str:
    """``Rp 20.000``: whole rupiah grouped with dots, as prices are written in Indonesia (on an
    English page too); ``missing`` when there is no amount."""
    if value is None:
        return missing
    return "Rp " + f"{int(value):,}".replace(",", ".")


def format_count(value: object) -> str:
    """A count as a whole number with the locale's thousands separator; "—" when there is none.
    Half rounds up (2.5 → 3), as people expect, not to even. A list counts its items, so the
    filter still does what Jinja's built-in ``count`` (which it replaces) did."""
    if isinstance(value, list | tuple | set | dict):
        value = len(value)
    number = _decimal(value)
    if number is None:
        return MISSING
    return _localised(number.quantize(Decimal(1), rounding=ROUND_HALF_UP), 0)


def format_figure(value: object, places: int = 1) -> str:
    """A figure that may have a fraction (an average, a ratio): whole when it is whole, else at
    most ``places`` decimals ("2,5" in Indonesian, "2.5" in English)."""
    number = _decimal(value)
    if number is None:
        return MISSING
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return _localised(rounded, 0)
    return _localised(rounded, places)


def _hours(value: object) -> float | None:
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    number = _decimal(value)
    return None if number is None else float(number)


def format_duration(value: object) -> str:
    """A duration in words, from hours (a number) or a ``timedelta``: under an hour "less than 1
    hour", under two days in hours ("5 hours"), then in days ("3 days", half rounding up).
    Whole units only: a page says "2 jam", never "2.0 jam" or "1,7 hari"."""
    hours = _hours(value)
    if hours is None:
        return MISSING
    if hours < 0:
        hours = 0.0
    if hours < 1:
        return _("less than 1 hour")
    if hours < 48:
        whole = math.floor(hours + 0.5)
        return ngettext("%(num)d hour", "%(num)d hours", whole)
    days = math.floor(hours / 24 + 0.5)
    return ngettext("%(num)d day", "%(num)d days", days)


def format_indicator(value: object, kind: str = "count") -> str:
    """An indicator's figure by its kind: counts whole, durations in words, others one decimal."""
    if kind == "count":
        return format_count(value)
    if kind == "duration":
        return format_duration(value)
    return format_figure(value)


def format_month(period: object) -> str:
    """A period ``YYYY-MM`` as the month in words ("Desember 2026" / "December 2026"); a year
    ``YYYY`` or anything else as given."""
    text = str(period or "")
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        month = int(text[5:])
        if 1 <= month <= 12 and has_request_context():
            return format_date(date(int(text[:4]), month, 1), "MMMM yyyy")
    return text


def init_app(app: Flask) -> None:
    """Register the filters: ``{{ n|count }}``, ``{{ x|figure }}``, ``{{ hours|duration }}``,
    ``{{ value|indicator(kind) }}``, ``{{ period|month }}``."""
    app.add_template_filter(format_count, "count")
    app.add_template_filter(format_figure, "figure")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_indicator, "indicator")
    app.add_template_filter(format_month, "month")
