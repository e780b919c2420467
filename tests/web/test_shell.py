"""The page shell around every page: language links, village home page, error pages."""

from __future__ import annotations

from desacerdas.extensions import db
from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc


def test_language_links_keep_the_current_filters(admin_client, menanga):
    page = admin_client.get("/admin/villages?q=men&regency=51.07").get_data(as_text=True)
    assert 'href="?q=men&amp;regency=51.07&amp;lang=id" hreflang="id"' in page
    resp = admin_client.get("/admin/villages?q=men&lang=id")
    assert '<html lang="id">' in resp.get_data(as_text=True)
    # The choice sticks for the next pages.
    assert '<html lang="id">' in admin_client.get("/admin/audit").get_data(as_text=True)


def test_village_home_is_small_and_lists_pillars_and_hamlets(app, client, menanga):
    with app.app_context():
        tenant = tenant_svc.get_by_slug(menanga.slug)
        tenant_svc.add_hamlet(tenant, "Banjar Dinas Menanga")
        db.session.commit()
        rollout.enable(tenant, "smart_government", override_reason="test")
    resp = client.get(f"/desa/{menanga.slug}/")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Smart government" in page and "Banjar Dinas Menanga" in page
    assert 'href="/auth/login?next=/desa/menanga/"' in page
    assert "<script" not in page  # works without JavaScript
    assert len(resp.data) < 10_000


def test_village_home_without_services_says_so(client, menanga):
    page = client.get(f"/desa/{menanga.slug}/").get_data(as_text=True)
    assert "has not opened digital services" in page


def test_stylesheet_is_small_and_self_contained(client):
    resp = client.get("/static/css/site.css")
    css = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert len(resp.data) < 12_000
    assert "@import" not in css and "url(" not in css and "@font-face" not in css  # no CDN, no web fonts


def test_error_pages_use_the_shell(client, menanga, make_user, login):
    resp = client.get("/desa/nowhere/")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert 'class="oops"' in page and "This page does not exist." in page
    assert 'href="/"' in page  # back to the platform's start page
    login(make_user("resident", menanga))
    resp = client.get(f"/desa/{menanga.slug}/dashboard")
    assert resp.status_code == 403
    page = resp.get_data(as_text=True)
    assert "You are not allowed to open this page." in page
    assert '<a href="/desa/menanga/">' in page  # inside a village: back to its home
