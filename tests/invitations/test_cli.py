"""``desa users create`` invites, ``desa users invite`` sends again, ``desa users reset-link``;
a manifest's new facilitator gets an invitation and ``desa tenants apply`` says where it went."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Invitation, User
from desacerdas.services import invitations

from .conftest import token_of

NEW = "kata-sandi-baru-42"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args: str, input: str | None = None):  # noqa: A002
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


def _user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_create_prints_the_invitation_link_once(app, run, client):
    result = run("users", "create", "--name", "Made", "--email", "made@example.test")
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[-1]
    assert "/invitation/" in link and "password" not in result.stdout.lower()
    assert "nowhere" in result.stderr  # no provider configured in the tests
    user = _user(app, "made@example.test")
    with app.app_context():
        assert not invitations.has_usable_password(db.session.get(User, user.id))
    page = client.post("/invitation/" + token_of(link), data={"new": NEW, "confirm": NEW})
    assert page.status_code == 302


def test_create_with_a_password_for_scripts(app, run):
    result = run("users", "create", "--name", "Drill", "--email", "drill@example.test", "--password", NEW)
    assert result.exit_code == 0 and "/invitation/" not in result.output
    with app.app_context():
        assert invitations.state_for([_user(app, "drill@example.test").id]) == {}


def test_create_sent_through_a_configured_channel(app, run, doubles, menanga):
    result = run(
        "users", "create", "--name", "Kadek", "--email", "kadek@example.test", "--tenant", menanga.slug
    )
    assert result.exit_code == 0, result.output
    assert "Also sent by: email." in result.stderr
    link = result.stdout.strip().splitlines()[-1]
    assert link in doubles["email"].sent[0].body and "Desa Menanga" in doubles["email"].sent[0].subject


def test_create_refuses_bad_input(app, run):
    assert run("users", "create", "--name", "X", "--email", "not-an-email").exit_code == 1
    assert (
        run("users", "create", "--name", "X", "--email", "x@example.test", "--tenant", "nowhere").exit_code
        == 1
    )
    assert _user(app, "x@example.test") is None


def test_invite_again_replaces_the_link(app, run):
    first = run("users", "create", "--name", "Made", "--email", "made@example.test").stdout.strip()
    second = run("users", "invite", "made@example.test")
    assert second.exit_code == 0
    link = second.stdout.strip()
    assert link != first
    with app.app_context():
        rows = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
        assert [r.ended_at is not None for r in rows] == [True, False]
    assert run("users", "invite", "nobody@example.test").exit_code == 1


def test_invite_refused_for_an_account_with_a_password(app, run, make_user, menanga):
    person = make_user("operator", menanga)
    result = run("users", "invite", person.email)
    assert result.exit_code == 1 and "already has a password" in result.output


def test_reset_link_recovers_a_lost_password(app, run, client, caplog):
    caplog.set_level(logging.DEBUG)
    run("users", "ensure-demo-admin")
    again = run("users", "ensure-demo-admin")
    assert "desa users reset-link admin@desacerdas.local" in again.output
    result = run("users", "reset-link", "admin@desacerdas.local")
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert "/auth/reset/" in link and link not in caplog.text
    path = "/auth/reset/" + link.rsplit("/", 1)[1]
    assert client.post(path, data={"new": NEW, "confirm": NEW}).status_code == 302
    assert client.get(path).status_code == 302  # used: sent back to ask for a new one
    assert (
        client.post("/auth/login", data={"login": "admin@desacerdas.local", "password": NEW}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.reset_link_issued"))
    assert run("users", "reset-link", "nobody@example.test").exit_code == 1


MANIFEST = """
[facilitators]
ayu = { name = "Ayu Pendamping", email = "ayu@pendamping.example" }
kadek = { name = "Kadek Pendamping", email = "kadek@pendamping.example" }

[[village]]
code = "51.07.01.2003"
facilitators = ["ayu", "kadek"]

[[village]]
code = "51.07.06.2003"
facilitators = ["kadek"]
"""


def test_manifest_facilitators_get_an_invitation(app, run, tmp_path, doubles, caplog):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    planned = run("tenants", "apply", str(path), "--plan")
    assert "an invitation link would be sent to Ayu Pendamping" in planned.output
    result = run("tenants", "apply", str(path))
    assert result.exit_code == 0, result.output
    assert "invitation for Ayu Pendamping <ayu@pendamping.example> sent by email" in result.output
    assert "invitation for Kadek Pendamping <kadek@pendamping.example> sent by email" in result.output
    sent = {m.address: m for m in doubles["email"].sent}
    assert set(sent) == {"ayu@pendamping.example", "kadek@pendamping.example"}
    assert "Desa Menanga" in sent["ayu@pendamping.example"].subject  # one village: invited to it
    assert "Desa Cerdas" in sent["kadek@pendamping.example"].subject  # two: to the platform
    for message in sent.values():
        token = message.body.split("/invitation/")[1].split()[0]
        assert token not in result.output and token not in caplog.text
    ayu = _user(app, "ayu@pendamping.example")
    with app.app_context():
        assert invitations.state_for([ayu.id]) == {ayu.id: "pending"}
    again = run("tenants", "apply", str(path))
    assert "invitation" not in again.output and len(doubles["email"].sent) == 2  # nothing new


def test_manifest_without_a_provider_says_so(app, run, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MANIFEST, encoding="utf-8")
    result = run("tenants", "apply", str(path))
    assert (
        "not sent (no channel configured): print a new link with desa users invite ayu@pendamping.example"
        in result.output
    )
    assert "/invitation/" not in result.output
