"""The rollout board: states per village and plugin, scope, filters, paging, detail and CSV."""

from __future__ import annotations

import csv
import io

from .helpers import board_rows

KARANGASEM = {"Menanga", "Rendang", "Bebandem", "Bunutan"}


def test_board_shows_each_state_in_rollout_order(rclient, villages, enable, make_user, login, fakes):
    enable(villages["menanga"], "alpha")
    enable(villages["rendang"], "beta")
    fakes["alpha"].blocked_in.add("bunutan")
    login(make_user("platform_admin"), rclient)
    page = rclient.get("/rollout")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Test alpha") < html.index("Test beta") < html.index("Test gamma")
    rows = board_rows(html)
    assert rows["Menanga"] == ["enabled", "ready", "blocked"]
    assert rows["Rendang"] == ["enabled", "enabled", "blocked"]
    assert rows["Bebandem"] == ["ready", "ready", "blocked"]
    # beta's own checks pass in Bunutan, but it needs alpha, which is blocked there.
    assert rows["Bunutan"] == ["blocked", "blocked", "blocked"]
    assert set(rows) == KARANGASEM | {"Apuan"}
    assert 'href="/rollout/village/menanga/gamma"' in html
    assert 'href="/rollout/village/menanga/beta"' not in html  # only blocked cells link to a detail


def test_blocked_cell_detail_lists_failing_checks(rclient, villages, make_user, login, fakes):
    fakes["alpha"].blocked_in.add("bunutan")
    login(make_user("regency_admin", area="51.07"), rclient)
    page = rclient.get("/rollout/village/bunutan/beta")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "alpha prerequisites" in html and "Do the thing first." in html
    assert "Test alpha" in html and "Test beta" in html  # the plan: the requirement, then beta
    assert rclient.get("/rollout/village/apuan/gamma").status_code == 404  # another regency
    assert rclient.get("/rollout/village/bunutan/nope").status_code == 404
    assert rclient.get("/rollout/village/nowhere/gamma").status_code == 404


def test_regency_admin_sees_only_their_regency(rclient, villages, make_user, login):
    login(make_user("regency_admin", area="51.07"), rclient)
    html = rclient.get("/rollout").get_data(as_text=True)
    assert set(board_rows(html)) == KARANGASEM
    assert "Apuan" not in html


def test_facilitator_sees_only_the_villages_they_accompany(rclient, villages, make_user, grant, login):
    facilitator = make_user("facilitator", villages["menanga"])
    grant(facilitator, "facilitator", villages["bunutan"])
    grant(facilitator, "resident", villages["rendang"])  # living somewhere adds no row
    login(facilitator, rclient)
    html = rclient.get("/rollout").get_data(as_text=True)
    assert set(board_rows(html)) == {"Menanga", "Bunutan"}
    assert 'href="/rollout"' in html  # the navigation entry


def test_others_get_403_and_anonymous_is_sent_to_sign_in(rclient, villages, make_user, login):
    anonymous = rclient.get("/rollout")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert rclient.get("/rollout.csv").status_code == 302
    assert rclient.get("/rollout/indicators").status_code == 302
    for role in ("resident", "operator", "village_head"):
        person = make_user(role, villages["menanga"])
        with rclient.session_transaction() as s:
            s.clear()
        login(person, rclient)
        assert rclient.get("/rollout").status_code == 403, role
        assert rclient.get("/rollout.csv").status_code == 403, role
        assert rclient.get("/rollout/village/menanga/gamma").status_code == 403, role
        assert rclient.post("/rollout/bulk", data={"plugin": "alpha"}).status_code == 403, role
        home = rclient.get("/desa/menanga/").get_data(as_text=True)
        assert 'href="/rollout"' not in home


def test_filters_by_regency_district_and_facilitator(rclient, villages, make_user, grant, login):
    facilitator = make_user("facilitator", villages["bebandem"])
    grant(facilitator, "facilitator", villages["apuan"])
    login(make_user("platform_admin"), rclient)
    html = rclient.get("/rollout?regency=51.06").get_data(as_text=True)
    assert set(board_rows(html)) == {"Apuan"}
    assert "Kabupaten Karangasem (51.07)" in html  # offered as a choice
    html = rclient.get("/rollout?regency=51.07&district=51.07.01").get_data(as_text=True)
    assert set(board_rows(html)) == {"Menanga", "Rendang"}
    html = rclient.get(f"/rollout?facilitator={facilitator.id}").get_data(as_text=True)
    assert set(board_rows(html)) == {"Bebandem", "Apuan"}
    assert f'<option selected value="{facilitator.id}">' in html
    # Values that are not offered are ignored rather than hiding everything.
    assert len(board_rows(rclient.get("/rollout?regency=99.99&facilitator=x").get_data(as_text=True))) == 5


def test_pages_keep_the_filters(rapp, rclient, villages, make_user, login, monkeypatch):
    monkeypatch.setitem(rapp.config, "PAGE_SIZE", 3)
    login(make_user("platform_admin"), rclient)
    first = rclient.get("/rollout?regency=51.07").get_data(as_text=True)
    assert len(board_rows(first)) == 3 and "Page 1 of 2" in first
    assert "regency=51.07" in first and "page=2" in first
    second = rclient.get("/rollout?regency=51.07&page=2").get_data(as_text=True)
    assert len(board_rows(second)) == 1
    assert set(board_rows(first)) | set(board_rows(second)) == KARANGASEM
    assert board_rows(rclient.get("/rollout?page=99").get_data(as_text=True)) == {}


def test_csv_export_has_every_row_of_the_filter(
    rapp, rclient, villages, enable, make_user, login, monkeypatch
):
    monkeypatch.setitem(rapp.config, "PAGE_SIZE", 1)  # the export is not paged
    enable(villages["menanga"], "alpha")
    login(make_user("regency_admin", area="51.07"), rclient)
    resp = rclient.get("/rollout.csv?district=51.07.01")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert list(rows[0]) == [
        "code",
        "slug",
        "village",
        "district",
        "regency",
        "alpha",
        "beta",
        "gamma",
        "blocked_by",
    ]
    by_slug = {r["slug"]: r for r in rows}
    assert set(by_slug) == {"menanga", "rendang"}
    assert by_slug["menanga"]["alpha"] == "enabled" and by_slug["menanga"]["beta"] == "ready"
    assert by_slug["menanga"]["gamma"] == "blocked"
    assert by_slug["menanga"]["blocked_by"] == "gamma: gamma prerequisites"
    assert by_slug["rendang"]["code"] == "51.07.01.2002" and by_slug["rendang"]["district"] == "Rendang"
    everything = rclient.get("/rollout.csv").get_data(as_text=True)
    assert "apuan" not in everything and "bebandem" in everything  # scope holds in the export too


def test_query_string_cannot_steer_url_building(rapp, rclient, make_user, login):
    login(make_user("platform_admin"), rclient)
    for query in ("endpoint=x", "_method=POST", "_external=1&_scheme=javascript", "values=1"):
        resp = rclient.get(f"/rollout?{query}")
        assert resp.status_code == 200, query
        assert "javascript:" not in resp.get_data(as_text=True)
