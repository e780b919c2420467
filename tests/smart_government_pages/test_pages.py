"""The registry's pages: list, search and filters, detail, family, forms, statistics, scope."""

from __future__ import annotations

import re

from .conftest import MENANGA_NIK_MAN, prepare


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def count(resp) -> int:  # noqa: ANN001
    return int(re.search(r'id="count">(\d+)', text(resp)).group(1))


def test_pages_are_404_where_the_plugin_is_not_enabled(app, bebandem, make_user, login):
    village = prepare(app, bebandem, enable=False)
    client = login(make_user("operator", bebandem))
    for path in ("residents", f"residents/{village.residents['wayan']}", "statistics", "residents/new"):
        assert client.get(village.page(path)).status_code == 404, path


def test_list_search_and_filters(pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    v = pop_menanga
    resp = client.get(v.page("residents"))
    assert resp.status_code == 200 and count(resp) == 3
    page = text(client.get(v.page("residents?q=kadek")))  # accent-insensitive partial name
    assert "Ni Kadék Ayu" in page and "I Wayan" not in page
    assert count(client.get(v.page(f"residents?hamlet={v.kelod}"))) == 1
    assert count(client.get(v.page("residents?sex=female"))) == 1
    assert count(client.get(v.page("residents?age=5-14"))) == 1
    assert count(client.get(v.page("residents?status=died"))) == 0
    names = re.findall(r"<strong>([^<]+)</strong>", text(client.get(v.page("residents?sort=birth_date"))))
    assert names[:3] == ["I Wayan Sudarsana", "Ni Kadék Ayu", "I Made Kelod"]
    assert client.get(v.page("residents?age=nonsense")).status_code == 400


def test_detail_and_family_pages(pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    v = pop_menanga
    page = text(client.get(v.page(f"residents/{v.residents['wayan']}")))
    assert "I Wayan Sudarsana" in page and f"families/{v.family}" in page
    family = text(client.get(v.page(f"families/{v.family}")))
    assert "I Wayan Sudarsana" in family and "Ni Kadék Ayu" in family and "I Made Kelod" not in family


def test_add_resident_with_bad_nik_shows_the_message_then_a_good_one(pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    v = pop_menanga
    form = {"name": "I Ketut Baru", "birth_date": "1990-05-17", "sex": "male", "hamlet_id": str(v.kaja)}
    bad = client.post(v.page("residents/new"), data={**form, "nik": "12345"})
    assert bad.status_code == 400 and 'role="alert"' in text(bad) and "16" in text(bad)
    good = client.post(v.page("residents/new"), data={**form, "nik": MENANGA_NIK_MAN}, follow_redirects=True)
    assert good.status_code == 200 and "I Ketut Baru" in text(good) and MENANGA_NIK_MAN in text(good)
    again = client.post(v.page("residents/new"), data={**form, "nik": MENANGA_NIK_MAN})
    assert again.status_code == 409 and "already registered" in text(again)


def test_the_form_needs_a_csrf_token_and_the_edit_permission(app, pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    before = app.config.get("WTF_CSRF_ENABLED")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post(pop_menanga.page("residents/new"), data={"name": "X", "birth_date": "1990-01-01"})
        assert resp.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = before
    facilitator = login(make_user("facilitator", menanga))
    assert facilitator.get(pop_menanga.page("residents")).status_code == 200
    assert facilitator.get(pop_menanga.page("residents/new")).status_code == 403


def test_record_event_changes_the_status_and_refuses_bad_dates(pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    v = pop_menanga
    url = v.page(f"residents/{v.residents['wayan']}/events")
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"kind": "death", "event_date": "1980-01-01"})
    assert bad.status_code == 400 and "before the resident was born" in text(bad)
    ok = client.post(url, data={"kind": "death", "event_date": "2024-02-01"}, follow_redirects=True)
    assert ok.status_code == 200
    assert count(client.get(v.page("residents?status=died"))) == 1
    dead = client.post(url, data={"kind": "move_out", "event_date": "2024-03-01"})
    assert dead.status_code == 409


def test_hamlet_head_sees_and_edits_only_their_hamlet(pop_menanga, menanga, make_user, login):
    v = pop_menanga
    client = login(make_user("hamlet_head", menanga))  # the first hamlet by name: Kaja
    resp = client.get(v.page("residents"))
    assert count(resp) == 2 and "I Made Kelod" not in text(resp)
    assert client.get(v.page(f"residents/{v.residents['made']}")).status_code == 404
    assert client.get(v.page(f"residents/{v.residents['made']}/events")).status_code == 404
    stats = text(client.get(v.page("statistics")))
    assert re.search(r'id="total">2<', stats)
    form = {"name": "I Ketut Kelod", "birth_date": "2000-01-01", "sex": "male", "hamlet_id": str(v.kelod)}
    assert client.post(v.page("residents/new"), data=form).status_code == 403


def test_another_villages_ids_are_404(pop_menanga, pop_bebandem, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    other = pop_bebandem
    assert client.get(pop_menanga.page(f"residents/{other.residents['wayan']}")).status_code == 404
    assert client.get(pop_menanga.page(f"families/{other.family}")).status_code == 404
    assert client.get(other.page("residents")).status_code == 404  # not a member there


def test_statistics_totals_equal_the_list_count(pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    v = pop_menanga
    stats = client.get(v.page("statistics"))
    assert stats.status_code == 200 and "<svg" in text(stats)
    total = int(re.search(r'id="total">(\d+)<', text(stats)).group(1))
    living = int(re.search(r'id="living">(\d+)<', text(stats)).group(1))
    assert total == count(client.get(v.page("residents"))) == 3
    assert living == count(client.get(v.page("residents?status=living")))


def test_the_resident_page_leads_to_letters_and_the_account_and_uses_the_village_terms(
    app, pop_menanga, menanga, make_user, login
):
    from desacerdas.kit import terms

    with app.app_context():
        terms.update(menanga.tenant(), {"hamlet": "Banjar Dinas"})
    v = pop_menanga
    page = text(login(make_user("operator", menanga)).get(v.page(f"residents/{v.residents['wayan']}")))
    assert f"letters/counter?resident={v.residents['wayan']}" in page
    assert f"residents/{v.residents['wayan']}/account" in page
    assert "<dt>Banjar Dinas</dt>" in page
    listing = text(login(make_user("operator", menanga)).get(v.page("residents")))
    assert ">Banjar Dinas<" in listing
    kelian = login(make_user("hamlet_head", menanga, hamlet_id=v.kaja))
    own = text(kelian.get(v.page(f"residents/{v.residents['wayan']}")))
    assert "letters/counter" in own and "/account" not in own  # the counter yes, accounts are the office's


def test_the_menu_shows_each_feature_to_whoever_may_open_it(pop_menanga, menanga, client, make_user, login):
    base = f"/desa/{menanga.slug}/smart_government"

    def menu(c) -> list[str]:  # noqa: ANN001
        html = text(c.get(f"{base}/"))
        return [h.removeprefix(base) for h in re.findall(r'<a href="([^"]+)"', html) if h.startswith(base)]

    everything = ["/", "/residents", "/statistics", "/registrations", "/letters/requests"]
    assert menu(client)[:2] == ["/", "/masuk"]  # not signed in: the residents' sign-in
    operator = menu(login(make_user("operator", menanga)))
    assert operator[:5] == everything and "/letters/settings" not in operator and "/masuk" not in operator
    head = menu(login(make_user("village_head", menanga)))
    assert head[:7] == [*everything, "/letters/types", "/letters/settings"]
