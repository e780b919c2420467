"""The admin village page: invite the village head or a staff member, see and renew invitations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import Invitation, Membership, Role, User
from desacerdas.services import tenants as tenant_svc

NEW = "kata-sandi-baru-42"


def _form(**values: str) -> dict[str, str]:
    data = {
        "invite-name": "Ni Luh Perbekel",
        "invite-email": "perbekel@example.test",
        "invite-phone": "",
        "invite-role": "village_head",
        "invite-hamlet": "",
    }
    data.update({f"invite-{k}": v for k, v in values.items()})
    return data


def _link(html: str) -> str:
    return re.search(r'id="issued-link" type="text" readonly value="([^"]+)"', html).group(1)


def _user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_admin_invites_the_village_head_who_then_signs_in(app, client, login, make_user, menanga):
    admin = make_user("platform_admin")
    login(admin)
    page = client.get(f"/admin/villages/{menanga.slug}").get_data(as_text=True)
    assert 'action="/admin/villages/menanga/invite"' in page
    resp = client.post(f"/admin/villages/{menanga.slug}/invite", data=_form())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert "<svg" in html and "Invitation for Ni Luh Perbekel" in html and "no channel can reach" in html
    link = _link(html)
    css = sum(
        len(client.get(href).data) for href in re.findall(r'<link rel="stylesheet" href="([^"?]+)', html)
    )
    assert len(resp.data) + css < 30_000, (len(resp.data), css)
    head = _user(app, "perbekel@example.test")
    with app.app_context():
        roles = db.session.scalars(select(Membership.role).where(Membership.user_id == head.id)).all()
        assert roles == [Role.VILLAGE_HEAD]
    listed = client.get(f"/admin/villages/{menanga.slug}").get_data(as_text=True)
    assert "Invitation not accepted yet" in listed and link not in listed  # the link is shown once only
    other = app.test_client()
    done = other.post("/invitation/" + link.rsplit("/", 1)[1], data={"new": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert other.get(f"/desa/{menanga.slug}/").status_code == 200
    listed = client.get(f"/admin/villages/{menanga.slug}").get_data(as_text=True)
    assert "Invitation not accepted yet" not in listed and "Send again" not in listed


def test_invite_a_hamlet_head_needs_a_hamlet(app, client, login, make_user, menanga):
    with app.app_context():
        hamlet = tenant_svc.add_hamlet(menanga.tenant(), "Kaja")
        hamlet_id = str(hamlet.id)
    login(make_user("platform_admin"))
    missing = client.post(
        f"/admin/villages/{menanga.slug}/invite", data=_form(role="hamlet_head", email="kelian@example.test")
    )
    assert missing.status_code == 400 and "Choose the hamlet" in missing.get_data(as_text=True)
    ok = client.post(
        f"/admin/villages/{menanga.slug}/invite",
        data=_form(role="hamlet_head", email="kelian@example.test", hamlet=hamlet_id),
    )
    assert ok.status_code == 200
    with app.app_context():
        member = db.session.scalar(select(Membership).where(Membership.role == Role.HAMLET_HEAD))
        assert str(member.hamlet_id) == hamlet_id


def test_bad_input_is_named_on_the_field(app, client, login, make_user, menanga):
    login(make_user("platform_admin"))
    bad = client.post(f"/admin/villages/{menanga.slug}/invite", data=_form(email="not-an-email"))
    assert bad.status_code == 400 and "is not an email address" in bad.get_data(as_text=True)
    none = client.post(f"/admin/villages/{menanga.slug}/invite", data=_form(email=""))
    assert none.status_code == 400 and "email address or a phone number" in none.get_data(as_text=True)
    role = client.post(f"/admin/villages/{menanga.slug}/invite", data=_form(role="platform_admin"))
    assert role.status_code == 400  # only village roles may be given here
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_an_existing_account_just_gets_the_role(app, client, login, make_user, menanga, bebandem):
    person = make_user("operator", bebandem)
    login(make_user("platform_admin"))
    resp = client.post(
        f"/admin/villages/{menanga.slug}/invite", data=_form(email=person.email, role="operator")
    )
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None
        assert db.session.scalar(
            select(Membership).where(Membership.user_id == person.id, Membership.tenant_id == menanga.id)
        )


def test_send_again_for_an_expired_invitation(app, client, login, make_user, menanga, bebandem):
    login(make_user("platform_admin"))
    first = _link(client.post(f"/admin/villages/{menanga.slug}/invite", data=_form()).get_data(as_text=True))
    head = _user(app, "perbekel@example.test")
    with app.app_context():
        row = db.session.scalar(select(Invitation))
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    listed = client.get(f"/admin/villages/{menanga.slug}").get_data(as_text=True)
    assert "Invitation expired" in listed and "Send again" in listed
    again = client.post(f"/admin/villages/{menanga.slug}/members/{head.id}/invite")
    assert again.status_code == 200
    second = _link(again.get_data(as_text=True))
    assert second != first
    # Another village's page cannot renew this person's invitation.
    assert client.post(f"/admin/villages/{bebandem.slug}/members/{head.id}/invite").status_code == 404
    assert client.post(f"/admin/villages/nowhere/members/{head.id}/invite").status_code == 404


def test_send_again_refused_once_they_have_a_password(app, client, login, make_user, menanga):
    person = make_user("operator", menanga)
    login(make_user("platform_admin"))
    resp = client.post(f"/admin/villages/{menanga.slug}/members/{person.id}/invite")
    assert resp.status_code == 409 and "already has a password" in resp.get_data(as_text=True)


def test_only_platform_admins_invite(app, client, login, make_user, menanga):
    login(make_user("regency_admin", menanga))
    page = client.get(f"/admin/villages/{menanga.slug}").get_data(as_text=True)
    assert "/invite" not in page
    assert client.post(f"/admin/villages/{menanga.slug}/invite", data=_form()).status_code == 403
    login(make_user("village_head", menanga))
    assert client.post(f"/admin/villages/{menanga.slug}/invite", data=_form()).status_code == 403
    client.post("/auth/logout")
    assert client.post(f"/admin/villages/{menanga.slug}/invite", data=_form()).status_code == 302
    assert _user(app, "perbekel@example.test") is None


def test_form_is_in_indonesian(app, client, login, make_user, menanga):
    login(make_user("platform_admin"))
    html = client.get(f"/admin/villages/{menanga.slug}?lang=id").get_data(as_text=True)
    assert "Kepala desa" in html or "Kepala Desa" in html  # role choices are labels, not codes
    assert ">village_head<" not in html


def test_invite_form_needs_the_csrf_token(app, db_urls, tmp_path_factory, make_user, menanga):
    from conftest import make_app

    admin = make_user("platform_admin")
    strict = make_app(db_urls, tmp_path_factory, WTF_CSRF_ENABLED=True)
    c = strict.test_client()
    page = c.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    c.post("/auth/login", data={"login": admin.email, "password": admin.password, "csrf_token": token})
    assert c.post(f"/admin/villages/{menanga.slug}/invite", data=_form()).status_code == 400
    assert _user(app, "perbekel@example.test") is None
    detail = c.get(f"/admin/villages/{menanga.slug}").get_data(as_text=True)
    token = re.search(r'name="invite-csrf_token" type="hidden" value="([^"]+)"', detail).group(1)
    resp = c.post(f"/admin/villages/{menanga.slug}/invite", data={**_form(), "invite-csrf_token": token})
    assert resp.status_code == 200 and _user(app, "perbekel@example.test") is not None


def test_shown_page_in_indonesian(app, client, login, make_user, menanga):
    login(make_user("platform_admin"))
    client.get("/auth/?lang=id")
    html = client.post(f"/admin/villages/{menanga.slug}/invite", data=_form()).get_data(as_text=True)
    for words in (
        "Undangan untuk Ni Luh Perbekel",
        "Hanya ditampilkan sekarang",
        "Undangan belum diterima",
        "Kirim lagi",
    ):
        assert words in html, words
    assert "None" not in html
