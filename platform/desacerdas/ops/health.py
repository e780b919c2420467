"""``/healthz`` (the process answers) and ``/readyz`` (database reachable, migrations current,
document storage reachable, the work queue's broker reachable)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..extensions import db
from ..jobs.celery_app import broker_state
from ..plugin_system import migrations
from ..plugin_system.state import installed_names
from ..storage import StorageError, StorageUnavailable, storage

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    return jsonify(status="ok")


def _storage_state() -> str:
    """``ok``, ``unreachable`` (down, timing out) or ``error`` (answers, but refuses: credentials…)."""
    try:
        storage().check()
    except StorageUnavailable as exc:
        current_app.logger.warning("readyz: document storage unreachable: %s", exc)
        return "unreachable"
    except StorageError as exc:
        current_app.logger.warning("readyz: document storage refuses: %s", exc)
        return "error"
    return "ok"


@bp.get("/readyz")
def readyz():  # noqa: ANN201
    stored = _storage_state()
    broker = broker_state(current_app)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            applied = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        current_app.logger.warning("readyz: database unreachable: %s", exc)
        return jsonify(status="unavailable", database="unreachable", storage=stored, broker=broker), 503
    try:
        expected = migrations.expected_heads(installed_names())
    except Exception:  # noqa: BLE001 - the plugin tables themselves are not migrated yet
        db.session.rollback()
        expected = {"(core head)"}
    # A head reached through another branch's ``depends_on`` is applied without being a head itself.
    if not expected <= (_with_ancestors(applied) if applied else set()):
        return jsonify(
            status="unavailable",
            database="ok",
            migrations="pending",
            storage=stored,
            broker=broker,
            applied=sorted(applied),
            expected=sorted(expected),
        ), 503
    if stored != "ok" or broker != "ok":
        return jsonify(
            status="unavailable", database="ok", migrations="current", storage=stored, broker=broker
        ), 503
    return jsonify(status="ok", database="ok", migrations="current", storage="ok", broker="ok")


def _with_ancestors(heads: set[str]) -> set[str]:
    sd = migrations.script()
    return {rev.revision for head in heads for rev in sd.iterate_revisions(head, "base")}
