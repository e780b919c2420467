"""The anonymous start page and every page offer "sign in"; a signed-in person gets no such link."""

from __future__ import annotations

import re

SIGN_IN = re.compile(r'<a[^>]*href="/auth/login"[^>]*>\s*Masuk\s*</a>')


def test_anonymous_start_page_has_a_sign_in_link(client, menanga):
    html = client.get("/?lang=id").get_data(as_text=True)
    assert 'id="sign-in"' in html and SIGN_IN.search(html)
    assert 'class="sign-in" href="/auth/login"' in html  # and in the navigation bar
    assert "NIK" in html  # residents are told where they sign in
    english = client.get("/?lang=en").get_data(as_text=True)
    assert re.search(r'<a[^>]*href="/auth/login"[^>]*>\s*Sign in\s*</a>', english)


def test_a_village_page_offers_sign_in_and_the_login_page_not_itself(client, menanga):
    village = client.get(f"/desa/{menanga.slug}/").get_data(as_text=True)
    assert 'class="sign-in" href="/auth/login"' in village
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert 'class="sign-in"' not in login_page


def test_signed_in_sees_no_sign_in_link(client, menanga, make_user, login):
    login(make_user("village_head", menanga))
    html = client.get("/").get_data(as_text=True)
    assert 'id="sign-in"' not in html and 'class="sign-in"' not in html
    assert 'href="/auth/"' in html  # their account instead


def test_only_the_board_uses_the_wide_layout(client, menanga, make_user, login):
    login(make_user("platform_admin"))
    assert '<main id="content" class="wide">' in client.get("/rollout").get_data(as_text=True)
    assert '<main id="content">' in client.get("/").get_data(as_text=True)
