"""The browser lane: a facilitator with her five villages walks the work surface on a phone and on
a desktop — the stuck village first, sorting by name, opening a blocking check's page, and
recording a visit with a follow-up that the surface then counts."""

from __future__ import annotations

import re

import pytest
from facilitation.conftest import overdue, pending_registration

from desacerdas.extensions import db
from desacerdas.models import Tenant, User
from desacerdas.services import users as user_svc
from desacerdas.testing.support import make_user, make_village

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def five_villages(app):  # noqa: ANN001, ANN201
    """Four villages with the government pillar (one with overdue letters, one with a registration
    waiting) and one with nothing yet (its next pillar blocked); one facilitator for all five."""
    ready = [make_village(app, hamlets=["Banjar Kaja"], enable=["smart_government"]) for _ in range(4)]
    bare = make_village(app)
    overdue(app, ready[1], 3)
    pending_registration(app, ready[2])
    person = make_user(
        app, "facilitator", ready[0], email="ketut.pendamping@desa.test", name="Ketut Pendamping"
    )
    with app.app_context():
        user = db.session.get(User, person.id)
        for village in [*ready[1:], bare]:
            user_svc.grant(user, "facilitator", tenant=db.session.get(Tenant, village.id))
        db.session.commit()
    return person, ready, bare


def card_slugs(page) -> list[str]:  # noqa: ANN001
    return [
        i.removeprefix("v-")
        for i in page.locator("article.village-card").evaluate_all("els => els.map(e => e.id)")
    ]


def no_horizontal_overflow(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_facilitator_walks_her_five_villages(app, live_server, browser, screenshots):
    person, ready, bare = five_villages(app)
    phone = browser.new_context(base_url=live_server, viewport=PHONE, locale="id-ID")
    page = phone.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", person.password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    # The menu leads to the surface; five cards, the one with three overdue letters first.
    page.click("nav.main a:has-text('Pendampingan desa')")
    page.wait_for_url(re.compile(r"/facilitation"))
    assert page.evaluate("document.documentElement.lang") == "id"
    slugs = card_slugs(page)
    assert len(slugs) == 5 and slugs[0] == ready[1].slug
    assert sorted(slugs) == sorted(v.slug for v in [*ready, bare])  # exactly her five
    first = page.locator("article.village-card").first
    assert "Permohonan surat terbuka lebih dari 3 hari" in first.inner_text()
    assert first.locator("ul.waiting a").count() == 1  # the letter queue, where the staff work it
    # the registration waiting: ranked above the two calm villages, shown without a link (she does
    # not review registrations)
    assert slugs.index(ready[2].slug) < min(slugs.index(ready[0].slug), slugs.index(ready[3].slug))
    waiting = page.locator(f"#v-{ready[2].slug} ul.waiting")
    assert "Pendaftaran menunggu diperiksa: 1" in waiting.inner_text()
    assert waiting.locator("a").count() == 0
    # each card: last activity, last visit, and the indicators' trend as a small inline SVG
    for slug in slugs:
        text = page.locator(f"#v-{slug}").inner_text()
        assert "Kegiatan terakhir:" in text and "Kunjungan terakhir:" in text
    assert page.locator(f"#v-{ready[1].slug} table.trends svg.trend").count() >= 1
    assert page.locator("script").count() == 0
    main = page.locator("main").inner_text()
    for raw in ("None", "smart_government", "Next pillar", "Waiting on people", "Last activity"):
        assert raw not in main, raw
    assert no_horizontal_overflow(page)
    page.screenshot(path=screenshots / "desa-facilitation-phone.png", full_page=True)

    # Sort by name: the order of the villages' names.
    page.click("nav.chips a:has-text('nama')")
    page.wait_for_url(re.compile(r"sort=name"))
    names = page.locator("article.village-card h2 a").all_inner_texts()
    assert names == sorted(names) and len(names) == 5

    # The village with nothing yet: its next pillar is blocked; the check links to the page fixing it.
    card = page.locator(f"#v-{bare.slug}")
    assert "terhambat oleh" in card.inner_text()
    card.locator("ul.blocking a").first.click()
    page.wait_for_load_state()
    assert f"/desa/{bare.slug}/" in page.url
    assert page.locator("h1").count() == 1 and "404" not in page.title()
    page.go_back()

    # Record a visit (a call) with a follow-up in one village's log, from its card.
    page.locator(f"#v-{ready[0].slug} a:has-text('Catatan kunjungan')").click()
    page.wait_for_url(re.compile(rf"/desa/{ready[0].slug}/visits"))
    page.click("details.box summary")
    page.check("input[name=kind][value=call]")
    page.fill("textarea[name=note]", "Menelepon Sekdes soal kop surat.")
    page.fill("textarea[name=follow_ups]", "Kirim contoh kop surat")
    page.click("details.box button[type=submit]")
    page.wait_for_load_state()
    assert "Kunjungan sudah dicatat." in page.locator(".flash.success").inner_text()
    assert "Menelepon Sekdes soal kop surat." in page.locator("main").inner_text()
    assert no_horizontal_overflow(page)
    phone.close()

    # On a desktop: the surface counts the open follow-up; ticking it done clears it.
    desktop = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="id-ID")
    page = desktop.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", person.password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto("/facilitation")
    card = page.locator(f"#v-{ready[0].slug}")
    assert "1 tindak lanjut terbuka" in card.inner_text()
    page.screenshot(path=screenshots / "desa-facilitation-desktop.png", full_page=True)
    card.locator("a:has-text('Catatan kunjungan')").click()
    page.click("button:has-text('Tandai selesai')")
    page.wait_for_load_state()
    assert "Buka lagi" in page.locator("main").inner_text()
    page.goto("/facilitation")
    assert "tindak lanjut terbuka" not in page.locator(f"#v-{ready[0].slug}").inner_text()
    desktop.close()
