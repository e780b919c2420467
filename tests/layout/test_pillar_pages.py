"""A village's pillars: why a blocked one cannot be enabled, with the page that fixes each reason;
the kit's pillar index says what the pillar offers and links to its parts; pillar names."""

from __future__ import annotations

from desacerdas.extensions import db
from desacerdas.models import Tenant
from desacerdas.services import rollout


def _block(html: str, name: str) -> str:
    """The card of pillar ``name`` on the pillars page."""
    start = html.index(f'id="pillar-{name}"')
    end = html.find('<li class="pillar ', start)
    return html[start : end if end > 0 else html.index("</main>")]


def test_blocked_pillar_says_why_with_links(kapp, kclient, menanga, make_user, login):
    login(make_user("village_head", menanga), kclient)
    html = kclient.get(f"/desa/{menanga.slug}/pillars?lang=id").get_data(as_text=True)
    base = _block(html, "lay_base")
    assert "terhambat" in base and "The letterhead is set" in base
    assert f'<a class="fix" href="/desa/{menanga.slug}/settings/terms">' in base
    assert f'href="/desa/{menanga.slug}/pillars/lay_base/enable"' in base  # "Aktifkan", below the reasons
    # lay_top's own check fails (no hamlet head) and it waits for lay_base
    top = _block(html, "lay_top")
    assert "A hamlet head account exists" in top and "Dasar Uji" in top
    # a link that leaves the platform is never printed
    odd = _block(html, "lay_odd")
    assert "A link off the platform" in odd and "evil.example" not in html


def test_requirement_alone_blocks(kapp, kclient, menanga, make_user, login):
    make_user("hamlet_head", menanga)  # lay_top's own check passes now
    login(make_user("village_head", menanga), kclient)
    top = _block(kclient.get(f"/desa/{menanga.slug}/pillars?lang=id").get_data(as_text=True), "lay_top")
    assert "terhambat" in top and "A hamlet head account exists" not in top
    assert "Dasar Uji" in top  # why: it needs the base pillar, which is not ready


def test_enable_page_links_each_failing_check(kapp, kclient, menanga, make_user, login):
    login(make_user("village_head", menanga), kclient)
    page = kclient.get(f"/desa/{menanga.slug}/pillars/lay_top/enable?lang=id")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="not-ready"' in html
    assert f'<a class="fix" href="/desa/{menanga.slug}/settings/terms">' in html
    plan = html[html.index("<ol>") :]
    assert plan.index("Dasar Uji") < plan.index("Puncak Uji")  # the requirement first


def test_ready_pillar_has_no_reasons_and_enabled_one_links_its_index(
    kapp, kclient, menanga, make_user, login
):
    with kapp.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        tenant.profile = {**(tenant.profile or {}), "terms": {"office_address": "Jalan Raya Menanga"}}
        db.session.commit()
        rollout.enable(db.session.get(Tenant, menanga.id), "lay_base")
    login(make_user("village_head", menanga), kclient)
    html = kclient.get(f"/desa/{menanga.slug}/pillars?lang=id").get_data(as_text=True)
    base = _block(html, "lay_base")
    assert f'href="/desa/{menanga.slug}/lay_base/"' in base and "aktif" in base
    assert 'class="why"' not in base


def test_pillars_pages_other_village_and_wrong_role(kapp, kclient, menanga, bebandem, make_user, login):
    login(make_user("village_head", bebandem), kclient)
    assert kclient.get(f"/desa/{menanga.slug}/pillars").status_code == 404
    assert kclient.get(f"/desa/{menanga.slug}/pillars/lay_base/enable").status_code == 404
    login(make_user("operator", menanga), kclient)
    assert kclient.get(f"/desa/{menanga.slug}/pillars").status_code == 200
    assert kclient.get(f"/desa/{menanga.slug}/pillars/lay_base/enable").status_code == 403


def test_kit_index_without_parts_says_so(kapp, kclient, menanga, make_user, login):
    with kapp.app_context():
        rollout.enable(db.session.get(Tenant, menanga.id), "lay_odd", override_reason="test")
    login(make_user("operator", menanga), kclient)
    html = kclient.get(f"/desa/{menanga.slug}/lay_odd/?lang=id").get_data(as_text=True)
    assert "<h1>Aneh Uji</h1>" in html and "Pilar dengan tautan luar." in html
    assert 'id="no-parts"' in html
    anonymous = kapp.test_client().get(f"/desa/{menanga.slug}/lay_odd/?lang=id").get_data(as_text=True)
    assert 'id="no-parts"' in anonymous and 'href="/auth/login"' in anonymous


def test_government_index_links_its_parts(app, client, menanga, bebandem, make_user, login):
    with app.app_context():
        rollout.enable(db.session.get(Tenant, menanga.id), "smart_government", override_reason="test")
    login(make_user("village_head", menanga))
    html = client.get(f"/desa/{menanga.slug}/smart_government/?lang=id").get_data(as_text=True)
    assert "<h1>Pemerintahan Cerdas</h1>" in html and "registrasi penduduk" in html
    parts = html[html.index('id="parts"') :]
    assert parts.count(f'href="/desa/{menanga.slug}/smart_government/') >= 5
    assert parts.count("<li>") >= 5 and "<small>" in parts  # each part with its one-line hint
    assert 'href="/desa/menanga/pillars"' in html  # the head manages the pillars
    # English
    english = client.get(f"/desa/{menanga.slug}/smart_government/?lang=en").get_data(as_text=True)
    assert "<h1>Smart government</h1>" in english and "What you can do here" in english
    # someone not signed in sees the residents' sign-in part only
    anonymous = (
        app.test_client().get(f"/desa/{menanga.slug}/smart_government/?lang=id").get_data(as_text=True)
    )
    assert "NIK" in anonymous and "letters/requests" not in anonymous
    # a pillar not enabled in the other village is not there
    login(make_user("village_head", bebandem))
    assert client.get(f"/desa/{bebandem.slug}/smart_government/").status_code == 404


def test_pillar_names_cannot_be_confused(app):
    from desacerdas.plugin_system.state import plugins

    with app.app_context():
        titles = {name: plugins().info(name).title_id for name in plugins().working()}
    pillars = {n: t for n, t in titles.items() if n.startswith("smart_")}
    assert pillars == {
        "smart_government": "Pemerintahan Cerdas",
        "smart_economy": "Ekonomi Cerdas",
        "smart_people": "Masyarakat Cerdas",
        "smart_environment": "Lingkungan Cerdas",
        "smart_mobility": "Mobilitas Cerdas",
        "smart_society": "Sosial Cerdas",
    }
    words = [set(t.lower().split()) - {"cerdas"} for t in pillars.values()]
    assert all(not (a & b) for i, a in enumerate(words) for b in words[i + 1 :])  # no shared word
