"""What the pages remember across requests stays right: navigation URLs per village (never
another village's), entries that follow a plugin being enabled or disabled at once, the residents
filter form per village, per language and per hamlet scope, and the row links."""

from __future__ import annotations

import re

from desacerdas.testing import support


def _nav(body: str) -> list[str]:
    main = re.search(r'<nav class="main"[^>]*>(.*?)</nav>', body, re.S)
    return re.findall(r'href="([^"]+)"', main.group(1)) if main else []


def _filters(body: str) -> str:
    return re.search(r'<form method="get" class="filters".*?</form>', body, re.S).group(0)


def test_navigation_urls_belong_to_each_village(app, client, make_village, make_user, login):
    a = make_village("51.07.01.2003", slug="menanga")
    b = make_village("51.07.06.2003", slug="bebandem")
    support.enable_plugins(app, a, "smart_government")
    support.enable_plugins(app, b, "smart_government")
    for village in (a, b, a, b):  # the second round is served from the remembered URLs
        links = _nav(client.get(f"/desa/{village.slug}/").get_data(as_text=True))
        assert links and all(f"/desa/{village.slug}/" in link for link in links if "/desa/" in link)
        other = b if village is a else a
        assert not any(f"/desa/{other.slug}/" in link for link in links)
    # the operator of A sees A's staff entries, and the same remembered URLs serve B's anonymous page
    operator = make_user("operator", a)
    login(operator)
    staff = _nav(client.get("/desa/menanga/").get_data(as_text=True))
    assert "/desa/menanga/hamlets" in staff
    assert "/desa/bebandem/hamlets" not in _nav(client.get("/desa/bebandem/").get_data(as_text=True))


def test_navigation_follows_a_plugin_enabled_and_disabled(app, client, make_village):
    village = make_village("51.07.01.2003", slug="menanga")
    assert "/desa/menanga/smart_government/" not in _nav(client.get("/desa/menanga/").get_data(as_text=True))
    support.enable_plugins(app, village, "smart_government")
    assert "/desa/menanga/smart_government/" in _nav(client.get("/desa/menanga/").get_data(as_text=True))
    support.disable_plugins(app, village, "smart_government")
    assert "/desa/menanga/smart_government/" not in _nav(client.get("/desa/menanga/").get_data(as_text=True))


def test_residents_filters_per_village_language_and_hamlet(app, client, make_village, make_user, login):
    from desacerdas.services import tenants as tenant_svc

    a = make_village("51.07.01.2003", slug="menanga")
    b = make_village("51.07.06.2003", slug="bebandem")
    with app.app_context():
        tenant_svc.add_hamlet(a.tenant(), "Banjar Kaja")
        tenant_svc.add_hamlet(a.tenant(), "Banjar Kelod")
        tenant_svc.add_hamlet(b.tenant(), "Dusun Tengah")
    support.enable_plugins(app, a, "smart_government")
    support.enable_plugins(app, b, "smart_government")
    op_a, op_b = make_user("operator", a), make_user("operator", b)
    page = "/desa/{}/smart_government/residents"

    login(op_a)
    first = _filters(client.get(page.format("menanga")).get_data(as_text=True))
    again = _filters(client.get(page.format("menanga")).get_data(as_text=True))
    assert first == again and "Banjar Kaja" in first and "Dusun Tengah" not in first
    chosen = _filters(client.get(page.format("menanga") + "?sex=female").get_data(as_text=True))
    assert re.search(r'<option selected value="female">|<option value="female" selected', chosen)
    assert not re.search(r'selected[^>]*value="female"|value="female" selected', first)
    typed = _filters(client.get(page.format("menanga") + "?q=Wayan%22%3E").get_data(as_text=True))
    assert 'value="Wayan&#34;&gt;"' in typed or "Wayan&#34;&gt;" in typed  # escaped, never raw
    indonesian = _filters(client.get(page.format("menanga") + "?lang=id").get_data(as_text=True))
    assert indonesian != first
    client.get("/?lang=en")

    login(op_b)
    other = _filters(client.get(page.format("bebandem")).get_data(as_text=True))
    assert "Dusun Tengah" in other and "Banjar Kaja" not in other

    head = make_user("hamlet_head", a)  # the first hamlet by name: Banjar Kaja
    login(head)
    scoped = _filters(client.get(page.format("menanga")).get_data(as_text=True))
    assert "Banjar Kaja" in scoped and "Banjar Kelod" not in scoped


def test_resident_row_links_open_each_resident(app, client, make_village, make_user, login):
    from datetime import date

    from smart_government.registry import create_resident
    from smart_government.registry.models import Sex

    from desacerdas.tenancy import tenant_session

    village = make_village("51.07.01.2003", slug="menanga")
    support.enable_plugins(app, village, "smart_government")
    with app.app_context(), tenant_session(village.id) as s:
        for name, day in (("I Wayan Uji", 1), ("Ni Made Uji", 2)):
            create_resident(s, name=name, birth_date=date(1990, 5, day), sex=Sex.MALE)
        s.commit()
    login(make_user("operator", village))
    body = client.get("/desa/menanga/smart_government/residents").get_data(as_text=True)
    links = re.findall(r'href="(/desa/menanga/smart_government/residents/[0-9a-f-]{36})"', body)
    assert len(links) == 2
    for link in links:
        assert client.get(link).status_code == 200
