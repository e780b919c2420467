"""The page walk's checks find what they look for (so a green walk means something)."""

from __future__ import annotations

import pytest

from . import walker


def _problems(app, html: str, lang: str = "id", css: int = 0) -> list[str]:  # noqa: ANN001
    findings = walker.Findings()
    with app.app_context():
        walker.check(walker.parse("/x", 200, html, lang), lang, css, findings)
    return findings.problems.get("/x", [])


@pytest.mark.parametrize(
    ("html", "lang", "needle"),
    [
        ("<p>Peran: regency_admin · 51.07</p>", "id", "raw code 'regency_admin'"),
        ("<li><code>tenant.provisioned</code></li>", "en", "raw code 'tenant.provisioned'"),
        ("<li>smart_government.letter_request.verify</li>", "en", "raw code"),
        ("<td>submitted</td>", "id", "raw state 'submitted'"),
        ("<dd>None</dd>", "en", "'None'"),
        ('<input name="email" value="None">', "id", "'None'"),
        ("<td>1.0</td>", "en", "count '1.0'"),
        ("<p>0,0 jam</p>", "id", "count '0,0'"),
        ("<button>Save</button>", "id", "English 'Save'"),
        ("<p>Kirim surat ke the head</p>", "id", "English 'the'"),
        ('<input placeholder="Search residents">', "id", "English 'Search'"),
        ("<p>Audit log</p>", "id", "untranslated 'Audit log'"),
    ],
)
def test_each_check_finds_its_problem(app, html, lang, needle):
    problems = _problems(app, f"<html><body>{html}</body></html>", lang)
    assert any(needle in p for p in problems), problems


def test_clean_indonesian_text_and_allowed_exceptions_pass(app):
    html = (
        "<html><body><h1>Log audit</h1><p>Desa didaftarkan · Admin kabupaten (Dinas PMD) · Karangasem</p>"
        "<p>Versi 0.1.0 · 1.250 warga · pukul 10.00 WITA · No. KK 5107010101200003</p>"
        '<pre lang="en">Hello, your letter is ready.</pre><code translate="no">smart_government</code>'
        "<textarea>Hello {{ village.name }}</textarea>"
        '<a href="/desa/menanga/smart_government/letters/requests">Permohonan surat</a>'
        "<p>Belum ada</p><p>user-1@example.test</p></body></html>"
    )
    assert _problems(app, html, "id") == []


def test_size_budget_counts_the_css(app):
    assert _problems(app, "<p>Beranda</p>", "id", css=walker.BUDGET) != []
    assert _problems(app, "<p>Beranda</p>", "id", css=1000) == []


def test_links_followed_stay_in_the_village_and_skip_downloads():
    assert walker.in_scope("/desa/menanga/hamlets", "menanga") == "/desa/menanga/hamlets"
    assert walker.in_scope("/desa/bebandem/hamlets", "menanga") is None
    assert walker.in_scope("/desa/menanga/smart_government/letters/x/pdf", "menanga") is None
    assert walker.in_scope("/rollout.csv", "menanga") is None
    assert walker.in_scope("/?lang=en", "menanga") is None
    assert walker.in_scope("https://example.org/", "menanga") is None
    assert walker.in_scope("/admin/audit?page=2", "menanga") == "/admin/audit?page=2"
    assert walker.in_scope("/admin/audit?page=7", "menanga") is None
