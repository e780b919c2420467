"""Platform admin pages (to be completed)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/villages")
def tenants():  # noqa: ANN201
    return "todo"


@bp.get("/audit")
def audit():  # noqa: ANN201
    return "todo"
