"""``desa bundle export`` / ``desa bundle import``: a village moves into another instance unchanged —
every row of every tenant-owned table (minus ids and tenant ids), every reference between them, its
memberships and users, and every object hash; refusals and failures leave nothing behind."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from datetime import UTC, datetime

import pytest
from backup.fill import fill, object_hashes, row_counts, superuser_url
from sqlalchemy import and_, create_engine, select, types

from desacerdas.cli import cli
from desacerdas.models import Base
from desacerdas.services import village_bundle as svc
from desacerdas.storage import storage
from desacerdas.tenancy.contract import tenant_tables

# the columns that are keys, not content: compared through the references they make instead
SKIPPED = ("tenant_id",)


def _engine(app):  # noqa: ANN001, ANN202
    url = app.config["MIGRATION_DATABASE_URL"]
    return create_engine(superuser_url(url) if url.startswith("postgresql") else url)


def _content_columns(table) -> list:  # noqa: ANN001
    return [
        c
        for c in table.columns
        if c.name not in SKIPPED
        and not c.foreign_keys
        and not isinstance(c.type, types.Uuid)
        and not (c.primary_key and isinstance(c.type, types.Integer))
        and c.name != "storage_key"
    ]


def _value(v, refs: dict):  # noqa: ANN001, ANN202
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones: compare them in UTC. An id in a
    text or JSON column becomes the content of the row it names (which must have moved with it)."""
    if isinstance(v, datetime):
        v = v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    if isinstance(v, list):
        return [_value(x, refs) for x in v]
    if isinstance(v, dict):
        return {k: _value(x, refs) for k, x in v.items()}
    if isinstance(v, str) and v in refs:
        return "ref:" + refs[v]
    return svc._encode(v)


def _canon(row, refs: dict | None = None) -> str:  # noqa: ANN001
    return json.dumps({k: _value(v, refs or {}) for k, v in row.items()}, sort_keys=True, default=str)


def _refs(conn, tenant_id: int) -> dict[str, str]:  # noqa: ANN001
    """Every row id of the village → that row's content (without ids; an id inside it → the name of
    the table whose row it names: rows may name each other, a document and its letter request)."""
    rows: dict[str, tuple[str, dict]] = {}
    for name in sorted(tenant_tables()):
        table = Base.metadata.tables[name]
        if "id" not in table.c or not isinstance(table.c.id.type, types.Uuid):
            continue
        cols = _content_columns(table)
        for row in conn.execute(select(table.c.id, *cols).where(table.c.tenant_id == tenant_id)).mappings():
            content = dict(row)
            row_id = str(content.pop("id"))
            rows[row_id] = (name, content)
    names = {row_id: f"a row of {name}" for row_id, (name, _content) in rows.items()}
    return {row_id: name + _canon(content, names) for row_id, (name, content) in rows.items()}


def snapshot(app, tenant_id: int) -> dict:  # noqa: ANN001
    """Everything of one village that must survive a move, with no id in it."""
    engine = _engine(app)
    out: dict = {}
    hashes = object_hashes(app)
    try:
        with engine.connect() as conn:
            refs = _refs(conn, tenant_id)
            users = Base.metadata.tables["users"]
            for name in sorted(tenant_tables() | set(svc.VILLAGE_PLATFORM_TABLES)):
                table = Base.metadata.tables[name]
                cols = _content_columns(table)
                rows = conn.execute(select(*cols).where(table.c.tenant_id == tenant_id)).mappings()
                out[name] = Counter(_canon(r, refs) for r in rows)
                # every reference, as (child's content, parent's content)
                for fk in table.foreign_key_constraints:
                    parent = fk.referred_table
                    if parent.name == "tenants":
                        continue
                    on = and_(*(e.parent == e.column for e in fk.elements))
                    pcols = [c.label(f"p_{c.name}") for c in _content_columns(parent)]
                    q = (
                        select(*cols, *pcols)
                        .select_from(table.join(parent, on))
                        .where(table.c.tenant_id == tenant_id)
                    )
                    pairs = conn.execute(q).mappings()
                    out[f"{name}->{parent.name}"] = Counter(_canon(r, refs) for r in pairs)
                if "storage_key" in table.c:
                    out[f"{name}.objects"] = Counter(
                        hashes[k]
                        for k in conn.scalars(
                            select(table.c.storage_key).where(table.c.tenant_id == tenant_id)
                        )
                    )
            members = Base.metadata.tables["memberships"]
            out["member_users"] = Counter(
                (r.email, r.role)
                for r in conn.execute(
                    select(users.c.email, members.c.role)
                    .join(users, users.c.id == members.c.user_id)
                    .where(members.c.tenant_id == tenant_id)
                )
            )
    finally:
        engine.dispose()
    return out


def differences(before: dict, after: dict) -> list:
    """What differs, readable: (what, only before, only after) for each part that is not equal."""
    out = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key, Counter()), after.get(key, Counter())
        if a != b:
            out.append((key, sorted((b - a).elements())[:2], sorted((a - b).elements())[:2]))
    return out


def _tenant_id(app, slug: str) -> int:  # noqa: ANN001
    engine = _engine(app)
    tenants = Base.metadata.tables["tenants"]
    try:
        with engine.connect() as conn:
            return conn.scalar(select(tenants.c.id).where(tenants.c.slug == slug))
    finally:
        engine.dispose()


def test_a_village_imports_unchanged(app, empty_instance, tmp_path):
    fill(app, "51.07.06.2003", docs_count=1)  # a neighbour that must not come along
    village = fill(app)
    before = snapshot(app, village.id)
    assert sum(before["smart_government_residents"].values()) > 0
    assert before["smart_government_residents->smart_government_families"]
    out = tmp_path / "menanga.zip"
    result = app.test_cli_runner().invoke(cli, ["bundle", "export", village.slug, "-o", str(out)])
    assert result.exit_code == 0, result.output

    target = empty_instance(migrated=True)
    result = target.test_cli_runner().invoke(cli, ["bundle", "import", str(out), "--slug", "menanga-baru"])
    assert result.exit_code == 0, result.output
    new_id = _tenant_id(target, "menanga-baru")
    after = snapshot(target, new_id)
    assert differences(before, after) == []
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert sorted(o["sha256"] for o in manifest["objects"]) == sorted(object_hashes(target).values())
    assert all(k.startswith(f"{village.code}/") for k in object_hashes(target))
    # the neighbour's rows stayed home
    assert set(row_counts(target.config["MIGRATION_DATABASE_URL"]).keys()) >= set(manifest["rows"])
    assert sum(1 for _ in _neighbour_rows(target)) == 0


def test_a_village_moves_from_postgresql_to_sqlite(app, empty_instance, tmp_path):
    """The bundle is database-neutral: PostgreSQL → SQLite (the suite's other lane does SQLite → SQLite)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs the PostgreSQL lane as the source")
    village = fill(app, docs_count=2)
    before = snapshot(app, village.id)
    svc.export_bundle(app, village.slug, tmp_path / "v.zip")
    target = empty_instance(migrated=True, sqlite=True)
    result = svc.import_bundle(target, tmp_path / "v.zip")
    assert differences(before, snapshot(target, result.tenant_id)) == []


def _neighbour_rows(target):  # noqa: ANN001, ANN202
    engine = _engine(target)
    tenants = Base.metadata.tables["tenants"]
    try:
        with engine.connect() as conn:
            yield from conn.execute(select(tenants.c.id).where(tenants.c.code == "51.07.06.2003"))
    finally:
        engine.dispose()


def test_import_is_all_or_nothing(app, empty_instance, tmp_path):
    village = fill(app, docs_count=2)
    out = tmp_path / "v.zip"
    svc.export_bundle(app, village.slug, out)
    # a bundle whose last table breaks a unique key: everything before it must vanish too
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "data/smart_government_letters.json":
                rows = json.loads(body)
                body = json.dumps(rows + rows[:1])
            if item.filename == "manifest.json":
                manifest = json.loads(body)
                manifest["rows"]["smart_government_letters"] += 1
                body = json.dumps(manifest)
            dst.writestr(item, body)
    target = empty_instance(migrated=True)
    before = row_counts(target.config["MIGRATION_DATABASE_URL"])
    with pytest.raises(Exception):  # noqa: B017, PT011 - the database's integrity error
        svc.import_bundle(target, broken)
    assert row_counts(target.config["MIGRATION_DATABASE_URL"]) == before
    assert object_hashes(target) == {}


def test_import_refuses_an_existing_village_and_a_damaged_bundle(app, tmp_path):
    village = fill(app, docs_count=1)
    out = tmp_path / "v.zip"
    svc.export_bundle(app, village.slug, out)
    result = app.test_cli_runner().invoke(cli, ["bundle", "import", str(out), "--slug", "lain"])
    assert result.exit_code == 1
    assert "already exists" in result.output

    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            dst.writestr(item, body + b"x" if item.filename.startswith("objects/") else body)
    with pytest.raises(svc.BundleError, match="damaged"):
        svc.import_bundle(app, damaged)


def test_export_of_an_unknown_village(app, tmp_path):
    result = app.test_cli_runner().invoke(cli, ["bundle", "export", "nowhere", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code == 1
    assert "No village" in result.output
    assert not list(tmp_path.iterdir())


def test_objects_are_those_of_the_village(app, tmp_path):
    village = fill(app, docs_count=2)
    other = fill(app, "51.07.06.2003", docs_count=1)
    manifest = svc.export_bundle(app, village.slug, tmp_path / "v.zip")
    assert manifest["objects"]
    assert all(o["key"].startswith(f"{village.code}/") for o in manifest["objects"])
    with app.app_context():
        for o in manifest["objects"]:
            assert hashlib.sha256(b"".join(storage().open(o["key"]))).hexdigest() == o["sha256"]
    assert other.code != village.code
