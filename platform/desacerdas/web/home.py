"""The platform's own start page: a public directory of the villages on it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select

from ..extensions import db
from ..models import TenantStatus
from ..services import tenants as tenant_svc
from .pagination import page_number

bp = Blueprint("site", __name__)


@bp.get("/")
def index():  # noqa: ANN201
    q = (request.args.get("q") or "").strip()[:80]
    page = page_number()  # untrusted: unreadable → 1, capped at MAX_PAGE (never a 64-bit overflow)
    per_page = current_app.config["PAGE_SIZE"]
    stmt = tenant_svc.search(q=q or None, status=TenantStatus.ACTIVE.value)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    villages = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    pages = max(1, -(-total // per_page))
    return render_template("site/index.html", villages=villages, q=q, page=page, pages=pages, total=total)
