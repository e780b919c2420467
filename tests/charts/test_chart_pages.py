"""The pages that draw charts, rendered through HTTP: the village dashboard, the population
statistics and the regency's indicators page. Their SVGs parse, read in the page's language with
labels rather than codes, counts are whole, durations in words, and each page stays under 30 KB."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # only for the type
from datetime import timedelta
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from smart_government.letters.models import Letter, LetterRequest
from sqlalchemy import select

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.kit import snapshots
from desacerdas.models import Tenant
from desacerdas.services import rollout
from desacerdas.tenancy import tenant_session

CSS = Path(__file__).resolve().parents[2] / "platform/desacerdas/static/css/site.css"
STATE_CODES = ("submitted", "verified", "approved", "signed", "issued", "rejected", "cancelled")


def html_of(resp) -> str:  # noqa: ANN001
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def svgs(html: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", html, re.S)
    roots = [SafeET.fromstring(s) for s in found]
    for root, raw in zip(roots, found, strict=True):
        assert root.get("role") == "img" and root.get("aria-label") and root.find("title") is not None
        assert len(raw.encode()) < 6000 and "<script" not in raw
    return roots


def visible(html: str) -> str:
    """The page's text, tags and the SVGs' attribute values left out."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def no_decimal_counts(html: str) -> None:
    text = visible(html)
    assert not re.search(r"(?<![\d.,])\d+[.,]0(?![\d])", text), re.search(r".{30}\d+[.,]0(?!\d).{30}", text)
    assert "0.0 jam" not in text and "jam jam" not in text and "None" not in text


def small(html: str) -> None:
    assert len(html.encode()) + CSS.stat().st_size < 30 * 1024


@pytest.fixture
def demo(app, menanga, make_user):
    """Menanga with the smart government pillar and its demo data (residents, letters in every state),
    one issued letter taking 5 hours from request to letter."""
    with app.app_context():
        rollout.enable(menanga.tenant(), "smart_government", override_reason="test")
    result = app.test_cli_runner().invoke(
        cli, ["plugins", "demo", "smart_government", "--tenant", menanga.slug]
    )
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_session(menanga.id) as s:
        letters = s.scalars(select(Letter)).all()
        for letter in letters:
            req = s.scalar(select(LetterRequest).where(LetterRequest.id == letter.request_id))
            req.submitted_at = letter.issued_at - timedelta(hours=5)
        s.commit()
    return menanga


def test_dashboard_draws_states_in_words_a_pyramid_and_durations(demo, make_user, login):
    client = login(make_user("village_head", demo))
    html = html_of(client.get(f"/desa/{demo.slug}/dashboard?lang=id"))
    roots = svgs(html)
    by_state = next(r for r in roots if r.get("aria-label") == "Permohonan surat menurut status")
    names = [t.text for t in by_state.findall("text")[0::2]]
    assert not set(names) & set(STATE_CODES)  # labels, not codes
    assert {"Diajukan", "Diterbitkan", "Ditolak"} <= set(names)
    per_type = next(r for r in roots if r.get("aria-label") == "Permohonan surat")
    assert "Surat Keterangan Domisili" in [t.text for t in per_type.findall("text")]  # titles, not codes
    pyramid = next(r for r in roots if r.get("class") == "chart pyramid")
    middle = [t.text for t in pyramid.findall("text") if t.get("text-anchor") == "middle"]
    assert middle[0] == "75+" and middle[-1] == "0–4"
    assert {"Laki-laki", "Perempuan"} <= {t.text for t in pyramid.findall("text")}
    assert "5 jam" in visible(html)  # the median from request to letter, in words
    assert "male" not in " ".join(t.text or "" for r in roots for t in r.iter("text"))
    no_decimal_counts(html)
    small(html)


def test_dashboard_in_english(demo, make_user, login):
    client = login(make_user("village_head", demo))
    html = html_of(client.get(f"/desa/{demo.slug}/dashboard?lang=en"))
    svgs(html)
    assert "5 hours" in visible(html) and "Male" in html and "Submitted" in html
    no_decimal_counts(html)


def test_statistics_page_has_one_pyramid_svg_and_hamlet_bars(demo, make_user, login):
    client = login(make_user("operator", demo))
    html = html_of(client.get(f"/desa/{demo.slug}/smart_government/statistics?lang=id"))
    roots = svgs(html)
    pyramids = [r for r in roots if r.get("class") == "chart pyramid"]
    assert len(pyramids) == 1 and "<details>" in html and '<th scope="row">0–4</th>' in html
    hamlet_chart = roots[-1]
    width = float(hamlet_chart.get("viewBox").split()[2])
    texts = hamlet_chart.findall("text")
    start = min(float(r.get("x")) for r in hamlet_chart.findall("rect"))
    from desacerdas.web.charts import text_width

    assert all(text_width(t.text) < start for t in texts[0::2])  # names in their own column
    assert all(float(t.get("x")) + text_width(t.text) <= width for t in texts[1::2])  # values inside
    assert "men" not in visible(html).split() and "women" not in visible(html).split()
    no_decimal_counts(html)
    small(html)


def test_statistics_of_another_village_is_404_and_residents_only_are_refused(
    demo, bebandem, make_user, login
):
    other = login(make_user("operator", bebandem))
    assert other.get(f"/desa/{demo.slug}/smart_government/statistics").status_code == 404
    resident = login(make_user("resident", demo))
    assert resident.get(f"/desa/{demo.slug}/smart_government/statistics").status_code in (403, 404)
    assert resident.get(f"/desa/{demo.slug}/dashboard").status_code == 403


def test_regency_indicators_page_prints_whole_counts_and_durations_in_words(app, demo, make_user, login):
    client = login(make_user("regency_admin", area="51.07"))
    with app.app_context():  # last month's snapshot: every figure gets a line of two months
        snapshots.take(db.session.get(Tenant, demo.id), snapshots.shift(snapshots.parse_period(None), -1))
    html = html_of(client.get("/rollout/indicators?lang=id"))
    svgs(html)
    table = html[html.index('<table class="indicators">') : html.index("</table>")]
    assert "5 jam" in table and "(jam)" not in table
    assert 'class="trend"' in html
    no_decimal_counts(html)
    small(html)


def test_a_hamlet_head_sees_only_their_hamlet_in_the_charts(app, demo, make_user, login):
    from desacerdas.models import Hamlet

    with app.app_context(), tenant_session(demo.id) as s:
        hamlets = {h.name: h.id for h in s.scalars(select(Hamlet))}
    mine, *others = sorted(hamlets)
    client = login(make_user("hamlet_head", demo, hamlet_id=hamlets[mine]))
    html = html_of(client.get(f"/desa/{demo.slug}/smart_government/statistics?lang=id"))
    hamlet_chart = svgs(html)[-1]
    assert [t.text for t in hamlet_chart.findall("text")[0::2]] == [mine]
    assert not any(other in html for other in others)
