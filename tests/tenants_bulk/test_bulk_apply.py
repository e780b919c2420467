"""Applying manifests of whole regencies and provinces: set-based, all or nothing, re-apply a no-op.

``desa tenants manifest`` writes the manifest from the region dataset; ``desa tenants apply`` must
cost a constant number of statements however many villages are already there or listed (the
bench, bench/provisioning.py, measures the 83,762), write nothing on a re-apply, and keep each
village's data (hamlets) to that village.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.models import AuditEvent, Hamlet, Membership, Tenant
from desacerdas.plugin_system import state
from desacerdas.services import bulk_provision, manifests
from desacerdas.services.regions import villages_in
from desacerdas.services.tenants import SLUG
from desacerdas.tenancy import tenant_session
from desacerdas.testing.support import sql_statements

KARANGASEM = "51.07"  # 78 villages
BALI = "51"  # 716 villages


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _run


def _count(app, model, *where) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", s, re.I)]


def test_a_province_applies_set_based_and_a_reapply_writes_nothing(app, run, tmp_path):
    path = tmp_path / "bali.toml"
    made = run("tenants", "manifest", BALI, "-o", str(path))
    assert made.exit_code == 0, made.output
    expected = len(villages_in(BALI))
    assert expected > 700
    with sql_statements(app) as first:
        applied = run("tenants", "apply", str(path))
    assert applied.exit_code == 0, applied.output
    assert f"Applied {expected} changes" in applied.output
    # A constant number of statements, not a few per village.
    assert len(first) < 40, len(first)
    assert _count(app, Tenant) == expected
    assert _count(app, AuditEvent, AuditEvent.action == "tenant.provisioned") == expected
    with app.app_context():
        slugs = list(db.session.scalars(select(Tenant.slug)))
        stamps = set(db.session.scalars(select(Tenant.plugins_stamp)))
        denpasar = db.session.scalar(select(Tenant).where(Tenant.code == "51.71.01.1001"))
    assert len(set(slugs)) == expected and all(SLUG.match(s) for s in slugs)
    assert len(stamps) == expected  # every village its own plugins stamp (per-worker caches)
    assert denpasar.regency_name and denpasar.province_name == "Bali" and denpasar.is_active
    audit_before = _count(app, AuditEvent)

    with sql_statements(app) as again_statements:
        again = run("tenants", "apply", str(path))
    assert again.exit_code == 0 and f"No changes: {expected} villages already match" in again.output
    assert _writes(again_statements) == []
    assert len(again_statements) < 20, again_statements
    assert _count(app, AuditEvent) == audit_before


def test_growing_platform_costs_the_samesql_statements(app, run, tmp_path):
    """The second regency costs no more statements than the first, with the first already there."""
    counts = []
    for area in ("51.07", "51.06"):
        path = tmp_path / f"{area}.toml"
        run("tenants", "manifest", area, "-o", str(path))
        with sql_statements(app) as seen:
            assert run("tenants", "apply", str(path)).exit_code == 0
        counts.append(len(seen))
    assert counts[1] <= counts[0] + 2, counts


def test_failure_midway_leaves_nothing(app, run, tmp_path, monkeypatch):
    path = tmp_path / "k.toml"
    path.write_text(
        bulk_provision.manifest_text([KARANGASEM])[0]
        + "\n[facilitators]\n"  # a table after the array of tables is still valid TOML
        + 'ayu = { name = "Ayu", email = "ayu@pendamping.desacerdas.local" }\n',
        encoding="utf-8",
    )
    text = path.read_text(encoding="utf-8").replace(
        'code = "51.07.08.2009"', 'code = "51.07.08.2009"\nfacilitators = ["ayu"]\nhamlets = ["Kaja"]'
    )
    path.write_text(text, encoding="utf-8")

    def explode(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("disk full")

    # After the villages, their audit events, a hamlet and the facilitator's account are written.
    monkeypatch.setattr(bulk_provision, "insert_memberships", explode)
    with pytest.raises(RuntimeError):
        run("tenants", "apply", str(path))
    assert _count(app, Tenant) == 0
    assert _count(app, AuditEvent) == 0
    assert _count(app, Membership) == 0
    monkeypatch.undo()
    assert run("tenants", "apply", str(path)).exit_code == 0
    assert _count(app, Tenant) == 78 and _count(app, Membership) == 1


def test_slugs_named_in_the_manifest_are_reserved_first(app, run, tmp_path):
    path = tmp_path / "m.toml"
    # Menanga would derive "menanga"; a later entry asks for that slug explicitly.
    path.write_text(
        '[[village]]\ncode = "51.07.01.2003"\n[[village]]\ncode = "51.07.06.2003"\nslug = "menanga"\n'
    )
    assert run("tenants", "apply", str(path)).exit_code == 0
    with app.app_context():
        slugs = dict(db.session.execute(select(Tenant.code, Tenant.slug)).all())
    assert slugs == {"51.07.06.2003": "menanga", "51.07.01.2003": "menanga-rendang"}
    clash = tmp_path / "clash.toml"
    clash.write_text('[[village]]\ncode = "51.07.04.2007"\nslug = "menanga"\n')
    result = run("tenants", "apply", str(clash))
    assert result.exit_code == 1 and "slug 'menanga' belongs to 51.07.06.2003" in result.output
    assert _count(app, Tenant) == 2


def test_hamlets_stay_in_their_own_village(app, run, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(
        '[[village]]\ncode = "51.07.01.2003"\nhamlets = ["Kaja", "Kelod"]\n'
        '[[village]]\ncode = "51.07.06.2003"\nhamlets = ["Tengah"]\n'
        '[[village]]\ncode = "51.07.04.2007"\n'
    )
    assert run("tenants", "apply", str(path)).exit_code == 0
    with app.app_context():
        ids = dict(db.session.execute(select(Tenant.code, Tenant.id)).all())
        seen = {}
        for code, tenant_id in ids.items():
            with tenant_session(tenant_id) as s:
                seen[code] = sorted(s.scalars(select(Hamlet.name)))
                assert set(s.scalars(select(Hamlet.tenant_id))) <= {tenant_id}
    assert seen == {"51.07.01.2003": ["Kaja", "Kelod"], "51.07.06.2003": ["Tengah"], "51.07.04.2007": []}
    # A hamlet not listed any more is kept, and said so; a village listing none is not read.
    path.write_text(
        '[[village]]\ncode = "51.07.01.2003"\nhamlets = ["Kaja"]\n[[village]]\ncode = "51.07.06.2003"\n'
    )
    out = run("tenants", "apply", str(path)).output
    assert "hamlet Kelod in Menanga is not in the manifest (kept)" in out and "Tengah" not in out


def test_pillars_through_a_manifest_reach_every_workers_cache(app, run, tmp_path):
    district = "51.07.01"  # Rendang
    path = tmp_path / "d.toml"
    assert run("tenants", "manifest", district, "-o", str(path)).exit_code == 0
    run("tenants", "apply", str(path))
    with app.test_request_context():
        menanga, platform = state.tenant_with_stamps("menanga")
        assert state.enabled_cached(menanga, platform) == frozenset()  # cached now
    path.unlink()
    assert (
        run("tenants", "manifest", district, "--pillar", "smart_government", "-o", str(path)).exit_code == 0
    )
    out = run("tenants", "apply", str(path)).output
    assert "+ pillar smart_government in Menanga" in out
    with app.test_request_context():
        ids = list(db.session.scalars(select(Tenant.id)))
        assert all(state.enabled_for(i) == {"smart_government"} for i in ids)
        menanga, platform = state.tenant_with_stamps("menanga")
        assert state.enabled_cached(menanga, platform) == frozenset({"smart_government"})
    assert "No changes" in run("tenants", "apply", str(path)).output


def test_manifest_command_checks_its_arguments(app, run, tmp_path):
    assert run("tenants", "manifest").exit_code == 2
    assert run("tenants", "manifest", "51", "--all").exit_code == 2
    unknown = run("tenants", "manifest", "99")
    assert unknown.exit_code == 1 and "No province, regency or district has the code 99" in unknown.output
    teleport = run("tenants", "manifest", "51.07", "--pillar", "smart_teleport")
    assert teleport.exit_code == 2 and "smart_teleport" in teleport.output
    text = run("tenants", "manifest", "51.07.04").output
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    loaded = manifests.load(path)  # the official names are checked on load
    assert [v.code for v in loaded.villages] == villages_in("51.07.04")
    assert "Seraya Barat" in text


def test_the_whole_country_manifest_lists_every_village():
    text, count = bulk_provision.manifest_text(None)
    assert count == 83_762
    assert text.count("[[village]]") == 83_762
