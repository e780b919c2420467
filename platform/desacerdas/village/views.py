"""Pages under ``/desa/<slug>/``."""

from __future__ import annotations

import uuid

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from ..auth.permissions import can
from ..extensions import db
from ..kit.access import Scope, require
from ..models import Hamlet, Membership, Role
from ..plugin_system import indicators
from ..plugin_system.state import plugins
from ..services import ServiceError
from ..services.tenants import add_hamlet
from ..web.tenant import make_tenant_blueprint

bp = make_tenant_blueprint("village", __name__)

# WTForms has no Indonesian catalogue, so its messages are given here to be translated with ours.
REQUIRED = _l("This field is required.")
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")


@bp.get("/")
def home():  # noqa: ANN201
    """Public: anyone may see a village's home page."""
    hamlets = db.session.scalars(select(Hamlet).order_by(Hamlet.name)).all()
    return render_template("village/home.html", hamlets=hamlets)


@bp.get("/dashboard")
@login_required
def dashboard():  # noqa: ANN201
    tenant, _scope, _user = require("village.dashboard.view")
    enabled = g.get("enabled_plugins", frozenset())
    groups = (
        plugins()
        .hook_for(enabled)
        .desa_dashboard_widgets(tenant=tenant, user=current_user, session=db.session)
    )
    widgets = sorted((w for group in groups for w in group or []), key=lambda w: (w.order, w.title))
    return render_template(
        "village/dashboard.html",
        widgets=widgets,
        indicators=indicators.for_village(tenant, enabled, db.session),
        period=indicators.current_period(),
    )


class HamletForm(FlaskForm):
    name = StringField(
        _l("Hamlet name"),
        validators=[DataRequired(message=REQUIRED), Length(max=120, message=TOO_LONG)],
    )
    code = StringField(_l("Code (optional)"), validators=[Optional(), Length(max=20, message=TOO_LONG)])


@bp.route("/hamlets", methods=["GET", "POST"])
@login_required
def hamlets():  # noqa: ANN201
    tenant, scope, _user = require("village.dashboard.view")
    form = HamletForm()
    may_manage = can(current_user, "village.hamlets.manage", tenant)
    if form.validate_on_submit():
        if not may_manage:
            abort(403)
        try:
            hamlet = add_hamlet(tenant, form.name.data, form.code.data, actor=current_user)
        except ServiceError as exc:
            form.name.errors.append(exc.message)
            return render_template(
                "village/hamlets.html", form=form, hamlets=_hamlet_list(scope), may_manage=may_manage
            ), exc.status
        flash(_("Hamlet %(name)s added.", name=hamlet.name), "success")
        return redirect(url_for("village.hamlets"))
    return render_template(
        "village/hamlets.html", form=form, hamlets=_hamlet_list(scope), may_manage=may_manage
    )


def _hamlet_list(scope: Scope) -> list[Hamlet]:
    """The hamlets the caller sees: every one, or a hamlet head's own."""
    stmt = scope.filter(select(Hamlet).order_by(Hamlet.name), hamlet_column=Hamlet.id)
    return list(db.session.scalars(stmt))


@bp.get("/hamlets/<uuid:hamlet_id>")
@login_required
def hamlet(hamlet_id: uuid.UUID):  # noqa: ANN201
    tenant, scope, _user = require("village.dashboard.view")
    item = db.session.get(Hamlet, (tenant.id, hamlet_id))
    if item is None or not scope.allows_hamlet(hamlet_id):
        abort(404)
    heads = db.session.scalars(
        select(Membership).where(
            Membership.tenant_id == tenant.id,
            Membership.role == Role.HAMLET_HEAD,
            Membership.hamlet_id == hamlet_id,
        )
    ).all()
    return render_template("village/hamlet.html", hamlet=item, heads=heads)
