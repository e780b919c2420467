"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_smorest import Api
from sqlalchemy import event

from . import config as config_module
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .tenancy import isolation

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MIGRATIONS = PACKAGE_DIR.parent.parent / "migrations"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    cfg = config_module.load_config(overrides)
    config_module.check_production(cfg)
    instance = Path(cfg["INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=False)
    app.config.update(cfg)

    isolation.install()
    db.init_app(app)
    with app.app_context():
        _tune_engine(db.engine)
    migrate.init_app(app, db, directory=str(cfg.get("MIGRATIONS_DIR") or DEFAULT_MIGRATIONS))
    from .cli import db as db_cli

    app.cli.add_command(db_cli.group)  # replaces Flask-Migrate's group: upgrade knows plugin branches
    csrf.init_app(app)
    from . import storage

    storage.init_app(app)
    limiter.init_app(app)

    from .web import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install(app, babel)

    from .auth import loading, sessions
    from .services import login_throttle
    from .web import input_guard, security_headers

    loading.init_app(login_manager, app)
    sessions.init_app(app)  # server-side session rows: sign-out ends a session everywhere
    login_throttle.init_app(app)  # known-device cookie after a successful sign-in
    security_headers.init_app(app)  # CSP, frame-ancestors, nosniff, Referrer-Policy, HSTS
    input_guard.init_app(app)  # NUL bytes, lone surrogates, deep JSON -> 400

    app.extensions["desa_api"] = Api(app)
    from .plugin_system import runtime

    runtime.init_app(app)
    from . import jobs, notifications

    jobs.init_app(app)  # Celery, job pages and API
    notifications.init_app(app)  # outbox tasks, WhatsApp webhook, inbox and contact pages
    _register(app)
    return app


def _tune_engine(engine) -> None:  # noqa: ANN001
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


def _register(app: Flask) -> None:
    from . import admin, rollout, village
    from .admin import plugins as admin_plugins
    from .api import register as register_api
    from .auth import views as auth_views
    from .documents import bp as documents_bp
    from .kit import terms_views, verification_views
    from .ops import health
    from .web import errors, home, layout, subdomains

    layout.init_app(app)
    from .web import labels as label_filters

    label_filters.init_app(app)  # role, state, audit event and "—" filters for every template
    errors.init_app(app)
    subdomains.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_plugins.bp)
    app.register_blueprint(village.bp)
    app.register_blueprint(rollout.bp)
    from .market import bp as market_bp

    app.register_blueprint(market_bp)  # the regency-wide market (/pasar/<regency>), public
    from .facilitation import views as facilitation_views

    app.register_blueprint(facilitation_views.bp)  # the facilitator's work surface
    app.register_blueprint(facilitation_views.village_bp)  # a village's visit log
    app.register_blueprint(documents_bp)
    verification_views.init_app(app)  # the public page of verifiable papers (/desa/<slug>/verify/<token>)
    register_api(app)
    from .api import facilitation as facilitation_api

    facilitation_api.init_app(app)  # the work surface and visit log API (after the API)
    terms_views.init_app(app)  # kit: village terms page and API (after the API)
    from .village import data_access_views

    data_access_views.init_app(app)  # "who looked at residents' data": page and API (after the API)
