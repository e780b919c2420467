"""The accept page ``/invitation/<token>``: welcome, choose a password, signed in; errors in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import Invitation, User

from .conftest import invited, token_of

NEW = "kata-sandi-baru-42"


def _path(url: str) -> str:
    return "/invitation/" + token_of(url)


def test_welcome_page_in_indonesian_then_signed_in(app, client, menanga):
    user_id, issued = invited(app, tenant_id=menanga.id)
    page = client.get(_path(issued.url) + "?lang=id")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Desa Menanga" in html and "Ni Made Invited" in html and "invited@example.test" in html
    assert "Selamat datang di Desa Menanga" in html and "Simpan kata sandi saya" in html
    assert page.headers["Cache-Control"] == "no-store"
    done = client.post(_path(issued.url), data={"new": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/desa/{menanga.slug}/")
    assert client.get("/auth/").status_code == 200  # signed in
    again = client.get(_path(issued.url) + "?lang=en")
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    in_id = client.get(_path(issued.url) + "?lang=id").get_data(as_text=True)
    assert "Undangan ini sudah dipakai" in in_id
    client.post("/auth/logout")
    assert (
        client.post("/auth/login", data={"login": "invited@example.test", "password": NEW}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(User, user_id).last_login_at is not None


def test_english_page(app, client):
    _user_id, issued = invited(app)
    html = client.get(_path(issued.url) + "?lang=en").get_data(as_text=True)
    assert "Welcome to Desa Cerdas" in html and "Set my password" in html


def test_unknown_expired_and_mismatched(app, client):
    user_id, issued = invited(app)
    unknown = client.get("/invitation/not-a-token")
    assert unknown.status_code == 404 and "not valid" in unknown.get_data(as_text=True)
    mismatch = client.post(_path(issued.url), data={"new": NEW, "confirm": NEW + "x"})
    assert mismatch.status_code == 400 and "do not match" in mismatch.get_data(as_text=True)
    weak = client.post(_path(issued.url), data={"new": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 400 and "only digits" in weak.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    expired = client.post(_path(issued.url), data={"new": NEW, "confirm": NEW})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert client.get("/auth/").status_code == 302  # not signed in


def test_page_needs_the_csrf_token(app, db_urls, tmp_path_factory):
    from conftest import make_app

    user_id, issued = invited(app)
    strict = make_app(db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    refused = client.post(_path(issued.url), data={"new": NEW, "confirm": NEW})
    assert refused.status_code == 400
    page = client.get(_path(issued.url)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(_path(issued.url), data={"new": NEW, "confirm": NEW, "csrf_token": token})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).password_hash.startswith("$argon2")


def test_page_is_small(app, client):
    _user_id, issued = invited(app)
    page = client.get(_path(issued.url))
    html = page.get_data(as_text=True)
    css = sum(
        len(client.get(href).data) for href in re.findall(r'<link rel="stylesheet" href="([^"?]+)', html)
    )
    assert css > 0 and len(page.data) + css < 30_000
