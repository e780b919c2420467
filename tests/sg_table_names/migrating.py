"""Moving the suite's database along the pillar's migration branch, as ``desa db`` does."""

from __future__ import annotations

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine, create_engine

from desacerdas.extensions import db


def owner_engine(app: Flask) -> Engine:
    """An engine as the tables' owner, as migrations connect."""
    return create_engine(app.config.get("MIGRATION_DATABASE_URL") or app.config["SQLALCHEMY_DATABASE_URI"])


def migrate(app: Flask, revision: str, down: bool = False) -> None:
    """Up (or down) to ``revision``, with no pooled connection left to hold a lock."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        (downgrade if down else upgrade)(revision=revision)
        db.engine.dispose()
