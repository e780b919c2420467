"""``desa users token`` (an API token from the command line) and ``desa regions search`` (a
village's code by name), through the CLI runner."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.models import ApiToken, AuditEvent
from desacerdas.services.auth import TOKEN_PREFIX


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def _tokens(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(ApiToken.id)))


# -- desa users token -------------------------------------------------------------------------------


def test_token_is_printed_once_works_and_is_audited(app, client, run, menanga, bebandem, make_user):
    person = make_user("operator", menanga)
    result = run("users", "token", person.email, "--tenant", menanga.slug, "--expires-days", "7")
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip()
    assert "\n" not in plain and plain.startswith(TOKEN_PREFIX)  # stdout: the token alone
    assert "shown only once" in result.stderr and f"/api/v1/desa/{menanga.slug}/" in result.stderr
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get(f"/api/v1/desa/{menanga.slug}/hamlets", headers=headers).status_code == 200
    assert client.get(f"/api/v1/desa/{bebandem.slug}/hamlets", headers=headers).status_code == 404
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.name == "desa users token" and token.expires_at is not None
        assert plain not in token.token_hash  # only the hash is kept
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.token_created"))
        assert event.actor_id == person.id and event.target == f"token:{token.id}"
    named = run("users", "token", person.email, "--name", "laptop").stdout.strip()
    assert named != plain and "never" in run("users", "token", person.email).stderr
    with app.app_context():
        assert "laptop" in db.session.scalars(select(ApiToken.name)).all()


def test_token_refused_for_unknown_user_or_village_without_role(app, run, menanga, bebandem, make_user):
    person = make_user("operator", menanga)
    unknown = run("users", "token", "nobody@example.test")
    assert unknown.exit_code == 1 and "No user signs in as nobody@example.test" in unknown.output
    outsider = run("users", "token", person.email, "--tenant", bebandem.slug)
    assert outsider.exit_code == 1 and "has no role in Bebandem" in outsider.output
    assert run("users", "token", person.email, "--tenant", "nowhere").exit_code == 1
    assert run("users", "token", person.email, "--expires-days", "0").exit_code == 2
    assert run("users", "token", person.email, "--name", "  ").exit_code == 1  # a token needs a name
    assert _tokens(app) == 0


def test_platform_admin_gets_a_token_for_any_village(app, run, menanga, make_user):
    admin = make_user("platform_admin")
    result = run("users", "token", admin.email, "--tenant", menanga.slug)
    assert result.exit_code == 0 and _tokens(app) == 1


# -- desa regions search ----------------------------------------------------------------------------


def test_search_finds_a_village_by_name_with_its_code_and_areas(run):
    result = run("regions", "search", "menanga", "--province", "51")
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()[:2]
    assert header.split() == ["code", "village", "district", "regency", "province"]
    assert row.split()[:3] == ["51.07.01.2003", "Menanga", "Rendang"]
    assert "Kabupaten Karangasem" in row and row.rstrip().endswith("Bali")
    assert "desa tenants create CODE" in result.output


def test_search_ignores_case_and_accents_and_orders_exact_first(run):
    found = json.loads(run("regions", "search", "SÉRAYA", "--province", "51.07", "--format", "json").output)
    assert [v["code"] for v in found][:1] == ["51.07.04.2006"]  # "Seraya" itself, then Barat, Timur
    assert {v["name"] for v in found} >= {"Seraya", "Seraya Barat", "Seraya Timur"}
    assert all(v["regency_name"] == "Kabupaten Karangasem" for v in found)


def test_search_everywhere_and_limit(run):
    result = run("regions", "search", "menanga", "--limit", "2")
    codes = [line.split()[0] for line in result.output.splitlines()[1:3]]
    assert codes == ["51.07.01.2003", "53.06.07.2008"]  # Bali's and Flores Timur's Menanga
    assert "the first 2" in result.output


def test_search_says_clearly_when_nothing_matches(run):
    result = run("regions", "search", "zzqx", "--province", "51")
    assert result.exit_code == 1 and "No village is named like 'zzqx' in Bali (51)" in result.output
    assert run("regions", "search", "zzqx", "--format", "json").output.strip() == "[]"
    bad = run("regions", "search", "menanga", "--province", "99")
    assert bad.exit_code == 2 and "not a province or regency code" in bad.output
    assert run("regions", "search", "  ").exit_code == 2
    assert run("regions", "search", "sari", "--limit", "0").exit_code == 2
