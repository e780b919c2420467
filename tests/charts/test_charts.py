"""The chart functions (``web/charts.py``) and number filters (``web/formatting.py``) on their own:
valid small SVG, names never under a bar, values never past the edge, words in the page's language."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only for the type
from datetime import timedelta

import pytest
from defusedxml import ElementTree as SafeET
from flask import render_template_string
from markupsafe import Markup

from desacerdas.plugin_system.types import Indicator
from desacerdas.web import charts
from desacerdas.web.formatting import format_count, format_duration, format_figure, format_indicator


@pytest.fixture
def page(app):
    """``page(lang)`` → a request context in that language (``?lang=``, as a page gets it)."""

    def _enter(lang: str = "id"):  # noqa: ANN202
        return app.test_request_context(f"/?lang={lang}")

    return _enter


def svg(markup: Markup) -> ET.Element:
    root = SafeET.fromstring(str(markup))  # raises on anything that is not well-formed XML
    assert root.tag == "svg" and root.get("role") == "img" and root.get("aria-label") is not None
    return root


def box(root: ET.Element) -> tuple[float, float]:
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    return width, height


def texts(root: ET.Element) -> list[ET.Element]:
    return root.findall("text")


def rects(root: ET.Element) -> list[ET.Element]:
    return list(root.iter("rect"))


def f(el: ET.Element, name: str) -> float:
    return float(el.get(name))


# -- bars ---------------------------------------------------------------------------------------------


def test_bars_leave_room_for_every_name_and_every_value(page):
    series = [("Banjar Dinas Kelod Kauh", 1234), ("Kaja", 5), ("Tidak tercatat", 0), ("Br. Wana", 640)]
    with page("id"):
        root = svg(charts.bars(series, "Penduduk per banjar"))
    width, height = box(root)
    assert height >= 20 * len(series)
    labels = texts(root)
    names, values = labels[0::2], labels[1::2]
    assert [n.text for n in names] == [s[0] for s in series]
    assert [v.text for v in values] == ["1.234", "5", "0", "640"]  # Indonesian grouping, whole
    bar_start = min(f(r, "x") for r in rects(root))
    for name in names:  # no name reaches into the bar column
        assert f(name, "x") == 0 and charts.text_width(name.text) < bar_start
    bars_by_row = {round(f(r, "y")): r for r in rects(root)}
    for value in values:  # each value after its bar, the whole text inside the drawing
        row_bar = bars_by_row.get(round(f(value, "y")) - 9)
        if row_bar is not None:
            assert f(value, "x") > f(row_bar, "x") + f(row_bar, "width")
        assert f(value, "x") + charts.text_width(value.text) <= width
    assert len(rects(root)) == 3  # a zero gets no bar, only its "0"
    assert "Banjar Dinas Kelod Kauh: 1.234" in root.find("title").text


def test_bars_in_english_escape_names_and_shorten_long_ones(page):
    long = "Banjar Dinas " + "Sangat Panjang " * 4
    with page("en"):
        markup = charts.bars([("<script>alert(1)</script>", 1234.0), (long, 2.5)], 'a "label"')
    root = svg(markup)
    assert "<script>" not in str(markup) and root.get("aria-label") == 'a "label"'
    names = [t.text for t in texts(root)[0::2]]
    assert names[1].endswith("…") and len(names[1]) <= charts.MAX_NAME
    assert long.strip() in root.find("title").text  # the full name stays in the text alternative
    assert [t.text for t in texts(root)[1::2]] == ["1,234", "2.5"]


def test_bars_print_a_numbers_own_label_a_third_item_and_a_kind(page):
    class Shown(int):  # like notifications/web/usage.py's Rp figures
        def __html__(self) -> str:
            return "Rp 12.500"

    with page("id"):
        root = svg(charts.bars([("WhatsApp", Shown(12500)), ("SMS", 3, "tiga")], "Biaya"))
        hours = svg(charts.bars([("Menanga", 2.0), ("Bebandem", 0.2)], "Waktu", kind="duration"))
        empty = svg(charts.bars([], "Kosong"))
    assert [t.text for t in texts(root)[1::2]] == ["Rp 12.500", "tiga"]
    assert [t.text for t in texts(hours)[1::2]] == ["2 jam", "kurang dari 1 jam"]
    assert texts(empty) == [] and empty.get("aria-label") == "Kosong"


def test_bars_stay_small(page):
    series = [(f"Banjar Dinas Nomor {i}", i * 37) for i in range(20)]
    with page("id"):
        markup = str(charts.bars(series, "Penduduk"))
    assert len(markup.encode()) < 4500 and "<script" not in markup and "style=" not in markup


def test_the_macro_adds_a_table_of_the_same_figures(app, page):
    with page("id"):
        html = render_template_string(
            '{% from "_charts.html" import bars %}'
            '{{ bars([("Kaja", 3.0), ("Kelod", 1200)], "x", table=true) }}'
        )
    assert html.count("<svg") == 1 and "<details>" in html and "Angka dalam tabel" in html
    assert "<td>3</td>" in html and "<td>1.200</td>" in html and "3.0" not in html


# -- pyramid ------------------------------------------------------------------------------------------


BANDS = [("0-4", 12, 10), ("5-9", 30, 28), ("10-14", 0, 4), ("75+", 3, 9)]


def test_pyramid_men_left_women_right_oldest_on_top(page):
    with page("id"):
        root = svg(charts.pyramid(BANDS, "Piramida penduduk"))
    width, _height = box(root)
    labels = texts(root)
    assert labels[0].text == "Laki-laki" and labels[1].text == "Perempuan"  # the legend, in Indonesian
    middle = [t for t in labels if t.get("text-anchor") == "middle"]
    assert [t.text for t in middle] == ["75+", "10–14", "5–9", "0–4"]  # en dash, oldest first
    ys = [f(t, "y") for t in middle]
    assert ys == sorted(ys)
    male = [r for r in rects(root) if r.get("fill") == charts.MALE][1:]  # [0] is the legend swatch
    female = [r for r in rects(root) if r.get("fill") == charts.FEMALE][1:]
    centre = f(middle[0], "x")
    assert all(f(r, "x") + f(r, "width") < centre for r in male)
    assert all(f(r, "x") > centre for r in female)
    for band in middle:  # the band name fits between the two sides
        half = charts.text_width(band.text) / 2
        assert max(f(r, "x") + f(r, "width") for r in male) < centre - half
        assert min(f(r, "x") for r in female) > centre + half
    counts = [t for t in labels if t not in middle][2:]
    assert all(f(t, "x") - charts.text_width(t.text) >= 0 for t in counts if t.get("text-anchor") == "end")
    assert all(f(t, "x") + charts.text_width(t.text) <= width for t in counts if t.get("text-anchor") is None)
    assert len(male) == 3 and len(female) == 4  # no bar for the 0 men of 10–14
    assert "10–14: Laki-laki 0, Perempuan 4" in root.find("title").text


def test_pyramid_in_english_and_a_full_registry_stays_a_few_kb(page):
    bands = [(f"{a}-{a + 4}", 100 + a, 90 + a) for a in range(0, 75, 5)] + [("75+", 40, 61)]
    with page("en"):
        drawn = charts.pyramid(bands, "Population")
    root, markup = svg(drawn), str(drawn)
    assert [t.text for t in texts(root)[:2]] == ["Male", "Female"]
    assert len(markup.encode()) < 6000


# -- trend and stacked -----------------------------------------------------------------------------------


def test_trend_is_a_small_line_with_gaps_and_a_dot_on_the_last_figure(page):
    points = [("Jan", 1), ("Feb", 2), ("Mar", None), ("Apr", 4), ("Mei", 5.5), ("Jun", 6)]
    with page("id"):
        root = svg(charts.trend(points, "Surat terbit"))
        empty = svg(charts.trend([("Jan", None)], "Kosong"))
        flat = svg(charts.trend([("Jan", 3), ("Feb", 3)], "Datar"))
    assert len(root.findall("polyline")) == 2 and root.get("width") == "120"
    assert root.find("title").text == "Jan: 1 · Feb: 2 · Mar: — · Apr: 4 · Mei: 5,5 · Jun: 6"
    assert len(ET.tostring(root)) < 2048
    assert empty.findall("polyline") == [] and empty.findall("circle") == []
    assert {c.get("cy") for c in flat.findall("circle")} == {"16"}  # one level: drawn in the middle


def test_stacked_parts_share_one_scale_and_have_a_legend(page):
    rows = [("Jan", [("Diajukan", 3), ("Terbit", 5)]), ("Feb", [("Diajukan", 1), ("Terbit", 15)])]
    with page("id"):
        root = svg(charts.stacked(rows, "Permohonan surat"))
    width, _h = box(root)
    bars_ = [r for r in rects(root) if f(r, "height") == charts.BAR]
    feb = [r for r in bars_ if f(r, "y") == 25]
    assert sum(f(r, "width") for r in feb) == pytest.approx(charts.BAR_SPACE)  # the largest total
    assert {t.text for t in texts(root)} >= {"Diajukan", "Terbit", "8", "16"}
    assert all(f(t, "x") + charts.text_width(t.text) <= width for t in texts(root))


def test_indicator_chart_uses_the_plugins_words_for_its_codes(page):
    charts.register_series("test.states", charts.labelled({"submitted": "Diajukan"}.get))
    with page("id"):
        labelled = svg(
            charts.indicator_chart(Indicator("test.states", "Per status", 1, series=(("submitted", 1.0),)))
        )
        plain = svg(charts.indicator_chart(Indicator("test.other", "Lain", 1, series=(("A", 1.0),))))
        nothing = charts.indicator_chart(Indicator("test.none", "Tanpa", 1))
    assert texts(labelled)[0].text == "Diajukan" and texts(plain)[0].text == "A" and str(nothing) == ""


# -- numbers and durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "value", "count", "figure"),
    [
        ("id", 1234.0, "1.234", "1.234"),
        ("en", 1234.0, "1,234", "1,234"),
        ("id", 2.5, "3", "2,5"),
        ("en", 2.25, "2", "2.3"),
        ("id", 0.0, "0", "0"),
        ("id", 1_000_000, "1.000.000", "1.000.000"),
        ("id", None, "—", "—"),
        ("id", "abc", "—", "—"),
    ],
)
def test_counts_are_whole_and_figures_have_at_most_one_decimal(page, lang, value, count, figure):
    with page(lang):
        assert format_count(value) == count and format_figure(value) == figure


@pytest.mark.parametrize(
    ("lang", "hours", "words"),
    [
        ("id", 0.0, "kurang dari 1 jam"),
        ("id", 0.99, "kurang dari 1 jam"),
        ("id", 1.0, "1 jam"),
        ("id", 2.4, "2 jam"),
        ("id", 47.0, "47 jam"),
        ("id", 72.0, "3 hari"),
        ("id", timedelta(days=10, hours=13), "11 hari"),
        ("en", 0.5, "less than 1 hour"),
        ("en", 1.0, "1 hour"),
        ("en", 5.0, "5 hours"),
        ("en", 49.0, "2 days"),
        ("id", -3, "kurang dari 1 jam"),
        ("id", None, "—"),
    ],
)
def test_durations_read_in_words(page, lang, hours, words):
    with page(lang):
        assert format_duration(hours) == words


def test_filters_in_templates_and_outside_a_request(app, page):
    with page("id"):
        html = render_template_string(
            "{{ 1234.0|count }} {{ [1, 2, 3]|count }} {{ 2.0|duration }} {{ 0.456|figure }} "
            "{{ 5.0|indicator('count') }} {{ 26|indicator('duration') }} {{ 0.5|indicator('ratio') }}"
        )
    assert html == "1.234 3 2 jam 0,5 5 26 jam 0,5"
    with page("id"):
        months = render_template_string("{{ '2026-12'|month }} {{ '2026'|month }} {{ '2026-13'|month }}")
    with page("en"):
        english = render_template_string("{{ '2026-03'|month }}")
    assert months == "Desember 2026 2026 2026-13" and english == "March 2026"
    with app.app_context():
        assert format_count(1234.4) == "1234" and format_indicator(2.5, "ratio") == "2.5"
