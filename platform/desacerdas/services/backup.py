"""Whole-instance backups that restore: the database dump, every stored object, and a manifest.

A backup folder holds ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or
``database.sqlite3`` (SQLite, the backup API), ``objects/<key>`` for every stored object, and
``manifest.json``: the SHA-256 of every file, the row count of every table, the migration heads.
The manifest is written last and the folder renamed into place only when complete, so a folder
with a manifest is a whole backup.

On PostgreSQL every tenant-owned table has FORCE ROW LEVEL SECURITY, so even the tables' owner
sees no rows without a village set: ``pg_dump`` must run as a role that bypasses RLS (a read-only
``desa_backup`` role, ``BYPASSRLS`` and ``pg_read_all_data``), given by ``DESA_BACKUP_DATABASE_URL``
(defaults to the migration URL). The dump and the row counts share one exported snapshot.

:func:`restore_backup` loads a backup into an EMPTY instance (no tables, no stored objects): it
verifies every hash first, stores the objects, then loads the database in ONE transaction that also
checks every row count before it commits; on any failure the objects it stored are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from ..storage import ObjectMissing, Storage, storage_from_url
from . import ServiceError

FORMAT = "desacerdas-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
OBJECTS = "objects"
CHUNK = 1024 * 1024


class BackupError(ServiceError):
    """A backup or restore that was refused or failed; nothing was left half-written."""

    def __init__(self, message: str, code: str = "backup_failed") -> None:
        super().__init__(message, code, 400)


@dataclass
class BackupResult:
    path: Path
    tables: dict[str, int]
    objects: int
    bytes: int


@dataclass
class RestoreResult:
    tables: dict[str, int]
    objects: int
    warnings: list[str] = field(default_factory=list)


# -- helpers --------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def libpq_url(url: str | URL) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://…``) as the plain URL pg_dump and psql take."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup_database_url(app: Flask) -> str:
    """Who dumps PostgreSQL: ``DESA_BACKUP_DATABASE_URL``, else the tables' owner."""
    return (
        app.config.get("BACKUP_DATABASE_URL")
        or os.environ.get("DESA_BACKUP_DATABASE_URL")
        or app.config.get("MIGRATION_DATABASE_URL")
        or app.config["SQLALCHEMY_DATABASE_URI"]
    )


def _owner_url(app: Flask) -> str:
    return app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"]


def _dialect(url: str) -> str:
    return make_url(url).get_backend_name()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{cmd[0]} is not installed (PostgreSQL client tools are needed)") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()
        if "row-level security" in detail:
            detail += (
                "\nThe dumping role is subject to Row-Level Security. Dump with a role that bypasses it,"
                " e.g. CREATE ROLE desa_backup LOGIN BYPASSRLS IN ROLE pg_read_all_data; and set"
                " DESA_BACKUP_DATABASE_URL."
            )
        raise BackupError(f"{what} failed: {detail}")
    return done


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _alembic_heads(conn) -> list[str]:  # noqa: ANN001
    if "alembic_version" not in inspect(conn).get_table_names():
        return []
    return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def _counts(conn, tables: list[str]) -> dict[str, int]:  # noqa: ANN001
    # table names come from the database's own catalogue, quoted
    return {t: conn.execute(text(f"SELECT count(*) FROM {_quote(t)}")).scalar_one() for t in sorted(tables)}  # noqa: S608


def _referenced_objects(conn, tables: list[str]) -> dict[str, str]:  # noqa: ANN001
    """storage key → SHA-256 the documents core recorded for it."""
    if "document_versions" not in tables:
        return {}
    rows = conn.execute(text("SELECT storage_key, sha256 FROM document_versions"))
    return {key: sha for key, sha in rows}


# -- backup ---------------------------------------------------------------------------------------


@contextmanager
def _pg_snapshot(url: str) -> Iterator[tuple[Any, str]]:
    """A REPEATABLE READ transaction and its exported snapshot id (pg_dump --snapshot uses it)."""
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            yield conn, snapshot
            conn.rollback()
    finally:
        engine.dispose()


def _dump_postgres(app: Flask, work: Path) -> tuple[str, dict[str, int], dict[str, str], list[str]]:
    url = backup_database_url(app)
    with _pg_snapshot(url) as (conn, snapshot):
        # row_security off: a role still subject to RLS fails loudly instead of counting zero rows
        conn.execute(text("SET LOCAL row_security = off"))
        tables = inspect(conn).get_table_names()
        try:
            counts = _counts(conn, tables)
        except Exception as exc:  # noqa: BLE001 - the driver's error says which table
            raise BackupError(
                f"cannot read every row as {make_url(url).username}: {exc.__class__.__name__}. "
                "Dump with a role that bypasses Row-Level Security (BYPASSRLS), e.g. "
                "CREATE ROLE desa_backup LOGIN BYPASSRLS IN ROLE pg_read_all_data; "
                "and set DESA_BACKUP_DATABASE_URL."
            ) from None
        referenced = _referenced_objects(conn, tables)
        heads = _alembic_heads(conn)
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                "--no-privileges",
                f"--file={work / PG_DUMP_FILE}",
                f"--dbname={libpq_url(url)}",
            ],
            "pg_dump",
        )
    return PG_DUMP_FILE, counts, referenced, heads


def _dump_sqlite(app: Flask, work: Path) -> tuple[str, dict[str, int], dict[str, str], list[str]]:
    source = _sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])
    if not source.exists():
        raise BackupError(f"no database at {source}")
    target = work / SQLITE_FILE
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # a consistent copy even while the app writes
    finally:
        dst.close()
        src.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return SQLITE_FILE, _counts(conn, tables), _referenced_objects(conn, tables), _alembic_heads(conn)
    finally:
        engine.dispose()


def _copy_objects(store: Storage, objects_dir: Path) -> list[dict[str, Any]]:
    entries = []
    for key in store.keys(""):
        path = objects_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        try:
            with path.open("wb") as out:
                for chunk in store.open(key):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except ObjectMissing:
            path.unlink(missing_ok=True)  # deleted while we listed: not part of the dump's state
            continue
        entries.append({"key": key, "size": size, "sha256": digest.hexdigest()})
    return entries


def create_backup(app: Flask, out_dir: str | Path) -> BackupResult:
    """Write a whole backup of ``app``'s database and storage into ``out_dir`` (must not exist or be
    empty). Written in a sibling folder first and renamed at the end: never a half backup."""
    out = Path(out_dir).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} exists and is not an empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        dialect = _dialect(url)
        if dialect == "postgresql":
            db_file, counts, referenced, heads = _dump_postgres(app, work)
        elif dialect == "sqlite":
            db_file, counts, referenced, heads = _dump_sqlite(app, work)
        else:
            raise BackupError(f"backups of {dialect} databases are not supported")
        store = storage_from_url(app.config["STORAGE_URL"])
        objects = _copy_objects(store, work / OBJECTS)
        stored = {o["key"]: o["sha256"] for o in objects}
        missing = sorted(set(referenced) - set(stored))
        if missing:
            raise BackupError(
                f"{len(missing)} document object(s) are missing from storage, e.g. {missing[0]}"
            )
        corrupt = sorted(k for k, sha in referenced.items() if stored[k] != sha)
        if corrupt:
            raise BackupError(
                f"{len(corrupt)} stored object(s) do not match their SHA-256, e.g. {corrupt[0]}"
            )
        for entry in objects:
            entry["document"] = entry["key"] in referenced
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "dialect": dialect,
            "alembic_heads": heads,
            "database": {
                "file": db_file,
                "size": (work / db_file).stat().st_size,
                "sha256": sha256_file(work / db_file),
            },
            "tables": counts,
            "objects": objects,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        if out.exists():
            out.rmdir()
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    total = sum(o["size"] for o in objects) + manifest["database"]["size"]
    return BackupResult(out, counts, len(objects), total)


# -- restore --------------------------------------------------------------------------------------


def read_manifest(backup_dir: Path) -> dict[str, Any]:
    path = backup_dir / MANIFEST
    if not path.is_file():
        raise BackupError(f"{backup_dir} is not a backup (no {MANIFEST}: incomplete or not ours)")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path} is not a {FORMAT} version {FORMAT_VERSION} manifest")
    return manifest


def verify_backup(backup_dir: str | Path) -> dict[str, Any]:
    """Check every file of a backup against its manifest; returns the manifest."""
    root = Path(backup_dir).resolve()
    manifest = read_manifest(root)
    db_file = root / manifest["database"]["file"]
    if not db_file.is_file() or sha256_file(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{db_file.name} is missing or does not match its SHA-256: the backup is damaged")
    bad = []
    for entry in manifest["objects"]:
        path = (root / OBJECTS / entry["key"]).resolve()
        if root not in path.parents or not path.is_file() or sha256_file(path) != entry["sha256"]:
            bad.append(entry["key"])
    if bad:
        raise BackupError(f"{len(bad)} object(s) missing or damaged in the backup, e.g. {bad[0]}")
    return manifest


def _pg_tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def _check_empty(app: Flask, store: Storage, dialect: str) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if dialect == "postgresql":
        tables = _pg_tables(_owner_url(app))
    else:
        path = _sqlite_path(url)
        tables = []
        if path.exists() and path.stat().st_size:
            engine = create_engine(f"sqlite:///{path}")
            try:
                with engine.connect() as conn:
                    tables = inspect(conn).get_table_names()
            finally:
                engine.dispose()
    if tables:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]}): "
            "restore only into a new, empty database (do not run `desa db upgrade` first)",
            "not_empty",
        )
    if next(iter(store.keys("")), None) is not None:
        raise BackupError(
            "the target storage already holds objects: restore only into empty storage", "not_empty"
        )


def _put_objects(store: Storage, root: Path, manifest: dict[str, Any], stored: list[str]) -> None:
    for entry in manifest["objects"]:
        path = root / OBJECTS / entry["key"]
        with path.open("rb") as handle:
            store.put(entry["key"], handle, entry["size"], "application/octet-stream")
        stored.append(entry["key"])


def _count_checks_sql(tables: dict[str, int]) -> str:
    """A DO block that aborts the restoring transaction unless every table has its rows."""
    lines = ["DO $$", "DECLARE n bigint;", "BEGIN"]
    for table, expected in sorted(tables.items()):
        literal = table.replace("'", "''")
        lines.append(f"  SELECT count(*) INTO n FROM public.{_quote(table)};")  # noqa: S608 - quoted name
        lines.append(
            f"  IF n <> {int(expected)} THEN"
            f" RAISE EXCEPTION 'table {literal}: % rows, expected {int(expected)}', n; END IF;"
        )
    lines += ["END $$;", ""]
    return "\n".join(lines)


def _grants_sql(role: str | None) -> str:
    """What ``migrations/env.py`` grants the application role after an upgrade."""
    if not role:
        return ""
    q = _quote(role)
    statements = [
        "GRANT USAGE ON SCHEMA public TO {q}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q}",
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q}",
        "REVOKE INSERT, UPDATE, DELETE ON public.alembic_version FROM {q}",
    ]
    return "".join(s.format(q=q) + ";\n" for s in statements)


def _restore_postgres(app: Flask, root: Path, manifest: dict[str, Any]) -> None:
    dump = root / manifest["database"]["file"]
    url = libpq_url(_owner_url(app))
    with tempfile.TemporaryDirectory(prefix="desa-restore-") as tmp:
        work = Path(tmp)
        data_sql, post_sql, check_sql = work / "data.sql", work / "post.sql", work / "check.sql"
        common = ["pg_restore", "--no-owner", "--no-privileges"]
        _run([*common, "--section=pre-data", "--section=data", f"--file={data_sql}", str(dump)], "pg_restore")
        _run([*common, "--section=post-data", f"--file={post_sql}", str(dump)], "pg_restore")
        # counted after the data and before RLS is switched on (post-data), in the same transaction
        check_sql.write_text(
            _count_checks_sql(manifest["tables"]) + _grants_sql(app.config.get("DB_APP_ROLE"))
        )
        _run(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "-v",
                "ON_ERROR_STOP=1",
                f"--dbname={url}",
                "-f",
                str(data_sql),
                "-f",
                str(check_sql),
                "-f",
                str(post_sql),
            ],
            "loading the database",
        )


def _restore_sqlite(app: Flask, root: Path, manifest: dict[str, Any]) -> None:
    target = _sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.restore-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(root / manifest["database"]["file"], tmp)
        engine = create_engine(f"sqlite:///{tmp}")
        try:
            with engine.connect() as conn:
                counts = _counts(conn, inspect(conn).get_table_names())
        finally:
            engine.dispose()
        if counts != manifest["tables"]:
            raise BackupError("the restored database's row counts differ from the manifest")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def restore_backup(app: Flask, backup_dir: str | Path) -> RestoreResult:
    """Load a backup into ``app``'s EMPTY database and storage, all or nothing."""
    root = Path(backup_dir).resolve()
    manifest = verify_backup(root)
    dialect = _dialect(app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"this backup is of a {manifest['dialect']} database; the target is {dialect}"
            " (to move a village between databases, use `desa bundle export/import`)"
        )
    store = storage_from_url(app.config["STORAGE_URL"])
    _check_empty(app, store, dialect)
    stored: list[str] = []
    try:
        _put_objects(store, root, manifest, stored)
        if dialect == "postgresql":
            _restore_postgres(app, root, manifest)
        else:
            _restore_sqlite(app, root, manifest)
    except BaseException:
        for key in stored:
            with contextlib.suppress(Exception):  # best effort; the original error matters
                store.delete(key)
        raise
    return RestoreResult(dict(manifest["tables"]), len(manifest["objects"]))
