"""A village's pillars: what runs, what comes next, what blocks it; enabling and disabling."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from ..auth.permissions import can, can_see_village
from ..plugin_system.state import enabled_for, installed_names, plugins
from ..plugin_system.types import PluginInfo, ReadinessCheck
from ..services import ServiceError, rollout
from ..web.tenant import current_tenant
from .views import TOO_LONG, bp


class EnableForm(FlaskForm):
    override_reason = TextAreaField(
        _l("Reason to enable although a check fails (regency or platform admin)"),
        validators=[Optional(), Length(max=1000, message=TOO_LONG)],
    )


class DisableForm(FlaskForm):
    confirm_dependents = BooleanField(_l("Also disable the pillars that need this one"))
    reason = TextAreaField(
        _l("Reason (optional)"), validators=[Optional(), Length(max=1000, message=TOO_LONG)]
    )


@dataclass
class PillarRow:
    info: PluginInfo
    enabled: bool
    checks: list[ReadinessCheck]
    # The pillars it requires that are not enabled yet and are blocked themselves: enabling this
    # one enables them too, so it waits for them (their checks are on their own rows).
    blocked_by: list[PluginInfo] = field(default_factory=list)

    @property
    def failing(self) -> list[ReadinessCheck]:
        return [c for c in self.checks if not c.passed]

    @property
    def state(self) -> str:
        if self.enabled:
            return "enabled"
        return "blocked" if self.failing or self.blocked_by else "ready"


def _require(permission: str):  # noqa: ANN202
    tenant = current_tenant()
    if not can(current_user, permission, tenant):
        abort(404 if not can_see_village(current_user, tenant) else 403)
    return tenant


def pillar_rows(tenant) -> list[PillarRow]:  # noqa: ANN001
    """Every installed plugin for this village, in rollout order, with its readiness."""
    enabled = enabled_for(tenant.id)
    installed = installed_names()
    rows = []
    for name, plugin in plugins().working().items():
        if name not in installed:
            continue
        rows.append(
            PillarRow(
                plugin.info, name in enabled, [] if name in enabled else rollout.readiness(tenant, name)
            )
        )
    rows.sort(key=lambda r: (r.info.rollout_order, r.info.name))
    by_name = {r.info.name: r for r in rows}

    def blocked(name: str, seen: frozenset[str] = frozenset()) -> bool:
        row = by_name.get(name)
        if row is None or row.enabled or name in seen:
            return row is None  # a requirement that is not installed blocks
        return bool(row.failing) or any(blocked(d, seen | {name}) for d in row.info.requires)

    for row in rows:
        if not row.enabled:
            row.blocked_by = [_info(d, by_name) for d in row.info.requires if blocked(d)]
    return rows


def _info(name: str, rows: dict[str, PillarRow]) -> PluginInfo:
    """A required pillar's info; one the platform does not know is shown by its name."""
    if name in rows:
        return rows[name].info
    try:
        return plugins().info(name)
    except KeyError:
        return PluginInfo(name, name, name, None, "")


@bp.get("/pillars")
@login_required
def pillars():  # noqa: ANN201
    tenant = _require("village.plugins.view")
    rows = pillar_rows(tenant)
    upcoming = next((r for r in rows if not r.enabled), None)
    views = current_app.view_functions
    return render_template(
        "village/pillars.html",
        rows=rows,
        # an enabled pillar's title links to its own index page, when it has one
        index_urls={
            r.info.name: url_for(f"{r.info.name}.index")
            for r in rows
            if r.enabled and f"{r.info.name}.index" in views
        },
        upcoming=upcoming,
        locale=str(get_locale()),
        may_manage=can(current_user, "village.plugins.manage", tenant),
        history=rollout.history(tenant, limit=20),
    )


@bp.route("/pillars/<name>/enable", methods=["GET", "POST"])
@login_required
def enable_pillar(name: str):  # noqa: ANN201
    tenant = _require("village.plugins.manage")
    try:
        plan = rollout.plan_enable(tenant, name)
    except ServiceError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("village.pillars"))
    form = EnableForm()
    may_override = can(current_user, "village.plugins.override", tenant)
    status = 200
    if form.validate_on_submit():
        try:
            rollout.enable(
                tenant,
                name,
                actor=current_user,
                override_reason=form.override_reason.data if may_override else None,
            )
        except ServiceError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("Enabled: %(names)s.", names=", ".join(s.title for s in plan.changes)), "success")
            return redirect(url_for("village.pillars"))
    return render_template(
        "village/pillar_enable.html",
        plan=plan,
        form=form,
        may_override=may_override,
        locale=str(get_locale()),
    ), status


@bp.route("/pillars/<name>/disable", methods=["GET", "POST"])
@login_required
def disable_pillar(name: str):  # noqa: ANN201
    tenant = _require("village.plugins.manage")
    if name not in enabled_for(tenant.id):
        abort(404)
    form = DisableForm()
    dependents = rollout.dependents(tenant, name)
    status = 200
    if form.validate_on_submit():
        try:
            names = rollout.disable(
                tenant,
                name,
                actor=current_user,
                reason=form.reason.data,
                with_dependents=bool(form.confirm_dependents.data),
            )
        except ServiceError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("Disabled: %(names)s. Their data is kept.", names=", ".join(names)), "success")
            return redirect(url_for("village.pillars"))
    return render_template(
        "village/pillar_disable.html", name=name, form=form, dependents=dependents, info=plugins().info(name)
    ), status
