"""Build a platform instance for the page benchmarks: one real village (Menanga) with the six
pillars enabled, a demo registry, a village operator and a platform admin, plus ``extra`` bare
villages inserted in bulk (one executemany, no per-village services: the benchmark measures the
pages, not provisioning).

The config is a development one (not ``TESTING``), written to ``config.json`` in the instance folder
so a gunicorn worker (``bench/bare_pages/platform_wsgi.py``) builds the very same app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSWORD = "correct horse battery"  # noqa: S105 - benchmark accounts only
MENANGA = "51.07.01.2003"
SLUG = "menanga"
OPERATOR = "operator@bench.test"
ADMIN = "admin@bench.test"


@dataclass
class Instance:
    """What a benchmark needs to reach the platform it built."""

    root: Path
    config: dict[str, Any]
    token: str  # the operator's API token
    residents: int


def config_for(
    root: Path, database_url: str, owner_url: str | None = None, app_role: str | None = None
) -> dict:
    """The app's config for a benchmark instance under ``root`` (nothing outside it)."""
    return {
        "DESA_ENV": "development",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": owner_url or database_url,
        "DB_APP_ROLE": app_role,
        "INSTANCE_PATH": str(root),
        "STORAGE_URL": f"file://{root / 'documents'}",
        "BROKER_URL": "memory://",
        "LOGIN_LIMIT": "100000 per minute",
        "LOGIN_ACCOUNT_LIMIT": 100000,
        "BABEL_DEFAULT_LOCALE": "en",
        "PAGE_SIZE": 20,
    }


def create_app(config: dict[str, Any]):  # noqa: ANN201
    """The platform app for ``config`` (its plugins discovered as in production)."""
    from desacerdas.app import create_app as factory

    return factory(dict(config))


def fake_tenants(count: int, start: int = 0) -> list[dict[str, Any]]:
    """``count`` synthetic villages in provinces 91–99 (never a real Bali code), 100 per district and
    10 districts per regency, as rows for the ``tenants`` table."""
    rows = []
    for n in range(start, start + count):
        province = 91 + n // 100_000
        regency, district, village = (n // 1000) % 100, (n // 100) % 10, n % 100
        d = f"{province}.{regency + 1:02d}.{district + 1:02d}"
        rows.append(
            {
                "code": f"{d}.{2001 + village}",
                "slug": f"bench-{n:06d}",
                "name": f"Desa Uji {n:06d}",
                "kind": "desa",
                "district_code": d,
                "district_name": f"Kecamatan {d}",
                "regency_code": d[:5],
                "regency_name": f"Kabupaten {d[:5]}",
                "province_code": str(province),
                "province_name": f"Provinsi {province}",
                "status": "active",
                "profile": {},
            }
        )
    return rows


def add_villages(app, count: int) -> None:  # noqa: ANN001
    """Insert ``count`` bare villages (owner connection: a bulk executemany, 5,000 a statement)."""
    from datetime import UTC, datetime

    from sqlalchemy import create_engine

    from desacerdas.models import Tenant

    rows = fake_tenants(count)
    now = datetime.now(UTC)
    for row in rows:
        row["created_at"] = row["updated_at"] = now
    engine = create_engine(app.config["MIGRATION_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            for i in range(0, len(rows), 5000):
                conn.execute(Tenant.__table__.insert(), rows[i : i + 5000])
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("ANALYZE tenants")
            else:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def build(root: Path, config: dict[str, Any], extra_villages: int = 0, residents: int = 60) -> Instance:
    """Migrate, provision Menanga with every pillar and ``residents`` demo residents, two users, an
    API token; then ``extra_villages`` bare villages. Writes ``root/config.json``."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from desacerdas.extensions import db
    from desacerdas.models import Membership, Role, User
    from desacerdas.plugin_system.state import enabled_for
    from desacerdas.services import rollout
    from desacerdas.services import tenants as tenant_svc
    from desacerdas.services import users as user_svc
    from desacerdas.services.auth import create_api_token
    from desacerdas.tenancy import tenant_session

    root.mkdir(parents=True, exist_ok=True)
    app = create_app(config)
    with app.app_context():
        upgrade(revision="core@head")
        for name in app.extensions["desa_plugins"].working():
            rollout.install(name)
        tenant = tenant_svc.create_tenant(MENANGA, slug=SLUG)
        for hamlet in ("Banjar Dinas Kaja", "Banjar Dinas Tengah", "Banjar Dinas Kelod"):
            tenant_svc.add_hamlet(tenant, hamlet)
        for name in app.extensions["desa_plugins"].working():
            if name not in enabled_for(tenant.id):
                rollout.enable(tenant, name, override_reason="benchmark")
        from smart_government.registry import demo
        from smart_government.registry.models import Resident

        with tenant_session(tenant.id) as s:
            demo.load(tenant, s, size=residents)
            s.commit()
            count = s.scalar(select(func.count()).select_from(Resident))
        operator = user_svc.create_user("Operator Bench", email=OPERATOR, password=PASSWORD)
        user_svc.grant(operator, Role.OPERATOR, tenant=tenant)
        admin = user_svc.create_user("Admin Bench", email=ADMIN, password=PASSWORD)
        db.session.add(Membership(user=admin, role=Role.PLATFORM_ADMIN))
        db.session.commit()
        _token, plain = create_api_token(db.session.get(User, operator.id), "bench")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    if extra_villages:
        add_villages(app, extra_villages)
    (root / "config.json").write_text(json.dumps(config))
    return Instance(root, config, plain, count)


def sign_in(client, email: str) -> None:  # noqa: ANN001
    """Sign in on a Flask test client (development config: CSRF on, so read the form's token)."""
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"login": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    resp = client.post("/auth/login", data=data)
    if resp.status_code != 302:
        raise RuntimeError(f"signing in {email} failed: {resp.status_code}")
