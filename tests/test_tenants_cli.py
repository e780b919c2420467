"""``desa tenants …`` and ``desa users …`` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Hamlet, Membership, Role, Tenant, VillagePluginEvent
from desacerdas.plugin_system.state import enabled_for
from desacerdas.tenancy import tenant_session

MANIFEST = Path(__file__).resolve().parents[1] / "tenants" / "karangasem.toml"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args: str, input: str | None = None):  # noqa: A002
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_by_code_fills_names_from_region_data(app, run):
    result = run("tenants", "create", "51.07.04.2007")
    assert result.exit_code == 0, result.output
    assert "Seraya Barat" in result.output and "/desa/seraya-barat/" in result.output
    shown = run("tenants", "show", "seraya-barat").output
    assert "Kabupaten Karangasem" in shown and "Bali" in shown and "Karangasem" in shown
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action)) == "tenant.provisioned"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("51.07.99.9999", "No village has the code"),
        ("51-07", "not a village code"),
        ("51.07.04", "not a village code"),
    ],
)
def test_bad_codes_are_refused_and_nothing_written(app, run, code, message):
    result = run("tenants", "create", code)
    assert result.exit_code == 1
    assert message in result.output
    assert _count(app, Tenant) == 0


def test_duplicate_code_and_slug(app, run):
    assert run("tenants", "create", "51.07.01.2003").exit_code == 0
    dup = run("tenants", "create", "51.07.01.2003")
    assert dup.exit_code == 1 and "already exists" in dup.output
    taken = run("tenants", "create", "51.07.06.2003", "--slug", "menanga")
    assert taken.exit_code == 1 and "already used" in taken.output
    bad = run("tenants", "create", "51.07.06.2003", "--slug", "Not A Slug")
    assert bad.exit_code == 1 and "not a valid slug" in bad.output


def test_repeated_village_names_get_distinct_slugs(app, run):
    # Beraban is a village in two districts of Tabanan, and Selat in three regencies of Bali.
    for code in ("51.02.02.2007", "51.02.06.2004", "51.03.03.2017", "51.05.03.2016", "51.06.01.2008"):
        result = run("tenants", "create", code)
        assert result.exit_code == 0, result.output
    slugs = {
        row["code"]: row["slug"] for row in json.loads(run("tenants", "list", "--format", "json").output)
    }
    assert slugs["51.02.02.2007"] == "beraban"
    assert slugs["51.02.06.2004"].startswith("beraban-")
    assert slugs["51.03.03.2017"] == "selat"
    assert len(set(slugs.values())) == 5


def test_list_json_suspend_resume_archive(app, run):
    run("tenants", "create", "51.07.01.2003")
    assert run("tenants", "suspend", "menanga", "--reason", "data audit").exit_code == 0
    rows = json.loads(run("tenants", "list", "--format", "json").output)
    assert rows[0]["status"] == "suspended"
    assert run("tenants", "suspend", "menanga", "--reason", "again").exit_code == 1
    assert run("tenants", "resume", "menanga").exit_code == 0
    assert run("tenants", "archive", "menanga").exit_code == 0
    assert "archived" in run("tenants", "list").output
    assert run("tenants", "show", "nope").exit_code == 1


def test_apply_manifest_plan_then_apply_then_nothing(app, run):
    plan = run("tenants", "apply", str(MANIFEST), "--plan")
    assert plan.exit_code == 0, plan.output
    assert "nothing was written" in plan.output
    assert _count(app, Tenant) == 0
    applied = run("tenants", "apply", str(MANIFEST))
    assert applied.exit_code == 0, applied.output
    assert _count(app, Tenant) == 20
    again = run("tenants", "apply", str(MANIFEST))
    assert "No changes" in again.output
    with app.app_context():
        bebandem = db.session.scalar(select(Tenant).where(Tenant.code == "51.07.06.2003"))
        menanga = db.session.scalar(select(Tenant).where(Tenant.code == "51.07.01.2003"))
        assert enabled_for(bebandem.id) == {"smart_economy", "smart_government", "smart_society"}
        assert enabled_for(menanga.id) == {"smart_government"}
        # Readiness fails in these fresh villages: the manifest enables as an audited override.
        event = db.session.scalar(
            select(VillagePluginEvent).where(VillagePluginEvent.tenant_id == menanga.id)
        )
        assert event.override and event.reason == f"declared in {MANIFEST}"
        facilitators = db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.role == Role.FACILITATOR)
        )
        assert facilitators == 25  # 5 villages x 2 + 15 villages x 1


def test_manifest_update_changes_hamlets_and_pillars(app, run, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[village]]\ncode = "51.07.01.2003"\nhamlets = ["Kaja"]\n')
    run("tenants", "apply", str(path))
    path.write_text(
        '[[village]]\ncode = "51.07.01.2003"\nhamlets = ["Kaja", "Kelod"]\npillars = ["smart_government"]\n'
    )
    plan = run("tenants", "apply", str(path), "--plan").output
    assert "+ hamlet Kelod" in plan and "+ pillar smart_government in Menanga" in plan
    run("tenants", "apply", str(path))
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id))
        with tenant_session(tenant_id) as s:
            assert sorted(s.scalars(select(Hamlet.name))) == ["Kaja", "Kelod"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[[village]]\ncode = "51.07.99.9999"\n', "(51.07.99.9999): No village has the code"),
        ('[[village]]\ncode = "51.07.01.2003"\n[[village]]\ncode = "51.07.01.2003"\n', "code listed twice"),
        (
            '[[village]]\ncode = "51.07.01.2003"\nfacilitators = ["ghost"]\n',
            "facilitator 'ghost' is not defined",
        ),
        ('[[village]]\ncode = "51.07.01.2003"\ncolour = "red"\n', "unknown keys colour"),
        ('[[village]]\ncode = "51.07.01.2003"\nname = "Menangga"\n', "does not match the official name"),
        ("this is not toml", "not valid TOML"),
        ("", "no [[village]] entries"),
    ],
)
def test_invalid_manifest_names_file_entry_reason_and_writes_nothing(app, run, tmp_path, content, expected):
    path = tmp_path / "bad.toml"
    if content.startswith("[[village]]"):
        # A valid village first: it must not be written either.
        content = '[[village]]\ncode = "51.07.06.2003"\n' + content
    path.write_text(content)
    result = run("tenants", "apply", str(path))
    assert result.exit_code == 1
    assert str(path) in result.output and expected in result.output
    assert _count(app, Tenant) == 0


def test_failure_midway_leaves_nothing_half_applied(app, run, tmp_path, monkeypatch):
    from desacerdas.services import manifests

    path = tmp_path / "m.toml"
    path.write_text(
        '[[village]]\ncode = "51.07.01.2003"\n[[village]]\ncode = "51.07.06.2003"\nhamlets = ["X"]\n'
    )
    original = manifests._apply_hamlets

    def explode(connection, tenant, *args, **kwargs):  # noqa: ANN001
        if tenant.code == "51.07.06.2003":
            raise RuntimeError("disk full")
        return original(connection, tenant, *args, **kwargs)

    monkeypatch.setattr(manifests, "_apply_hamlets", explode)
    with pytest.raises(RuntimeError):
        run("tenants", "apply", str(path))
    assert _count(app, Tenant) == 0


def test_users_create_grant_and_demo_admin(app, run):
    run("tenants", "create", "51.07.01.2003")
    created = run(
        "users",
        "create",
        "--name",
        "Made",
        "--email",
        "made@example.test",
        input="a long password 1\na long password 1\n",
    )
    assert created.exit_code == 0, created.output
    assert run("users", "grant", "made@example.test", "village_head", "--tenant", "menanga").exit_code == 0
    bad = run("users", "grant", "made@example.test", "regency_admin", "--area", "99.99")
    assert bad.exit_code == 1 and "not a known area" in bad.output
    first = run("users", "ensure-demo-admin").output
    assert "password:" in first
    second = run("users", "ensure-demo-admin").output
    assert "password:" not in second


def test_manifest_pillars_are_validated_against_installed_plugins(app, run, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[village]]\ncode = "51.07.01.2003"\npillars = ["smart_teleport"]\n')
    result = run("tenants", "apply", str(path))
    assert result.exit_code == 1 and "pillar 'smart_teleport' is not an installed plugin" in result.output
    path.write_text('[[village]]\ncode = "51.07.01.2003"\npillars = ["smart_economy"]\n')
    result = run("tenants", "apply", str(path))
    assert result.exit_code == 1 and "requires 'smart_government'; list it too" in result.output
    assert _count(app, Tenant) == 0


def test_manifest_removing_a_pillar_disables_it_and_keeps_data(app, run, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[[village]]\ncode = "51.07.01.2003"\npillars = ["smart_government", "smart_society"]\n')
    run("tenants", "apply", str(path))
    path.write_text('[[village]]\ncode = "51.07.01.2003"\npillars = ["smart_government"]\n')
    out = run("tenants", "apply", str(path)).output
    assert "- pillar smart_society in Menanga (data kept)" in out
    with app.app_context():
        assert enabled_for(db.session.scalar(select(Tenant.id))) == {"smart_government"}
