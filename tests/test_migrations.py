"""Migrations run from empty and from the previous revision, and carry data forward."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from desacerdas.extensions import db


def test_declared_pillars_become_enabled_plugins(tmp_path_factory):
    from conftest import make_app

    url = f"sqlite:///{tmp_path_factory.mktemp('mig') / 'm.db'}"
    app = make_app((url, url), tmp_path_factory)
    with app.app_context():
        upgrade(revision="0001_core")
        with db.engine.begin() as conn:
            columns = (
                "id, code, slug, name, kind, district_code, district_name, regency_code, regency_name,"
                " province_code, province_name, status, pillars, profile, created_at, updated_at"
            )
            values = (
                "1, '51.07.01.2003', 'menanga', 'Menanga', 'desa', '51.07.01', 'Rendang', '51.07',"
                " 'Kabupaten Karangasem', '51', 'Bali', 'active', '[\"smart_government\"]', '{}',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
            )
            conn.execute(text(f"INSERT INTO tenants ({columns}) VALUES ({values})"))  # noqa: S608 - constants
        upgrade(revision="core@head")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT tenant_id, plugin, enabled FROM village_plugins")).all()
        assert [tuple(r) for r in rows] == [(1, "smart_government", 1)]
        downgrade(revision="0001_core")  # and back: the column returns (empty)
        upgrade(revision="core@head")
        db.engine.dispose()
