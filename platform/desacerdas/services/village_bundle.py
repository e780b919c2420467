"""One village's export bundle: how a village moves between platforms or databases.

``export_bundle`` writes a zip with every row of every tenant-owned table of the village (plugins'
tables too: found from the SQLAlchemy metadata, no per-table code), the platform rows that hang off
the village (the village itself, its enabled plugins and their history, its memberships, its audit
events), the users those rows point at, and every document object. ``import_bundle`` loads it into
another instance in ONE transaction: new primary keys, every foreign key remapped to them (a UUID
or a storage key mentioned in any other column too), users matched by e-mail or phone or created,
objects stored under new keys first and removed again if anything fails.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import enum
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Column, Table, inspect, select, text, types
from sqlalchemy.engine import Connection

from ..extensions import db
from ..models import Base
from ..storage import storage_from_url
from ..tenancy.context import PG_SETTING
from ..tenancy.contract import tenant_tables
from . import ServiceError

FORMAT = "desacerdas-village-bundle"
FORMAT_VERSION = 1
# Platform-level rows that belong to one village (by their tenant_id), moved with it.
VILLAGE_PLATFORM_TABLES = ("village_plugins", "village_plugin_events", "memberships", "audit_events")
USER_COLUMNS_SKIPPED = ("id",)


class BundleError(ServiceError):
    def __init__(self, message: str, code: str = "bundle_failed") -> None:
        super().__init__(message, code, 400)


@dataclass
class ImportResult:
    tenant_id: int
    slug: str
    rows: dict[str, int]
    objects: int
    users_created: int
    users_matched: int
    ids: dict[Any, Any] = field(default_factory=dict)


# -- values ---------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decode(column: Column, value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, types.Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, types.Uuid):
        return uuid.UUID(value)
    if isinstance(kind, types.DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, types.Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, types.Time):
        return dt.time.fromisoformat(value)
    if isinstance(kind, types.Numeric) and not isinstance(kind, types.Float):
        return decimal.Decimal(value)
    if isinstance(kind, types.LargeBinary):
        return base64.b64decode(value)
    return value


# -- which tables ---------------------------------------------------------------------------------


def _tables(conn: Connection) -> list[Table]:
    """Tables of the bundle, parents before children (metadata order), present in this database."""
    present = set(inspect(conn).get_table_names())
    owned = tenant_tables()
    wanted = owned | set(VILLAGE_PLATFORM_TABLES)
    return [t for t in Base.metadata.sorted_tables if t.name in wanted and t.name in present]


def _user_columns(table: Table) -> list[str]:
    return [
        c.name
        for c in table.columns
        for fk in c.foreign_keys
        if fk.column.table.name == "users" and fk.column.name == "id"
    ]


def _bind(conn: Connection, tenant_id: int) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": PG_SETTING, "v": str(tenant_id)})


# -- export ---------------------------------------------------------------------------------------


def export_bundle(app: Flask, slug: str, out: str | Path) -> dict[str, Any]:
    """Write village ``slug``'s bundle to ``out`` (a .zip); returns its manifest."""
    with app.app_context():
        return _export(app, slug, Path(out))


def _export(app: Flask, slug: str, out: Path) -> dict[str, Any]:
    store = storage_from_url(app.config["STORAGE_URL"])
    engine = db.engine
    opts = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**opts) as conn:
        tenants = Base.metadata.tables["tenants"]
        tenant = conn.execute(select(tenants).where(tenants.c.slug == slug)).mappings().first()
        if tenant is None:
            raise BundleError(f"No village with slug '{slug}'.", "not_found")
        tid = tenant["id"]
        _bind(conn, tid)
        data: dict[str, list[dict[str, Any]]] = {}
        user_ids: set[int] = set()
        for table in _tables(conn):
            rows = conn.execute(select(table).where(table.c.tenant_id == tid)).mappings().all()
            data[table.name] = [{k: _encode(v) for k, v in r.items()} for r in rows]
            for col in _user_columns(table):
                user_ids |= {r[col] for r in rows if r[col] is not None}
        users = Base.metadata.tables["users"]
        data["users"] = [
            {k: _encode(v) for k, v in r.items()}
            for r in conn.execute(select(users).where(users.c.id.in_(sorted(user_ids)))).mappings()
        ]
        heads = sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
        conn.rollback()
    keys = sorted({r["storage_key"] for r in data.get("document_versions", [])})
    tmp = out.with_name(f".{out.name}.partial")
    objects = []
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for key in keys:
                body = b"".join(store.open(key))
                zf.writestr(f"objects/{key}", body)
                objects.append({"key": key, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()})
            for name, rows in data.items():
                zf.writestr(f"data/{name}.json", json.dumps(rows, sort_keys=True))
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "tenant": {k: _encode(v) for k, v in tenant.items()},
                "alembic_heads": heads,
                "rows": {name: len(rows) for name, rows in data.items()},
                "objects": objects,
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return manifest


# -- import ---------------------------------------------------------------------------------------


def read_bundle(path: str | Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], dict[str, bytes]]:
    """The manifest, the rows and the objects of a bundle, every object checked against its hash."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"{path} is not a village bundle: {exc}") from None
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError:
            raise BundleError(f"{path} is not a village bundle (no manifest.json)") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise BundleError(f"{path} is not a {FORMAT} version {FORMAT_VERSION}")
        data = {name: json.loads(zf.read(f"data/{name}.json")) for name in manifest["rows"]}
        objects = {}
        for entry in manifest["objects"]:
            body = zf.read(f"objects/{entry['key']}")
            if hashlib.sha256(body).hexdigest() != entry["sha256"]:
                raise BundleError(f"object {entry['key']} is damaged in the bundle")
            objects[entry["key"]] = body
    return manifest, data, objects


def _match_or_create_users(conn: Connection, rows: list[dict[str, Any]]) -> tuple[dict[int, int], int, int]:
    users = Base.metadata.tables["users"]
    mapping: dict[int, int] = {}
    created = matched = 0
    for row in rows:
        existing = None
        for key in ("email", "phone"):
            if row.get(key):
                existing = conn.execute(select(users.c.id).where(users.c[key] == row[key])).scalar()
                if existing is not None:
                    break
        if existing is not None:
            mapping[row["id"]] = existing
            matched += 1
            continue
        values = {c.name: _decode(c, row[c.name]) for c in users.columns if c.name in row and c.name != "id"}
        mapping[row["id"]] = conn.execute(users.insert().values(**values).returning(users.c.id)).scalar_one()
        created += 1
    return mapping, created, matched


def _new_key(key: str, ids: dict[str, str]) -> str:
    """The same key with every id segment replaced (``<code>/<plugin>/<document id>/<version>``)."""
    return "/".join(ids.get(part, part) for part in key.split("/"))


def import_bundle(app: Flask, path: str | Path, *, slug: str | None = None) -> ImportResult:
    """Load a bundle into this instance as a new village (``slug`` to rename it), all or nothing."""
    with app.app_context():
        return _import(app, path, slug)


def _import(app: Flask, path: str | Path, slug: str | None) -> ImportResult:
    manifest, data, objects = read_bundle(path)
    store = storage_from_url(app.config["STORAGE_URL"])
    engine = db.engine
    source_tenant = manifest["tenant"]
    new_slug = slug or source_tenant["slug"]
    tenants = Base.metadata.tables["tenants"]
    # old UUIDs (as text) → new ones, for every UUID primary key in the bundle
    uuid_map: dict[str, str] = {}
    for name, rows in data.items():
        table = Base.metadata.tables.get(name)
        if table is None:
            raise BundleError(f"this platform has no table {name} (install the plugin that owns it first)")
        if "id" in table.c and isinstance(table.c.id.type, types.Uuid):
            for row in rows:
                uuid_map[row["id"]] = str(uuid.uuid4())
    key_map = {key: _new_key(key, uuid_map) for key in objects}
    stored: list[str] = []
    try:
        with engine.begin() as conn:
            present = set(inspect(conn).get_table_names())
            missing = sorted(n for n in data if n not in present)
            if missing:
                raise BundleError(f"tables missing here: {', '.join(missing)} (run `desa db upgrade` first)")
            if conn.execute(select(tenants.c.id).where(tenants.c.code == source_tenant["code"])).first():
                raise BundleError(
                    f"a village with code {source_tenant['code']} already exists here", "exists"
                )
            if conn.execute(select(tenants.c.id).where(tenants.c.slug == new_slug)).first():
                raise BundleError(
                    f"a village with slug '{new_slug}' already exists here (use --slug)", "exists"
                )
            values = {
                c.name: _decode(c, source_tenant[c.name]) for c in tenants.columns if c.name in source_tenant
            }
            values.pop("id")
            values["slug"] = new_slug
            tid = conn.execute(tenants.insert().values(**values).returning(tenants.c.id)).scalar_one()
            _bind(conn, tid)
            user_map, created, matched = _match_or_create_users(conn, data.get("users", []))
            for old, new in key_map.items():
                store.put(new, io.BytesIO(objects[old]), len(objects[old]), "application/octet-stream")
                stored.append(new)
            rows_in: dict[str, int] = {}
            for table in Base.metadata.sorted_tables:
                if table.name not in data or table.name == "users":
                    continue
                rows = [_remap(table, row, tid, user_map, uuid_map, key_map) for row in data[table.name]]
                if rows:
                    conn.execute(table.insert(), rows)
                rows_in[table.name] = len(rows)
    except BaseException:
        for key in stored:
            with contextlib.suppress(Exception):  # best effort; the original error matters
                store.delete(key)
        raise
    ids: dict[Any, Any] = {uuid.UUID(k): uuid.UUID(v) for k, v in uuid_map.items()}
    ids.update({("users", k): v for k, v in user_map.items()})
    return ImportResult(tid, new_slug, rows_in, len(key_map), created, matched, ids)


def _remap(
    table: Table,
    row: dict[str, Any],
    tenant_id: int,
    user_map: dict[int, int],
    uuid_map: dict[str, str],
    key_map: dict[str, str],
) -> dict[str, Any]:
    users = set(_user_columns(table))
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.name not in row:
            continue
        value = row[column.name]
        if column.name == "tenant_id":
            value = tenant_id
        elif (
            column.primary_key
            and column.autoincrement is not False
            and isinstance(column.type, types.Integer)
        ):
            continue  # a new serial id
        elif column.name in users and value is not None:
            value = user_map[value]
        else:
            value = _remap_value(value, uuid_map, key_map)
        out[column.name] = _decode(column, value)
    return out


def _remap_value(value: Any, uuid_map: dict[str, str], key_map: dict[str, str]) -> Any:
    """An old id or storage key, also inside JSON (a plugin's settings, an audit detail), → the new."""
    if isinstance(value, str):
        return uuid_map.get(value, key_map.get(value, value))
    if isinstance(value, list):
        return [_remap_value(v, uuid_map, key_map) for v in value]
    if isinstance(value, dict):
        return {k: _remap_value(v, uuid_map, key_map) for k, v in value.items()}
    return value
