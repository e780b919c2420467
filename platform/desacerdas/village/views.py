"""Pages under ``/desa/<slug>/``."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..auth.permissions import can
from ..extensions import db
from ..models import Hamlet, Membership
from ..web.tenant import current_tenant, make_tenant_blueprint

bp = make_tenant_blueprint("village", __name__)


@bp.get("/")
def home():  # noqa: ANN201
    """Public: anyone may see a village's home page."""
    hamlets = db.session.scalars(select(Hamlet).order_by(Hamlet.name)).all()
    return render_template("village/home.html", hamlets=hamlets)


@bp.get("/dashboard")
@login_required
def dashboard():  # noqa: ANN201
    tenant = current_tenant()
    if not can(current_user, "village.dashboard.view", tenant):
        abort(403)
    hamlet_count = db.session.scalar(select(func.count()).select_from(Hamlet))
    member_count = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant.id)
    )
    return render_template("village/dashboard.html", hamlet_count=hamlet_count, member_count=member_count)
