"""Server-drawn charts: inline SVG, no JavaScript, a few KB each.

Why in Python and not in the Jinja macros: the geometry (how wide the name column must be so a bar
never covers a name, where a value goes so it is never cut off) is arithmetic that deserves tests, and
every chart must stay small and valid XML. ``templates/_charts.html`` wraps these functions as macros
(``bars``, ``trend``, ``stacked``, ``pyramid``) so templates keep one import.

Every chart is an ``<svg role="img">`` with an ``aria-label`` (what it shows) and a ``<title>`` (every
figure in words), drawn in a viewBox so it scales with the page without the text ever moving relative
to the bars. Text widths are estimated from the characters (no font metrics on the server), on the
generous side, so labels get room to spare rather than too little.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..plugin_system.types import Indicator
from .formatting import format_count, format_figure, format_indicator

FONT = 11  # font size in viewBox units
ROW = 20  # height of one bar row
BAR = 11  # thickness of one bar
BAR_SPACE = 180  # length of the longest bar
GAP = 6  # between a name and its bar, a bar and its value
MAX_NAME = 32  # longer names are shortened with "…" (the full name stays in the title and the table)

# Okabe–Ito: distinguishable for the common colour-vision deficiencies; every part also has a legend.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")
MALE, FEMALE = "#0072b2", "#d55e00"

_RANGE = re.compile(r"(?<=\d)\s*-\s*(?=\d)")
# Advance widths (em) of DejaVu Sans, the widest of the sans-serif fonts a phone or a Linux desktop
# falls back to (Roboto, Arial and Noto Sans are narrower): a name measured with it fits everywhere.
_LOWER = (0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974)
_LOWER += (0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525)
_UPPER = (0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863)
_UPPER += (0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685)
_WIDTHS = {
    **dict(zip("abcdefghijklmnopqrstuvwxyz", _LOWER, strict=True)),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _UPPER, strict=True)),
    **dict.fromkeys("0123456789", 0.636),
    **{" ": 0.318, ".": 0.318, ",": 0.318, ":": 0.337, ";": 0.337, "-": 0.361, "\u2013": 0.5},
    **{"\u2014": 1.0, "(": 0.39, ")": 0.39, "/": 0.337, "+": 0.838, "%": 0.95, "'": 0.275, "\u2026": 1.0},
}
_OTHER = 0.7  # a character not in the table (accented, another script): on the wide side
_SAFETY = 1.04


def text_width(text: str, size: float = FONT) -> float:
    """Estimated rendered width of ``text`` at ``size``: DejaVu Sans' widths plus 4 %, so on any
    common sans-serif font the real text is no wider (no font metrics on the server)."""
    return sum(_WIDTHS.get(ch, _OTHER) for ch in text) * size * _SAFETY


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1].rstrip() + "…"


def _num(value: float) -> str:
    """A coordinate: at most one decimal, no trailing ".0" (keeps the SVG small)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _value(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return max(number, 0.0)


def _shown(value: Any) -> str:
    """How a value reads next to its bar: a number with ``__html__`` (e.g. the notification usage
    page's ``Shown``, "Rp 12.500") prints its own label; other numbers as :func:`format_figure`."""
    if value is None:
        return "—"
    if hasattr(value, "__html__"):
        return Markup(value.__html__()).unescape()  # noqa: S704 - unescaped to plain text, escaped again
    return format_figure(value)


def _svg(kind: str, label: str, title: str, width: float, height: float, body: str) -> Markup:
    css = "chart" if kind == "bars" else f"chart {kind}"  # plain "chart": what pages and tests look for
    return Markup(  # noqa: S704 - label and title are escaped, the body is built from escaped parts
        f'<svg class="{css}" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" font-size="{FONT}" fill="currentColor">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "") -> str:
    where = f' text-anchor="{anchor}"' if anchor else ""
    return f'<text x="{_num(x)}" y="{_num(y)}"{where}>{escape(text)}</text>'


def _rect(x: float, y: float, width: float, height: float, fill: str = "") -> str:
    """A bar; without ``fill`` it takes the text colour (the svg's ``fill``), a little lighter."""
    paint = f'fill="{fill}"' if fill else 'fill-opacity=".75"'
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_num(height)}" {paint}/>'


def bars(series: Iterable[Sequence[Any]], label: str = "", kind: str = "") -> Markup:
    """Horizontal bars, one row per ``(name, value)`` or ``(name, value, text shown)``: a name
    column wide enough for the longest name, the bars after it, each value just past its bar with
    room allotted so it is never cut off. ``kind`` (an Indicator kind) prints values as
    :func:`format_indicator` does ("2 jam" for a duration)."""
    given = [tuple(row) for row in series]
    rows = [(str(row[0]), row[1]) for row in given]
    if not rows:
        return _svg("bars", label, label, 10, 10, "")
    names = [_short(name) for name, _v in rows]
    shown = [
        str(row[2]) if len(row) > 2 else format_indicator(row[1], kind) if kind else _shown(row[1])
        for row in given
    ]
    name_w = max(text_width(n) for n in names) + GAP
    value_w = max(text_width(s) for s in shown) + GAP
    top = max(_value(v) for _n, v in rows) or 1.0
    parts = []
    for i, ((_name, value), name, text) in enumerate(zip(rows, names, shown, strict=True)):
        y = i * ROW
        length = _value(value) / top * BAR_SPACE
        parts.append(_text(0, y + 14, name))
        if length > 0:
            parts.append(_rect(name_w, y + 5, max(length, 1), BAR))
        parts.append(_text(name_w + length + GAP / 2, y + 14, text))
    title = "; ".join(f"{n}: {s}" for (n, _v), s in zip(rows, shown, strict=True))
    return _svg("bars", label, title, name_w + BAR_SPACE + value_w, len(rows) * ROW + 4, "".join(parts))


TREND_W, TREND_H, TREND_PAD = 120, 32, 3


def trend(points: Iterable[Sequence[Any]], label: str = "", text: str | None = None) -> Markup:
    """A sparkline of ``(period label, value or None)``, oldest first: a gap where a month is missing,
    a dot on the last known figure. Fixed 120×32 so it sits in a table cell; well under 2 KB."""
    pts = [(str(p[0]), p[1]) for p in points]
    if text is None:
        text = " · ".join(f"{p}: {_shown(v)}" for p, v in pts)
    head = (
        f'<svg class="trend" role="img" aria-label="{escape(label)}" viewBox="0 0 {TREND_W} {TREND_H}" '
        f'width="{TREND_W}" height="{TREND_H}"><title>{escape(text)}</title>'
    )
    known = [(i, float(v)) for i, (_p, v) in enumerate(pts) if v is not None]
    if not known:
        return Markup(head + "</svg>")  # noqa: S704 - every piece above is escaped
    low, high = min(v for _i, v in known), max(v for _i, v in known)
    step = (TREND_W - 2 * TREND_PAD) / max(len(pts) - 1, 1)

    def xy(i: int, v: float) -> tuple[str, str]:
        span = TREND_H - 2 * TREND_PAD
        y = TREND_H / 2 if high == low else TREND_H - TREND_PAD - (v - low) / (high - low) * span
        return _num(TREND_PAD + i * step), _num(y)

    runs: list[list[tuple[str, str]]] = []
    previous = None
    for i, v in known:
        if previous is None or i != previous + 1:
            runs.append([])
        runs[-1].append(xy(i, v))
        previous = i
    body = []
    for run in runs:
        if len(run) == 1:
            body.append(f'<circle cx="{run[0][0]}" cy="{run[0][1]}" r="1.5" fill="currentColor"/>')
        else:
            line = " ".join(f"{x},{y}" for x, y in run)
            body.append(f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="1.5"/>')
    x, y = xy(*known[-1])
    body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="currentColor"/>')
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - numbers and escaped text only


def _legend(keys: Sequence[str], y: float, colours: dict[str, str]) -> tuple[str, float]:
    """Swatches with their names, wrapped onto more lines when they do not fit ``BAR_SPACE * 2``."""
    parts, x, line = [], 0.0, 0
    limit = BAR_SPACE * 2
    for key in keys:
        width = 14 + text_width(key) + 12
        if x > 0 and x + width > limit:
            x, line = 0.0, line + 1
        top = y + line * ROW
        parts.append(_rect(x, top + 5, 10, 10, colours[key]))
        parts.append(_text(x + 14, top + 14, key))
        x += width
    return "".join(parts), (line + 1) * ROW


def stacked(rows: Iterable[Sequence[Any]], label: str = "") -> Markup:
    """One bar per ``(name, [(part, value), …])`` split into coloured parts, all rows on one scale
    (the largest total is the full length), the total after each bar, a legend below."""
    data = [(str(r[0]), [(str(k), v) for k, v in r[1]]) for r in rows]
    keys: list[str] = []
    for _name, parts in data:
        for key, _v in parts:
            if key not in keys:
                keys.append(key)
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    if not data:
        return _svg("stacked", label, label, 10, 10, "")
    names = [_short(n) for n, _p in data]
    totals = [sum(_value(v) for _k, v in parts) for _n, parts in data]
    shown = [format_figure(t) for t in totals]
    name_w = max(text_width(n) for n in names) + GAP
    value_w = max(text_width(s) for s in shown) + GAP
    top = max(totals) or 1.0
    body, titles = [], []
    for i, ((_name, parts), name, total, text) in enumerate(zip(data, names, totals, shown, strict=True)):
        y, x = i * ROW, name_w
        body.append(_text(0, y + 14, name))
        for key, value in parts:
            length = _value(value) / top * BAR_SPACE
            if length > 0:
                body.append(_rect(x, y + 5, length, BAR, colours[key]))
            x += length
        body.append(_text(name_w + total / top * BAR_SPACE + GAP / 2, y + 14, text))
        titles.append(f"{_name}: " + ", ".join(f"{k} {_shown(v)}" for k, v in parts))
    legend, legend_h = _legend(keys, len(data) * ROW + 4, colours)
    width = max(name_w + BAR_SPACE + value_w, BAR_SPACE * 2)
    height = len(data) * ROW + 4 + legend_h
    return _svg("stacked", label, "; ".join(titles), width, height, "".join(body) + legend)


def age_band(band: object) -> str:
    """``0-4`` as ``0–4``: a range of ages takes an en dash, as printed statistics write it."""
    return _RANGE.sub("\u2013", str(band))


def pyramid(bands: Iterable[Sequence[Any]], label: str = "", left: str = "", right: str = "") -> Markup:
    """A population pyramid from ``(band, male, female)`` rows, youngest first: the oldest band on
    top, men to the left and women to the right of a middle column holding the band names, each
    count outside its bar, a legend on top. One SVG, both sides on the same scale."""
    rows = [(age_band(b[0]), b[1], b[2]) for b in bands][::-1]
    left = left or _("Male")
    right = right or _("Female")
    if not rows:
        return _svg("pyramid", label, label, 10, 10, "")
    side = BAR_SPACE * 0.75
    mid_w = max(text_width(b) for b, _m, _f in rows) + 2 * GAP
    value_w = max(text_width(format_figure(_value(v))) for _b, m, f in rows for v in (m, f)) + GAP
    top = max(max(_value(m), _value(f)) for _b, m, f in rows) or 1.0
    centre_left = value_w + side  # where the men's bars end (the middle column's left edge)
    centre_right = centre_left + mid_w
    width = centre_right + side + value_w
    head = ROW + 6
    body = [
        _rect(centre_left - 14, 5, 10, 10, MALE),
        _text(centre_left - 18, 14, left, "end"),
        _rect(centre_right + 4, 5, 10, 10, FEMALE),
        _text(centre_right + 18, 14, right),
    ]
    titles = []
    for i, (band, male, female) in enumerate(rows):
        y = head + i * ROW
        m_len, f_len = _value(male) / top * side, _value(female) / top * side
        m_text, f_text = format_figure(_value(male)), format_figure(_value(female))
        if m_len > 0:
            body.append(_rect(centre_left - m_len, y + 5, m_len, BAR, MALE))
        body.append(_text(centre_left - m_len - GAP / 2, y + 14, m_text, "end"))
        body.append(_text(centre_left + mid_w / 2, y + 14, band, "middle"))
        if f_len > 0:
            body.append(_rect(centre_right, y + 5, f_len, BAR, FEMALE))
        body.append(_text(centre_right + f_len + GAP / 2, y + 14, f_text))
        titles.append(f"{band}: {left} {m_text}, {right} {f_text}")
    height = head + len(rows) * ROW + 4
    return _svg("pyramid", label, "; ".join(reversed(titles)), width, height, "".join(body))


# -- an indicator's series on a page -------------------------------------------------------------------

SeriesDrawer = Callable[[Indicator], Markup]
_DRAWERS: dict[str, SeriesDrawer] = {}


def register_series(key: str, draw: SeriesDrawer) -> None:
    """How the series of indicator ``key`` is drawn. An indicator's series keys are data (stable
    codes such as ``submitted`` or ``0-4 male``, which tests and exports rely on), so the plugin
    that reports it says how they read on a page: a label per code, or another chart (a pyramid)."""
    _DRAWERS[key] = draw


def labelled(label: Callable[[str], str]) -> SeriesDrawer:
    """A drawer for :func:`register_series`: bars whose names go through ``label`` (code → words)."""

    def draw(indicator: Indicator) -> Markup:
        series = [(label(str(code)), value) for code, value in indicator.series]
        return bars(series, str(indicator.label))

    return draw


def indicator_chart(indicator: Indicator) -> Markup:
    """The chart of an indicator's series: its plugin's drawer when registered, else bars with the
    series' own names; nothing when there is no series."""
    if not indicator.series:
        return Markup("")
    draw = _DRAWERS.get(indicator.key)
    if draw is not None:
        return draw(indicator)
    return bars(indicator.series, str(indicator.label))


def init_app(app: Flask) -> None:
    """Make the chart functions callable from every template (``_charts.html`` uses them)."""
    app.add_template_global(bars, "chart_bars")
    app.add_template_global(trend, "chart_trend")
    app.add_template_global(stacked, "chart_stacked")
    app.add_template_global(pyramid, "chart_pyramid")
    app.add_template_global(indicator_chart)
    app.add_template_global(format_count, "format_count")
    app.add_template_filter(age_band, "age_band")
