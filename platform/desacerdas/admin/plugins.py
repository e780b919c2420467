"""``/plugins``: what is installed on the platform, with versions, states and hooks."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..auth.permissions import can
from ..extensions import db, login_manager
from ..models import PlatformPlugin, VillagePlugin
from ..plugin_system.state import platform_state, plugins
from ..services import ServiceError, rollout

bp = Blueprint("plugins_admin", __name__, url_prefix="/plugins")


@bp.before_request
def _platform_admins_only():  # noqa: ANN202
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can(current_user, "platform.plugins.manage"):
        abort(403)
    return None


@bp.get("/")
def index():  # noqa: ANN201
    registry = plugins()
    counts = dict(
        db.session.execute(
            select(VillagePlugin.plugin, func.count())
            .where(VillagePlugin.enabled.is_(True))
            .group_by(VillagePlugin.plugin)
        ).all()
    )
    recorded = {p.name: p for p in db.session.scalars(select(PlatformPlugin))}
    rows = []
    for name, loaded in sorted(registry.loaded.items(), key=lambda kv: (kv[1].broken, kv[0])):
        rows.append(
            {
                "name": name,
                "info": loaded.info,
                "state": platform_state(name),
                "installed_version": recorded[name].version if name in recorded else None,
                "requires": loaded.requires,
                "hooks": registry.implemented_hooks(name),
                "villages": counts.get(name, 0),
                "error": loaded.error,
                "distribution": loaded.distribution,
            }
        )
    return render_template("admin/plugins.html", rows=rows, form=FlaskForm(), locale=str(get_locale()))


@bp.post("/<name>/install")
def install(name: str):  # noqa: ANN201
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        names = rollout.install(name, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Installed: %(names)s.", names=", ".join(names)), "success")
    return redirect(url_for("plugins_admin.index"))


@bp.post("/<name>/uninstall")
def uninstall(name: str):  # noqa: ANN201
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        rollout.uninstall(name, actor=current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Uninstalled %(name)s; its data is kept.", name=name), "success")
    return redirect(url_for("plugins_admin.index"))
