"""``desa backup`` and ``desa restore``: a village-filled instance restores into an empty one with
every row count and object hash equal; refusals and failures leave the target untouched."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from desacerdas.cli import cli
from desacerdas.extensions import db
from desacerdas.models import Document, Tenant
from desacerdas.services import backup as svc
from desacerdas.tenancy import tenant_session

from .fill import fill, object_hashes, row_counts


def _url(app) -> str:  # noqa: ANN001
    return app.config["MIGRATION_DATABASE_URL"]


def test_backup_restores_every_row_and_object(source, empty_instance, tmp_path):
    menanga = fill(source)
    fill(source, "51.07.06.2003", docs_count=2)
    out = tmp_path / "backup"
    result = source.test_cli_runner().invoke(cli, ["backup", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"] == row_counts(_url(source))
    assert manifest["tables"]["smart_government_residents"] > 0
    assert {o["key"]: o["sha256"] for o in manifest["objects"]} == object_hashes(source)
    assert len(manifest["objects"]) == manifest["tables"]["document_versions"] >= 5
    assert all(o["document"] for o in manifest["objects"])
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]

    target = empty_instance()
    result = target.test_cli_runner().invoke(cli, ["restore", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert row_counts(_url(target)) == row_counts(_url(source))
    assert object_hashes(target) == object_hashes(source)
    # the restored instance works through the application role (grants and RLS in place)
    with target.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == menanga.slug))
        with tenant_session(tenant.id) as s:
            assert s.scalar(select(func.count()).select_from(Document)) >= 3


def test_restore_refuses_a_non_empty_instance(source, empty_instance, tmp_path):
    fill(source, docs_count=1)
    svc.create_backup(source, tmp_path / "b")
    target = empty_instance(migrated=True)
    before = row_counts(_url(target))
    result = target.test_cli_runner().invoke(cli, ["restore", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "not empty" in result.output
    assert row_counts(_url(target)) == before
    assert object_hashes(target) == {}


def test_damaged_backup_is_refused_before_anything_is_written(source, empty_instance, tmp_path):
    fill(source, docs_count=2)
    svc.create_backup(source, tmp_path / "b")
    victim = next(p for p in (tmp_path / "b" / "objects").rglob("*") if p.is_file())
    victim.write_bytes(victim.read_bytes() + b"x")
    target = empty_instance()
    with pytest.raises(svc.BackupError, match="damaged"):
        svc.restore_backup(target, tmp_path / "b")
    assert row_counts(_url(target)) == {}
    assert object_hashes(target) == {}


def test_failed_load_leaves_nothing(source, empty_instance, tmp_path):
    """A row count that does not match aborts the load: no table, no object stays behind."""
    fill(source, docs_count=2)
    svc.create_backup(source, tmp_path / "b")
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"]["smart_government_residents"] += 1
    path.write_text(json.dumps(manifest))
    target = empty_instance()
    with pytest.raises(svc.BackupError):
        svc.restore_backup(target, tmp_path / "b")
    assert row_counts(_url(target)) == {}
    assert object_hashes(target) == {}


def test_backup_refuses_a_non_empty_folder(source, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "something").write_text("x")
    result = source.test_cli_runner().invoke(cli, ["backup", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "not an empty folder" in result.output


def test_restore_of_an_incomplete_backup_is_refused(source, empty_instance, tmp_path):
    (tmp_path / "b").mkdir()
    target = empty_instance()
    result = target.test_cli_runner().invoke(cli, ["restore", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "no manifest.json" in result.output


def test_postgres_dump_needs_a_role_past_row_level_security(app, tmp_path):
    """The tables' owner is subject to FORCE RLS: the dump refuses clearly instead of dumping nothing."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no row-level security")
    fill(app, docs_count=1)
    with pytest.raises(svc.BackupError, match="BYPASSRLS"):
        svc.create_backup(app, tmp_path / "b")
    assert list(tmp_path.iterdir()) == []
