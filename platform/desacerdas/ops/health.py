"""``/healthz`` (the process answers) and ``/readyz`` (database reachable, migrations current)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db
from ..plugin_system import migrations
from ..plugin_system.state import installed_names

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():  # noqa: ANN201
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            applied = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        current_app.logger.warning("readyz: database unreachable: %s", exc)
        return jsonify(status="unavailable", database="unreachable"), 503
    try:
        expected = migrations.expected_heads(installed_names())
    except Exception:  # noqa: BLE001 - the plugin tables themselves are not migrated yet
        db.session.rollback()
        expected = {"(core head)"}
    if applied != expected:
        return jsonify(
            status="unavailable",
            database="ok",
            migrations="pending",
            applied=sorted(applied),
            expected=sorted(expected),
        ), 503
    return jsonify(status="ok", database="ok", migrations="current")
