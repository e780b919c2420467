"""Health endpoints, configuration from the environment, production safety, shared rate limits."""

from __future__ import annotations

import os

import pytest
from flask_migrate import downgrade, upgrade

from desacerdas.app import create_app
from desacerdas.config import ConfigError, load_config
from desacerdas.extensions import db


def test_healthz_and_readyz(client):
    assert client.get("/healthz").status_code == 200
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["migrations"] == "current"


def test_readyz_and_pages_when_database_is_down(tmp_path, monkeypatch):
    # the documents folder and the broker are derived from DESA_INSTANCE_PATH, not INSTANCE_PATH
    monkeypatch.setenv("DESA_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
            "INSTANCE_PATH": str(tmp_path),
            "DESA_ENV": "testing",
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )
    c = app.test_client()
    assert c.get("/healthz").status_code == 200
    ready = c.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"] == "unreachable"
    page = c.get("/desa/menanga/")
    assert page.status_code == 503
    assert "temporarily unavailable" in page.get_data(as_text=True)


def test_readyz_reports_pending_migrations(tmp_path_factory):
    """On its own SQLite file: upgrade from empty, downgrade, upgrade from the previous revision."""
    from conftest import make_app

    probe = make_app((f"sqlite:///{tmp_path_factory.mktemp('m') / 'm.db'}",) * 2, tmp_path_factory)
    with probe.app_context():
        upgrade(revision="core@head")
        assert probe.test_client().get("/readyz").status_code == 200
        downgrade(revision="core@base")
        resp = probe.test_client().get("/readyz")
        assert resp.status_code == 503 and resp.get_json()["migrations"] == "pending"
        upgrade(revision="core@head")  # from the previous revision back to head
        assert probe.test_client().get("/readyz").status_code == 200
        db.engine.dispose()


def test_configuration_comes_from_desa_environment(monkeypatch):
    monkeypatch.setenv("DESA_DATABASE_URL", "postgresql+psycopg://app@db/desa")
    monkeypatch.setenv("DESA_BASE_DOMAIN", "desa.example")
    monkeypatch.setenv("DESA_STORAGE_URL", "s3://key:secret@minio:9000/desa")
    cfg = load_config()
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db/desa"
    assert cfg["MIGRATION_DATABASE_URL"] == "postgresql+psycopg://app@db/desa"
    assert cfg["BASE_DOMAIN"] == "desa.example"
    assert cfg["STORAGE_URL"].startswith("s3://")
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_refuses_default_secret_and_missing_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("DESA_ENV", "production")
    monkeypatch.setenv("DESA_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DESA_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="DESA_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("DESA_SECRET_KEY", "x" * 40)
    with pytest.raises(ConfigError, match="DESA_REDIS_URL"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("DESA_ENV", "production")
    monkeypatch.setenv("DESA_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DESA_REDIS_URL", "redis://127.0.0.1:6379/15")
    cfg = load_config()
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"] and cfg["SESSION_COOKIE_HTTPONLY"]
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"


REDIS_URL = os.environ.get("DESA_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (DESA_TEST_REDIS_URL; .ci/run sets it)")
def test_login_limit_is_shared_between_workers_through_redis(db_urls, tmp_path_factory, make_user):
    """Two app instances stand for two gunicorn workers: with Redis they share one counter."""
    import redis
    from conftest import make_app

    redis.Redis.from_url(REDIS_URL).flushdb()
    person = make_user()
    cfg = {"RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_LIMIT": "3 per minute"}
    worker_a = make_app(db_urls, tmp_path_factory, **cfg).test_client()
    worker_b = make_app(db_urls, tmp_path_factory, **cfg).test_client()
    bad = {"login": person.email, "password": "wrong wrong wrong"}
    codes = [c.post("/auth/login", data=bad).status_code for c in (worker_a, worker_b, worker_a, worker_b)]
    redis.Redis.from_url(REDIS_URL).flushdb()
    assert codes == [401, 401, 401, 429]


def test_every_setting_is_documented_in_readme_and_every_env_read_is_a_setting():
    import re
    from pathlib import Path

    from desacerdas.config import SETTINGS

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    names = {s.env for s in SETTINGS}
    for name in names:
        assert f"`{name}`" in readme, f"{name} missing from README's configuration table"
    used = set()
    for path in [*(root / "platform").rglob("*.py"), root / "deploy" / "gunicorn.conf.py"]:
        used |= set(re.findall(r"\"(DESA_[A-Z_]+)\"", path.read_text()))
    used = {n for n in used if not n.startswith("DESA_TEST_")}  # test-harness variables (README "Test it")
    assert used - names == set(), f"read from the environment but not documented: {used - names}"
