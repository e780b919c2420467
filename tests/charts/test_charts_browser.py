"""The charts as Chromium draws them, with its real fonts: no name runs into a bar, no value is
cut off at the edge, at phone and desktop widths. The estimate in ``charts.text_width`` is what
keeps this true on the server; this measures it (``getBBox``) instead of trusting it."""

from __future__ import annotations

from pathlib import Path

import pytest

from desacerdas.web import charts

pytestmark = pytest.mark.browser

CSS = (Path(__file__).resolve().parents[2] / "platform/desacerdas/static/css/site.css").read_text()

# For each chart: every text's box, every rect's box, and the drawing's own box (viewBox units).
MEASURE = """() => [...document.querySelectorAll("svg")].map(svg => ({
  view: svg.viewBox.baseVal.width,
  texts: [...svg.querySelectorAll("text")].map(t => {
    const b = t.getBBox(); return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
  }),
  rects: [...svg.querySelectorAll("rect")].map(r => {
    const b = r.getBBox(); return {x: b.x, y: b.y, w: b.width, h: b.height};
  }),
}))"""


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


@pytest.mark.parametrize("width", [360, 1280])
def test_no_label_under_a_bar_and_none_cut_off(app, browser, width):
    names = [
        "Ditandatangani",
        "Surat Keterangan Tidak Mampu",
        "Banjar Dinas Kelod Kauh",
        "WWWWMMMM",
        "Ñyoman Ágúng",
    ]
    with app.test_request_context("/?lang=id"):
        drawn = [
            charts.bars([(n, (i + 1) * 1234) for i, n in enumerate(names)], "bars"),
            charts.pyramid([("0-4", 1234, 99999), ("70-74", 3, 0), ("75+", 88888, 7)], "pyramid"),
            charts.stacked([(n, [("Diajukan", 3), ("Diterbitkan", 12345)]) for n in names[:3]], "stacked"),
        ]
    html = f"<!doctype html><style>{CSS}</style><main>{''.join(str(d) for d in drawn)}</main>"
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(html)
        measured = page.evaluate(MEASURE)
    finally:
        page.close()
    assert len(measured) == 3
    for chart in measured:
        for t in chart["texts"]:
            assert t["x"] >= -0.5 and t["x"] + t["w"] <= chart["view"] + 0.5, t  # inside the drawing
            for r in chart["rects"]:
                assert not overlaps(t, r), (t, r)  # no text on a bar or a swatch
        for i, a in enumerate(chart["texts"]):  # no two texts on top of each other
            for b in chart["texts"][i + 1 :]:
                assert not overlaps(a, b), (a, b)
