"""The work surface (``/facilitation``): who sees it, which villages, what each card says, the
"needs attention" order, paging, and that reading goes through the audited cross-village path."""

from __future__ import annotations

import re

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent

from .conftest import overdue, pending_registration


def cards(html: str) -> list[str]:
    """The village slugs of the cards, in page order."""
    return re.findall(r'<article class="box village-card" id="v-([\w-]+)"', html)


def test_anonymous_is_sent_to_sign_in_and_village_roles_are_refused(client, login, menanga, make_user):
    assert client.get("/facilitation").status_code == 302
    for role in ("village_head", "operator", "resident"):
        login(make_user(role, menanga))
        assert client.get("/facilitation").status_code == 403


def test_a_facilitator_sees_exactly_her_villages(client, login, sg_village, facilitator_of):
    mine = [sg_village() for _ in range(3)]
    other = sg_village()
    login(facilitator_of(*mine))
    resp = client.get("/facilitation")
    assert resp.status_code == 200
    assert sorted(cards(resp.text)) == sorted(v.slug for v in mine)
    assert other.slug not in resp.text


def test_needs_attention_puts_the_stuck_village_first(app, client, login, sg_village, facilitator_of):
    quiet, busy, waiting = sg_village(), sg_village(), sg_village()
    overdue(app, busy, 2)
    pending_registration(app, waiting)
    login(facilitator_of(quiet, busy, waiting))
    html = client.get("/facilitation").text
    order = cards(html)
    assert order[0] == busy.slug and order[1] == waiting.slug  # 2×3 points, then 1×3 points
    block = html.split(f'id="v-{busy.slug}"')[1].split("</article>")[0]
    assert f'href="/desa/{busy.slug}/smart_government/' in block  # the queue where staff work it
    assert re.search(r"<strong>2</strong>", block)  # two requests waiting, a whole number
    names = {v.slug: v.name for v in (quiet, busy, waiting)}
    by_name = [names[slug] for slug in cards(client.get("/facilitation?sort=name").text)]
    assert by_name == sorted(names.values())


def test_the_next_pillar_and_its_blocking_checks_are_linked(app, client, login, make_village, facilitator_of):
    bare = make_village()  # nothing enabled, no hamlet, no staff: the government pillar is blocked
    login(facilitator_of(bare))
    html = client.get("/facilitation?lang=en").text
    block = html.split(f'id="v-{bare.slug}"')[1].split("</article>")[0]
    assert "is blocked by" in block
    assert "At least one hamlet is registered" in block
    assert f'href="/desa/{bare.slug}/hamlets"' in block  # the check's page (ReadinessCheck.link)
    assert "None" not in block


def test_the_page_is_indonesian_by_default_and_explains_the_score(client, login, sg_village, facilitator_of):
    login(facilitator_of(sg_village()))
    html = client.get("/facilitation?lang=id").text
    assert 'lang="id"' in html
    assert "Pendampingan desa" in html and "perlu perhatian" in html
    for english in ("Next pillar", "Waiting on people", "Last activity", "Visit log", "None"):
        assert english not in html


def test_reading_is_audited_once_per_read_and_names_the_villages(
    app, client, login, sg_village, facilitator_of
):
    villages = [sg_village(), sg_village()]
    person = facilitator_of(*villages)
    login(person)
    client.get("/facilitation")
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "tenant.cross_village_read", AuditEvent.actor_id == person.id
            )
        ).all()
    reasons = sorted(r.target for r in rows)
    assert reasons == ["facilitation.surface", "facilitation.trends"]
    assert all(sorted(r.detail["tenant_ids"]) == sorted(v.id for v in villages) for r in rows)


def test_a_regency_admin_sees_the_area_a_platform_admin_every_village(
    client, login, make_user, sg_village, make_village
):
    karangasem = [sg_village(), sg_village()]
    bangli = make_village("51.06.01.2001")
    login(make_user("regency_admin", karangasem[0]))
    slugs = cards(client.get("/facilitation").text)
    assert set(slugs) == {v.slug for v in karangasem}
    admin = make_user("platform_admin")
    login(admin)
    everything = client.get("/facilitation")
    assert everything.status_code == 200
    assert set(cards(everything.text)) == {bangli.slug, *(v.slug for v in karangasem)}
    assert set(cards(client.get("/facilitation?regency=51.06").text)) == {bangli.slug}


def test_more_villages_than_can_be_scored_are_paged_by_name(
    app, client, login, make_user, sg_village, monkeypatch
):
    """A platform admin over more villages than MAX_VILLAGES: every village, by name, page by page;
    only the page shown is read (one audited read per part), and the page says how to rank them."""
    from desacerdas.facilitation import surface

    villages = [sg_village() for _ in range(10)]
    overdue(app, villages[-1], 2)
    monkeypatch.setattr(surface, "MAX_VILLAGES", 4)
    admin = make_user("platform_admin")
    login(admin)
    first = client.get("/facilitation?lang=en")
    second = client.get("/facilitation?lang=en&page=2&sort=attention")
    names = sorted((v.name, v.slug) for v in villages)
    assert cards(first.text) == [slug for _n, slug in names[:8]]
    assert cards(second.text) == [slug for _n, slug in names[8:]]
    assert "More than 4 villages: they are listed by name" in first.text
    assert "10 villages" in first.text and 'class="chips"' not in first.text
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "tenant.cross_village_read", AuditEvent.actor_id == admin.id
            )
        ).all()
    assert sorted(len(r.detail["tenant_ids"]) for r in reads) == [2, 2, 8, 8]


def test_each_card_draws_its_trends_as_a_small_inline_chart(app, client, login, sg_village, facilitator_of):
    """The indicators' trend of the last months: server-side SVG (web/charts.py), no script."""
    village = sg_village()
    overdue(app, village, 1)
    login(facilitator_of(village))
    html = client.get("/facilitation").text
    block = html.split(f'id="v-{village.slug}"')[1].split("</article>")[0]
    assert '<table class="trends">' in block and block.count("<svg") >= 1
    assert "<script" not in html
    svg = block[block.index("<svg") : block.index("</svg>") + 6]
    assert len(svg) < 3_000 and 'role="img"' in svg


def test_paging_keeps_the_sort_and_counts_whole_numbers(app, client, login, sg_village, facilitator_of):
    villages = [sg_village() for _ in range(12)]
    login(facilitator_of(*villages))
    first = client.get("/facilitation?sort=name")
    second = client.get("/facilitation?sort=name&page=2")
    assert len(cards(first.text)) == 8 and len(cards(second.text)) == 4
    assert not set(cards(first.text)) & set(cards(second.text))
    assert "12 villages" in first.text
    assert not re.search(r"\b\d+\.0\b", first.text)
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', first.text)
    css = sum(len(client.get(href).data) for href in sheets)
    assert len(first.data) + css < 30_000, (len(first.data), css)


def test_a_page_past_the_end_and_a_bad_sort_are_harmless(client, login, sg_village, facilitator_of):
    login(facilitator_of(sg_village()))
    assert cards(client.get("/facilitation?page=99").text) == []
    assert len(cards(client.get("/facilitation?sort=drop%20table").text)) == 1


def test_a_queue_the_viewer_may_not_open_is_shown_without_a_link(
    app, client, login, sg_village, facilitator_of
):
    """Facilitators read letter requests but do not review registrations: one linked, one not."""
    village = sg_village()
    overdue(app, village, 1)
    pending_registration(app, village)
    login(facilitator_of(village))
    block = client.get("/facilitation?lang=en").text.split(f'id="v-{village.slug}"')[1].split("</article>")[0]
    assert (
        "Registrations waiting for review" in block and "Letter requests open for more than 3 days" in block
    )
    assert f'href="/desa/{village.slug}/smart_government/letters/requests"' in block
    assert "/registrations" not in block


def test_the_last_activity_is_dated_in_the_villages_time_zone():
    """17:30 UTC is already the next morning in Bali (WITA, UTC+8)."""
    from datetime import UTC, date, datetime

    from desacerdas.facilitation.surface import Activity, Card
    from desacerdas.models import Tenant

    card = Card(Tenant(code="51.07.01.2003", profile={}))
    assert card.activity_day is None and card.quiet
    card.last_activity = Activity(datetime(2026, 3, 1, 17, 30, tzinfo=UTC), "auth.login")
    assert card.activity_day == date(2026, 3, 2)
    assert card.quiet and ("no activity for 30 days", 5) in card.score_parts()
