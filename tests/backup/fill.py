"""A village-filled instance for the backup and bundle tests: two villages, smart_government's demo
data, memberships and documents with their stored objects."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from desacerdas.models import Tenant
from desacerdas.plugin_system.state import plugins
from desacerdas.services import documents as docs
from desacerdas.storage import storage
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

PNG_1PX = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[2]


def fill(app: Flask, code: str = support.MENANGA, *, docs_count: int = 3) -> support.Village:
    """One village with demo residents and letters, staff, and ``docs_count`` documents."""
    village = support.make_village(app, code, hamlets=["Banjar Kaja"], enable=["smart_government"])
    support.make_user(app, "operator", village)
    support.make_user(app, "village_head", village)
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        plugins().hook_only("smart_government").desa_demo_data(tenant=tenant, session=s)
        s.commit()
    with app.app_context(), tenant_session(village.id) as s:
        tenant = s.get(Tenant, village.id)
        for n in range(docs_count):
            data, name = (PNG_1PX, "foto.png") if n % 2 == 0 else (PDF + str(n).encode(), "surat.pdf")
            docs.store(tenant, docs.NewFile(io.BytesIO(data), name), title=f"Dokumen {n}", session=s)
    return village


def object_hashes(app: Flask) -> dict[str, str]:
    with app.app_context():
        store = storage()
        return {k: hashlib.sha256(b"".join(store.open(k))).hexdigest() for k in store.keys("")}


def superuser_url(url: str) -> str:
    return make_url(url).set(username=os.environ.get("PGSUPERUSER", "postgres")).render_as_string(False)


def row_counts(url: str) -> dict[str, int]:
    """Every table's row count, read past RLS (the superuser on PostgreSQL)."""
    if url.startswith("postgresql"):
        url = superuser_url(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                for t in inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()


class PgDatabase:
    """A throwaway PostgreSQL database with owner and app roles (deploy/pg-test-db.sh)."""

    def __init__(self, name: str) -> None:
        self.name = name
        out = subprocess.run(
            ["bash", str(ROOT / "deploy" / "pg-test-db.sh"), "create", name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
        self.app_url = env["DESA_TEST_DATABASE_URL"]
        self.owner_url = env["DESA_TEST_MIGRATION_DATABASE_URL"]
        self.app_role = env["DESA_TEST_DB_APP_ROLE"]

    def drop(self) -> None:
        subprocess.run(["bash", str(ROOT / "deploy" / "pg-test-db.sh"), "drop", self.name], check=True)


def pg_backup_role(source_url: str) -> tuple[str, str]:
    """``(role, url)``: a read-only role that bypasses RLS, for pg_dump (created by the superuser)."""
    url = make_url(source_url)
    role = f"{url.database}_backup"
    engine = create_engine(superuser_url(source_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN BYPASSRLS IN ROLE pg_read_all_data'))
    finally:
        engine.dispose()
    return role, url.set(username=role).render_as_string(False)


def drop_role(source_url: str, role: str) -> None:
    engine = create_engine(superuser_url(source_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    finally:
        engine.dispose()
