"""The members page: list, invite (link and QR shown once), change a role, suspend, end, send
again — with the refusals a page gives (403 wrong role, 404 another village, sign-in)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Membership, User

BUDGET = 30 * 1024


def _page(client, url: str) -> str:  # noqa: ANN001
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    html = resp.get_data(as_text=True)
    assert len(resp.get_data()) < BUDGET, (url, len(resp.get_data()))
    assert "None" not in re.sub(r"<[^>]+>", " ", html), url
    return html


def _membership_id(app, email: str, village) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(
            select(Membership.id).join(User).where(User.email == email, Membership.tenant_id == village.id)
        )


def _invite(client, village, **data):  # noqa: ANN001, ANN202
    form = {"name": "Wayan", "email": "", "phone": "", "role": "operator", "hamlet": "", **data}
    return client.post(f"/desa/{village.slug}/members/invite", data=form)


def test_head_invites_an_operator_and_sees_the_link_once(app, client, login, make_user, menanga):
    login(make_user("village_head", menanga, name="Perbekel Uji"))
    html = _page(client, f"/desa/{menanga.slug}/members")
    assert "Perbekel Uji" in html and f"/desa/{menanga.slug}/members/invite" in html
    assert "<form" in _page(client, f"/desa/{menanga.slug}/members/invite")
    resp = _invite(client, menanga, name="Wayan Operator", email="wayan@example.test")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert resp.headers["Cache-Control"] == "no-store"
    html = resp.get_data(as_text=True)
    link = re.search(r'value="(http[^"]+/invitation/[^"]+)"', html).group(1)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    ET.fromstring(svg)  # noqa: S314 - our own page: a well-formed inline SVG
    assert len(resp.get_data()) < BUDGET
    # The list shows the state, never the link.
    listing = _page(client, f"/desa/{menanga.slug}/members")
    assert "Wayan Operator" in listing and "Invitation not used yet" in listing and link not in listing
    detail = _page(
        client, f"/desa/{menanga.slug}/members/{_membership_id(app, 'wayan@example.test', menanga)}"
    )
    assert link not in detail and "Send the invitation again" in detail


def test_indonesian_page_uses_the_villages_words(client, login, make_user, menanga):
    login(make_user("village_head", menanga, name="Kepala Uji"))
    html = _page(client, f"/desa/{menanga.slug}/members?lang=id")
    assert "Perbekel" in html  # Menanga is in Bali: its head is the Perbekel
    assert "village_head" not in html


def test_invite_refusals_on_the_form(app, client, login, make_user, menanga, bebandem, add_hamlets):
    [kaja] = add_hamlets(menanga, "Kaja")
    login(make_user("village_secretary", menanga))
    # The secretary is not offered the head role, and posting it is refused.
    form = _page(client, f"/desa/{menanga.slug}/members/invite")
    assert 'value="village_head"' not in form and 'value="operator"' in form
    resp = _invite(client, menanga, email="a@example.test", role="village_head")
    assert resp.status_code == 400 and "Choose one of the options offered." in resp.get_data(as_text=True)
    assert (
        _invite(client, menanga, email="a@example.test", role="operator", hamlet="not-a-uuid").status_code
        == 400
    )
    # A hamlet head without a hamlet: the field says so.
    resp = _invite(client, menanga, email="b@example.test", role="hamlet_head")
    assert resp.status_code == 400 and "Choose the hamlet" in resp.get_data(as_text=True)
    # No login at all, a bad email.
    assert _invite(client, menanga).status_code == 400
    resp = _invite(client, menanga, email="not-an-email")
    assert resp.status_code == 400 and "not an email address" in resp.get_data(as_text=True)
    # A hamlet head with a hamlet works.
    assert (
        _invite(client, menanga, email="c@example.test", role="hamlet_head", hamlet=kaja).status_code == 200
    )
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "a@example.test")) is None


def test_who_may_open_the_pages(client, login, make_user, menanga, bebandem):
    make_user("village_head", menanga)
    # Anonymous: sent to sign in.
    resp = client.get(f"/desa/{menanga.slug}/members")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    # A facilitator reads the list, without the invite button, and may not invite.
    login(make_user("facilitator", menanga))
    html = _page(client, f"/desa/{menanga.slug}/members")
    assert "/members/invite" not in html
    assert client.get(f"/desa/{menanga.slug}/members/invite").status_code == 403
    # An operator reads too; a resident may not.
    login(make_user("operator", menanga))
    assert client.get(f"/desa/{menanga.slug}/members").status_code == 200
    assert client.post(f"/desa/{menanga.slug}/members/invite", data={"name": "x"}).status_code == 403
    login(make_user("resident", menanga))
    assert client.get(f"/desa/{menanga.slug}/members").status_code == 403
    # Another village's head and facilitator: 404.
    for role in ("village_head", "facilitator"):
        login(make_user(role, bebandem))
        assert client.get(f"/desa/{menanga.slug}/members").status_code == 404


def test_change_suspend_resume_end(app, client, login, make_user, menanga, add_hamlets):
    [kaja] = add_hamlets(menanga, "Kaja")
    login(make_user("village_head", menanga))
    operator = make_user("operator", menanga, name="Made Operator")
    mid = _membership_id(app, operator.email, menanga)
    base = f"/desa/{menanga.slug}/members/{mid}"
    assert "Made Operator" in _page(client, base)
    # Change the role: operator → hamlet head of Kaja.
    resp = client.post(f"{base}/role", data={"role": "hamlet_head", "hamlet": kaja})
    assert resp.status_code == 302
    new_id = _membership_id(app, operator.email, menanga)
    assert new_id != mid and f"/members/{new_id}" in resp.headers["Location"]
    assert client.get(base).status_code == 404  # the old membership is gone
    base = f"/desa/{menanga.slug}/members/{new_id}"
    assert client.post(f"{base}/role", data={"role": "hamlet_head", "hamlet": ""}).status_code == 400
    # Suspend: they can no longer sign in; resume: they can.
    assert client.post(f"{base}/suspend").status_code == 302
    assert "Suspended" in _page(client, base)
    other = app.test_client()
    assert (
        other.post("/auth/login", data={"login": operator.email, "password": operator.password}).status_code
        != 302
    )
    assert client.post(f"{base}/resume").status_code == 302
    assert (
        other.post("/auth/login", data={"login": operator.email, "password": operator.password}).status_code
        == 302
    )
    # End the role.
    assert client.post(f"{base}/end").status_code == 302
    assert client.get(base).status_code == 404
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == menanga.id)))
    assert {
        "membership.role_changed",
        "membership.suspended",
        "membership.resumed",
        "membership.revoked",
    } <= actions


def test_head_role_and_self_are_protected(app, client, login, make_user, menanga):
    head = make_user("village_head", menanga)
    head_id = _membership_id(app, head.email, menanga)
    # The head's own page offers no suspend, and ending their own head role is refused in words.
    login(head)
    html = _page(client, f"/desa/{menanga.slug}/members/{head_id}")
    assert f"/members/{head_id}/suspend" not in html
    resp = client.post(f"/desa/{menanga.slug}/members/{head_id}/end")
    assert resp.status_code == 409 and "your own village head role" in resp.get_data(as_text=True)
    # A secretary sees the head but gets no forms for them, and a post is refused.
    login(make_user("village_secretary", menanga))
    html = _page(client, f"/desa/{menanga.slug}/members/{head_id}")
    assert f"/members/{head_id}/end" not in html and "Only the village head" in html
    assert client.post(f"/desa/{menanga.slug}/members/{head_id}/suspend").status_code == 403
    assert (
        client.post(f"/desa/{menanga.slug}/members/{head_id}/role", data={"role": "operator"}).status_code
        == 403
    )


def test_another_villages_member_is_not_found(app, client, login, make_user, menanga, bebandem):
    other = make_user("operator", bebandem)
    other_id = _membership_id(app, other.email, bebandem)
    login(make_user("village_head", menanga))
    for tail in ("", "/suspend", "/resume", "/end", "/invitation", "/role"):
        method = client.get if tail == "" else client.post
        assert method(f"/desa/{menanga.slug}/members/{other_id}{tail}").status_code == 404, tail


def test_send_again_shows_a_new_link(app, client, login, make_user, menanga):
    login(make_user("village_head", menanga))
    first = _invite(client, menanga, name="Gede", phone="081200001111").get_data(as_text=True)
    old = re.search(r'value="(http[^"]+/invitation/[^"]+)"', first).group(1)
    with app.app_context():
        mid = db.session.scalar(
            select(Membership.id)
            .join(User)
            .where(User.phone == "+6281200001111", Membership.tenant_id == menanga.id)
        )
    resp = client.post(f"/desa/{menanga.slug}/members/{mid}/invitation")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    new = re.search(r'value="(http[^"]+/invitation/[^"]+)"', resp.get_data(as_text=True)).group(1)
    assert new != old
    # The replaced link no longer works.
    assert app.test_client().get(old.split("localhost", 1)[-1]).status_code in (404, 410)


def test_pagination(client, login, make_user, menanga, app):
    app.config["PAGE_SIZE"] = 3
    try:
        login(make_user("village_head", menanga, name="A Head"))
        for i in range(4):
            make_user("operator", menanga, name=f"Operator {i}")
        first = _page(client, f"/desa/{menanga.slug}/members")
        second = _page(client, f"/desa/{menanga.slug}/members?page=2")
        assert "A Head" in first and "Operator 1" in first and "Operator 2" not in first
        assert "Operator 2" in second and "Operator 3" in second and 'rel="prev"' in second
    finally:
        app.config["PAGE_SIZE"] = 25


def test_pages_in_indonesian_have_no_english_or_codes(app, client, login, make_user, menanga, add_hamlets):
    [kaja] = add_hamlets(menanga, "Kaja")
    login(make_user("village_head", menanga, name="Kepala Uji"))
    client.get(f"/desa/{menanga.slug}/members?lang=id")
    resp = _invite(client, menanga, name="Ni Luh", email="luh@example.test", role="hamlet_head", hamlet=kaja)
    texts = [re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))]
    mid = _membership_id(app, "luh@example.test", menanga)
    for url in ("", "/invite", f"/{mid}"):
        texts.append(re.sub(r"<[^>]+>", " ", _page(client, f"/desa/{menanga.slug}/members{url}")))
    for text in texts:
        for word in (
            "hamlet_head",
            "village_head",
            "operator ",
            "Invite",
            "Members",
            "Suspend",
            "Role",
            "invited",
        ):
            assert word not in text, word
    assert "Kelian Banjar Dinas" in texts[-1] and "Undangan belum dipakai" in texts[1]
