"""A resident signs in with NIK and PIN: their account pages offer "change your PIN", never
"change password", and the password page refuses them politely with the way to the PIN page."""

from __future__ import annotations

from sg_letter_services.test_pages import text
from sg_resident_accounts.conftest import WAYAN, sign_in

from desacerdas.extensions import db
from desacerdas.models import User


def resident(app, va, open_account):  # noqa: ANN001, ANN202
    """A test client signed in as Wayan with his NIK and the PIN the office gave him."""
    client = app.test_client()
    pin = open_account(va, "wayan")
    assert sign_in(client, va, WAYAN, pin).status_code == 302
    return client


def test_the_residents_account_pages_offer_the_pin_not_a_password(app, va, open_account):
    client = resident(app, va, open_account)
    pin_page = f'href="/desa/{va.slug}/smart_government/pin"'
    for lang, password, pin in (
        ("en", "Change password", "Change your PIN"),
        ("id", "Ganti kata sandi", "Ganti PIN Anda"),
    ):
        home = text(client.get(f"/auth/?lang={lang}"))
        assert password not in home and "/auth/password" not in home
        assert pin_page in home and pin in home
        for path in (va.page("akun"), f"/desa/{va.slug}/me"):
            resp = client.get(f"{path}?lang={lang}", follow_redirects=True)  # a first PIN: /pin first
            assert resp.status_code == 200 and password not in text(resp), path
    assert "You sign in with your NIK and PIN, not a password." in text(client.get("/auth/?lang=en"))
    assert "Anda masuk dengan NIK dan PIN, bukan kata sandi." in text(client.get("/auth/?lang=id"))


def test_the_password_page_refuses_a_resident_politely(app, va, open_account):
    client = resident(app, va, open_account)
    page = client.get("/auth/password")
    body = text(page)
    assert page.status_code == 200 and 'id="no-password"' in body and 'name="current"' not in body
    assert "Your account has no password: you sign in with your NIK and PIN." in body
    assert f'href="/desa/{va.slug}/smart_government/pin"' in body
    indonesian = text(client.get("/auth/password?lang=id"))
    assert "Akun Anda tidak memakai kata sandi" in indonesian and "Ganti PIN Anda" in indonesian
    refused = client.post(
        "/auth/password",
        data={"current": "x", "new": "a-long-new-pass-2026", "confirm": "a-long-new-pass-2026"},
    )
    assert refused.status_code == 403 and 'id="no-password"' in text(refused)


def test_staff_with_a_password_still_change_it(app, make_user, login, menanga):
    client = login(make_user("operator", menanga), app.test_client())
    home = text(client.get("/auth/?lang=en"))
    assert "Change password" in home and "/auth/password" in home and "not a password" not in home
    page = client.get("/auth/password")
    assert page.status_code == 200 and 'name="current"' in text(page) and 'id="no-password"' not in text(page)


def test_staff_invited_by_phone_alone_still_have_a_password(app, make_user, login, menanga):
    """No e-mail address does not make an account a resident's: the roles decide."""
    person = make_user("hamlet_head", menanga)
    client = login(person, app.test_client())
    with app.app_context():
        user = db.session.get(User, person.id)
        user.email, user.phone = None, "6281234500099"
        db.session.commit()
    home = text(client.get("/auth/?lang=en"))
    assert "Change password" in home and "not a password" not in home
    assert 'name="current"' in text(client.get("/auth/password"))
