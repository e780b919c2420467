"""Platform admin village pages: list, filters, paging, create by code, status changes, access."""

from __future__ import annotations

import re

import pytest

from desacerdas.extensions import db
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc


def text(resp) -> str:  # noqa: ANN001
    return resp.get_data(as_text=True)


def listed_names(resp) -> list[str]:  # noqa: ANN001
    """Names of the villages in the list (each row links to its detail page)."""
    return re.findall(r'<a href="/admin/villages/[a-z0-9-]+"><strong>([^<]+)</strong>', text(resp))


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/villages"),
        ("get", "/admin/villages/new"),
        ("get", "/admin/villages/menanga"),
        ("get", "/admin/audit"),
        ("post", "/admin/villages/menanga/suspend"),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, menanga, method, path):
    resp = getattr(client, method)(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/auth/login")
    assert "next=" in resp.headers["Location"]


@pytest.mark.parametrize("role", ["village_head", "operator", "resident", "facilitator"])
def test_other_roles_get_403(client, menanga, make_user, login, role):
    login(make_user(role, menanga))
    for path in ("/admin/villages", "/admin/villages/new", f"/admin/villages/{menanga.slug}", "/admin/audit"):
        assert client.get(path).status_code == 403, path
    resp = client.post(f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "x"})
    assert resp.status_code == 403
    assert client.post("/admin/villages/new", data={"code": "51.07.04.2007"}).status_code == 403


def test_user_without_roles_gets_403(client, make_user, login):
    login(make_user())
    assert client.get("/admin/villages").status_code == 403


def test_navigation_links_to_admin_pages(admin_client):
    page = text(admin_client.get("/admin/villages"))
    assert 'href="/admin/villages"' in page and 'href="/admin/audit"' in page


# --- list, search, filters, paging -------------------------------------------------------------


def test_list_links_each_village_to_its_detail(admin_client, villages):
    resp = admin_client.get("/admin/villages")
    assert resp.status_code == 200
    assert sorted(listed_names(resp)) == sorted(villages)
    assert "4 villages" in text(resp)
    menanga = villages["Menanga"]
    detail = admin_client.get(f"/admin/villages/{menanga.slug}")
    assert detail.status_code == 200
    assert menanga.code in text(detail)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("menang", ["Menanga"]),
        ("MENANGA", ["Menanga"]),
        ("51.06", ["Apuan"]),
        ("bebandem", ["Bebandem"]),
        ("nothing-like-this", []),
    ],
)
def test_search(admin_client, villages, q, expected):
    resp = admin_client.get("/admin/villages", query_string={"q": q})
    assert resp.status_code == 200
    assert listed_names(resp) == expected
    if not expected:
        assert "No village matches." in text(resp)


def test_filter_selects_are_populated_from_the_data(admin_client, villages):
    page = text(admin_client.get("/admin/villages"))
    assert '<option value="51.07">Kabupaten Karangasem (51.07)</option>' in page
    assert '<option value="51.06">Kabupaten Bangli (51.06)</option>' in page
    # Two regencies: districts carry their regency so equal names stay distinguishable.
    assert '<option value="51.07.01">Rendang · Kabupaten Karangasem</option>' in page
    assert '<option value="51.06.01">Susut · Kabupaten Bangli</option>' in page
    assert '<option value="51.07.04"' not in page  # no village there yet, so no option


def test_filter_by_regency_narrows_the_districts(admin_client, villages):
    resp = admin_client.get("/admin/villages", query_string={"regency": "51.07"})
    assert sorted(listed_names(resp)) == ["Bebandem", "Menanga", "Rendang"]
    page = text(resp)
    assert '<option selected value="51.07">' in page
    assert '<option value="51.07.01">Rendang</option>' in page
    assert "51.06.01" not in page


def test_filter_by_district(admin_client, villages):
    resp = admin_client.get("/admin/villages", query_string={"district": "51.07.01"})
    assert sorted(listed_names(resp)) == ["Menanga", "Rendang"]
    # A district outside the chosen regency is ignored rather than yielding a confusing empty list.
    resp = admin_client.get("/admin/villages", query_string={"regency": "51.06", "district": "51.07.01"})
    assert listed_names(resp) == ["Apuan"]


def test_bogus_filter_values_are_ignored(admin_client, villages):
    resp = admin_client.get("/admin/villages", query_string={"regency": "99", "status": "bogus", "page": "x"})
    assert resp.status_code == 200
    assert len(listed_names(resp)) == 4


def test_status_filter(app, admin_client, villages):
    with app.app_context():
        tenant_svc.suspend(tenant_svc.get_by_slug(villages["Apuan"].slug), "audit")
        tenant_svc.archive(tenant_svc.get_by_slug(villages["Bebandem"].slug))
    assert listed_names(admin_client.get("/admin/villages?status=suspended")) == ["Apuan"]
    assert listed_names(admin_client.get("/admin/villages?status=archived")) == ["Bebandem"]
    assert sorted(listed_names(admin_client.get("/admin/villages?status=active"))) == ["Menanga", "Rendang"]
    page = text(admin_client.get("/admin/villages"))
    assert 'class="badge suspended"' in page and 'class="badge archived"' in page


def test_pagination_keeps_filters(app, admin_client, villages, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = admin_client.get("/admin/villages")
    assert len(listed_names(first)) == 2
    assert "Page 1 of 2" in text(first)
    assert 'href="/admin/villages?page=2" rel="next"' in text(first)
    second = admin_client.get("/admin/villages?page=2")
    assert len(listed_names(second)) == 2
    assert set(listed_names(first)).isdisjoint(listed_names(second))
    assert 'rel="prev"' in text(second) and 'rel="next"' not in text(second)
    assert listed_names(admin_client.get("/admin/villages?page=9")) == []

    filtered = admin_client.get("/admin/villages?regency=51.07")
    assert "Page 1 of 2" in text(filtered)
    assert re.search(r'href="/admin/villages\?regency=51\.07&amp;page=2" rel="next"', text(filtered))
    assert len(listed_names(admin_client.get("/admin/villages?regency=51.07&page=2"))) == 1


# --- create by code ----------------------------------------------------------------------------


def test_create_by_code(app, admin_client):
    resp = admin_client.post("/admin/villages/new", data={"code": " 51.07.04.2007 "})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/admin/villages/seraya-barat"
    page = text(admin_client.get(resp.headers["Location"]))
    assert "Village Seraya Barat (51.07.04.2007) is provisioned." in page
    for expected in ("Seraya Barat", "Karangasem", "Kabupaten Karangasem", "Bali", "51.07.04.2007"):
        assert expected in page
    with app.app_context():
        tenant = tenant_svc.get_by_code("51.07.04.2007")
        assert tenant.regency_name == "Kabupaten Karangasem"
        assert tenant.status.value == "active"
    assert admin_client.get("/desa/seraya-barat/").status_code == 200


def test_create_with_undotted_code_and_own_slug(app, admin_client):
    resp = admin_client.post("/admin/villages/new", data={"code": "5107042007", "slug": "seraya-barat-kr"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/admin/villages/seraya-barat-kr"


def test_create_form_is_on_the_list_page(admin_client):
    page = text(admin_client.get("/admin/villages"))
    assert 'action="/admin/villages/new"' in page
    assert 'name="code"' in page
    assert admin_client.get("/admin/villages/new").status_code == 200


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("51.07.x", "&#39;51.07.x&#39; is not a village code: expected four dot-separated parts"),
        ("hello", "&#39;hello&#39; is not a village code"),
        ("51.07.04.2999", "No village has the code 51.07.04.2999 in the Kemendagri 2025 data."),
        ("51.07.04", "is not a village code"),
    ],
)
def test_create_refuses_bad_and_unknown_codes(admin_client, tenant_count, code, message):
    resp = admin_client.post("/admin/villages/new", data={"code": code})
    assert resp.status_code == 400
    page = text(resp)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert tenant_count() == 0


def test_create_requires_a_code(admin_client, tenant_count):
    resp = admin_client.post("/admin/villages/new", data={"code": ""})
    assert resp.status_code == 400
    assert 'class="error"' in text(resp)
    assert tenant_count() == 0


def test_create_duplicate_is_409(admin_client, menanga, tenant_count):
    resp = admin_client.post("/admin/villages/new", data={"code": menanga.code})
    assert resp.status_code == 409
    assert "The village 51.07.01.2003 (Menanga) already exists." in text(resp)
    assert tenant_count() == 1


def test_create_with_taken_or_bad_slug(admin_client, menanga, tenant_count):
    resp = admin_client.post("/admin/villages/new", data={"code": "51.07.04.2007", "slug": menanga.slug})
    assert resp.status_code == 409
    assert "already used by another village" in text(resp)
    resp = admin_client.post("/admin/villages/new", data={"code": "51.07.04.2007", "slug": "Bad Slug!"})
    assert resp.status_code == 400
    assert "is not a valid slug" in text(resp)
    assert tenant_count() == 1


def test_provisioning_is_audited(app, admin, admin_client):
    admin_client.post("/admin/villages/new", data={"code": "51.07.04.2007"})
    page = text(admin_client.get("/admin/villages/seraya-barat"))
    assert "tenant.provisioned" in page
    assert admin.email in page


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_hamlets_members_pillars_and_events(app, admin_client, menanga, make_user):
    head = make_user("village_head", menanga, email="perbekel@menanga.test")
    with app.app_context():
        tenant = tenant_svc.get_by_slug(menanga.slug)
        tenant_svc.add_hamlet(tenant, "Banjar Dinas Menanga")
        tenant_svc.add_hamlet(tenant, "Banjar Dinas Kubakal")
        db.session.commit()
        rollout.enable(tenant, "smart_government", override_reason="test")
    resp = admin_client.get(f"/admin/villages/{menanga.slug}")
    page = text(resp)
    assert resp.status_code == 200
    expected_texts = (
        "51.07.01.2003",
        "Rendang",
        "Kabupaten Karangasem",
        "Bali",
        "Active",
        "Banjar Dinas Kubakal, Banjar Dinas Menanga",
        "Smart government",
        head.email,
        "Village head",
        "membership.granted",
        "hamlet.created",
        "tenant.provisioned",
    )
    for expected in expected_texts:
        assert expected in page, expected
    assert 'action="/admin/villages/menanga/suspend"' in page
    assert 'action="/admin/villages/menanga/archive"' in page
    assert 'href="/admin/audit?village=51.07.01.2003"' in page


def test_unknown_village_detail_is_404(admin_client):
    assert admin_client.get("/admin/villages/nowhere").status_code == 404
    assert admin_client.post("/admin/villages/nowhere/resume").status_code == 404


# --- suspend, resume, archive ------------------------------------------------------------------


def test_suspend_needs_a_reason(admin_client, menanga, status_of):
    resp = admin_client.post(f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "  "})
    assert resp.status_code == 400
    assert 'aria-invalid="true"' in text(resp)
    assert status_of(menanga.slug) == "active"


def test_suspend_and_resume(client, admin_client, menanga, make_user, login, status_of):
    resp = admin_client.post(
        f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "Unpaid hosting"}
    )
    assert resp.status_code == 302
    detail = text(admin_client.get(resp.headers["Location"]))
    assert "Menanga is suspended." in detail
    assert "Unpaid hosting" in detail
    assert 'action="/admin/villages/menanga/resume"' in detail
    assert status_of(menanga.slug) == "suspended"

    # The platform admin still sees the village; everyone else gets the "suspended" page.
    assert admin_client.get(f"/desa/{menanga.slug}/").status_code == 200
    resident_client = client.application.test_client()
    login(make_user("resident", menanga), resident_client)
    anonymous = client.application.test_client()
    for c in (anonymous, resident_client):
        resp = c.get(f"/desa/{menanga.slug}/")
        assert resp.status_code == 403
        assert "suspended" in text(resp)

    # Suspending twice is a conflict, not a silent success.
    again = admin_client.post(f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "again"})
    assert again.status_code == 409
    assert "already suspended" in text(again)

    resp = admin_client.post(f"/admin/villages/{menanga.slug}/resume")
    assert resp.status_code == 302
    assert "Menanga is active again." in text(admin_client.get(resp.headers["Location"]))
    assert status_of(menanga.slug) == "active"
    assert anonymous.get(f"/desa/{menanga.slug}/").status_code == 200


def test_archive_hides_the_village_from_everyone_but_platform_admins(
    client, admin_client, menanga, make_user, login, status_of
):
    head_client = client.application.test_client()
    login(make_user("village_head", menanga), head_client)
    resp = admin_client.post(f"/admin/villages/{menanga.slug}/archive", data={"archive-reason": "Merged"})
    assert resp.status_code == 302
    assert "Menanga is archived." in text(admin_client.get(resp.headers["Location"]))
    assert status_of(menanga.slug) == "archived"

    anonymous = client.application.test_client()
    for c in (anonymous, head_client):
        assert c.get(f"/desa/{menanga.slug}/").status_code == 404
        assert c.get(f"/desa/{menanga.slug}/dashboard").status_code in (302, 404)
    assert head_client.get(f"/desa/{menanga.slug}/dashboard").status_code == 404
    assert admin_client.get(f"/desa/{menanga.slug}/").status_code == 200

    # Archived: only "resume" is offered; archiving again is refused.
    detail = text(admin_client.get(f"/admin/villages/{menanga.slug}"))
    assert 'action="/admin/villages/menanga/resume"' in detail
    assert 'action="/admin/villages/menanga/archive"' not in detail
    assert admin_client.post(f"/admin/villages/{menanga.slug}/archive").status_code == 409
    refused = admin_client.post(f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "x"})
    assert refused.status_code == 409
    assert "Menanga is archived; resume it first." in text(refused)

    assert admin_client.post(f"/admin/villages/{menanga.slug}/resume").status_code == 302
    assert anonymous.get(f"/desa/{menanga.slug}/").status_code == 200


def test_status_changes_are_audited_with_the_actor(app, admin, admin_client, menanga):
    admin_client.post(f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "Unpaid"})
    admin_client.post(f"/admin/villages/{menanga.slug}/resume")
    page = text(admin_client.get(f"/admin/audit?village={menanga.slug}&action=tenant."))
    # In words, newest first, each with the admin who did it; the reason given is shown with its label.
    rows = re.findall(
        r'<strong data-action="(tenant\.[a-z_]+)">([^<]+)</strong>\s*(?:·[^<]*<a[^>]*>[^<]*</a>)?'
        r"\s*<br><small>([^<]*)</small>",
        page,
    )
    assert [(code, words) for code, words, _ in rows][:2] == [
        ("tenant.resumed", "Village resumed"),
        ("tenant.suspended", "Village suspended"),
    ]
    assert all(admin.email in who for _, _, who in rows[:2])
    assert "Reason: Unpaid" in rows[1][2]
    assert "reason=Unpaid" not in page


# --- regency admin (read-only, own area) --------------------------------------------------------


@pytest.fixture
def regency_client(client, make_user, login):
    return login(make_user("regency_admin", area="51.07"))


def test_regency_admin_sees_only_their_area_read_only(app, regency_client, villages):
    with app.app_context():
        tenant_svc.archive(tenant_svc.get_by_slug(villages["Rendang"].slug))
    resp = regency_client.get("/admin/villages")
    assert resp.status_code == 200
    assert sorted(listed_names(resp)) == ["Bebandem", "Menanga"]  # no Bangli, no archived village
    page = text(resp)
    assert "Read-only" in page
    assert 'action="/admin/villages/new"' not in page
    assert "51.06" not in page
    assert '<option value="archived">' not in page

    detail = regency_client.get(f"/admin/villages/{villages['Menanga'].slug}")
    assert detail.status_code == 200
    assert "/suspend" not in text(detail) and "/archive" not in text(detail)
    assert regency_client.get(f"/admin/villages/{villages['Apuan'].slug}").status_code == 404
    assert regency_client.get(f"/admin/villages/{villages['Rendang'].slug}").status_code == 404


def test_regency_admin_cannot_change_anything(regency_client, villages, status_of, tenant_count):
    slug = villages["Menanga"].slug
    resp = regency_client.post(f"/admin/villages/{slug}/suspend", data={"suspend-reason": "x"})
    assert resp.status_code == 403
    assert regency_client.post(f"/admin/villages/{slug}/archive").status_code == 403
    assert regency_client.post("/admin/villages/new", data={"code": "51.07.04.2007"}).status_code == 403
    assert regency_client.get("/admin/villages/new").status_code == 403
    assert status_of(slug) == "active"
    assert tenant_count() == len(villages)


# --- CSRF --------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app, db_urls, tmp_path_factory, _migrated):
    return make_app(db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True)


def _token(page: str) -> str:
    match = re.search(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, page[:500]
    return match.group(1)


def test_posts_without_csrf_token_are_refused(csrf_app, admin, menanga, tenant_count, status_of):
    c = csrf_app.test_client()
    login_page = text(c.get("/auth/login"))
    resp = c.post("/auth/login", data={"login": admin.email, "password": admin.password})
    assert resp.status_code == 400  # even signing in needs the token
    credentials = {"login": admin.email, "password": admin.password}
    resp = c.post("/auth/login", data={**credentials, "csrf_token": _token(login_page)})
    assert resp.status_code == 302

    resp = c.post("/admin/villages/new", data={"code": "51.07.04.2007"})
    assert resp.status_code == 400
    assert "The form expired or was not sent from this site." in text(resp)
    assert tenant_count() == 1
    resp = c.post(f"/admin/villages/{menanga.slug}/suspend", data={"suspend-reason": "x"})
    assert resp.status_code == 400
    assert status_of(menanga.slug) == "active"

    # With the page's token the same requests go through.
    token = _token(text(c.get("/admin/villages/new")))
    resp = c.post("/admin/villages/new", data={"code": "51.07.04.2007", "csrf_token": token})
    assert resp.status_code == 302
    detail = text(c.get(f"/admin/villages/{menanga.slug}"))
    suspend_token = re.search(r'name="suspend-csrf_token" type="hidden" value="([^"]+)"', detail).group(1)
    resp = c.post(
        f"/admin/villages/{menanga.slug}/suspend",
        data={"suspend-reason": "Audit", "suspend-csrf_token": suspend_token},
    )
    assert resp.status_code == 302
    assert status_of(menanga.slug) == "suspended"


def test_tenants_are_listed_in_a_stable_order(app, admin_client, villages):
    with app.app_context():
        expected = [t.name for t in db.session.scalars(tenant_svc.search())]
    assert listed_names(admin_client.get("/admin/villages")) == expected


def test_forms_carry_no_unset_attributes(admin_client, menanga):
    """Unset widget attributes must not be printed as the text "None" (placeholder="None")."""
    for path in ("/admin/villages", "/admin/villages/new", f"/admin/villages/{menanga.slug}", "/admin/audit"):
        page = text(admin_client.get(path))
        assert '="None"' not in page, path
    page = text(admin_client.post("/admin/villages/new", data={"code": "x"}))
    assert 'aria-describedby="code-hint code-err"' in page


def test_a_list_longer_than_the_count_cap_is_paged_without_counting_it_all(
    app, admin_client, villages, monkeypatch
):
    """The list of every village of a country counts at most COUNT_CAP of them: beyond it the page
    says "more than", shows no last page, and "next" still leads on until the end."""
    from desacerdas.web import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    first = text(admin_client.get("/admin/villages"))
    assert "More than 2 villages" in first and "Page 1</span>" in first and "Page 1 of" not in first
    assert len(listed_names(admin_client.get("/admin/villages"))) == 3 and 'rel="next"' in first
    second = admin_client.get("/admin/villages?page=2")
    assert len(listed_names(second)) == 1 and 'rel="next"' not in text(second)
    names = listed_names(admin_client.get("/admin/villages")) + listed_names(second)
    assert sorted(names) == sorted(villages)
    filtered = text(admin_client.get("/admin/villages", query_string={"regency": "51.07"}))
    assert "More than 2 villages" in filtered  # Menanga, Rendang, Bebandem
    assert "1 village" in text(admin_client.get("/admin/villages", query_string={"regency": "51.06"}))


def test_many_districts_are_offered_once_a_regency_is_chosen(admin_client, villages, monkeypatch):
    """A district menu of a whole country would be thousands long: above MENU_DISTRICTS it waits
    for a regency; a link naming only a district still works and picks its regency."""
    from desacerdas.services import areas

    monkeypatch.setattr(areas, "MENU_DISTRICTS", 2)
    page = text(admin_client.get("/admin/villages"))
    assert '<option value="51.07">Kabupaten Karangasem (51.07)</option>' in page
    assert '<option value="51.07.01"' not in page and '<option value="51.06.01"' not in page
    chosen = admin_client.get("/admin/villages", query_string={"regency": "51.07"})
    assert '<option value="51.07.01">Rendang</option>' in text(chosen)
    only_district = admin_client.get("/admin/villages", query_string={"district": "51.07.01"})
    assert sorted(listed_names(only_district)) == ["Menanga", "Rendang"]
    assert '<option selected value="51.07">' in text(only_district)
    assert '<option selected value="51.07.01">Rendang</option>' in text(only_district)
