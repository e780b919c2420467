"""Enabling one plugin in many villages: a preview per village, then a run per village.

Each village is its own unit: ``rollout.enable`` enables the plugin and what it requires there all
together or not at all, and a village that fails is reported while the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from ..auth.permissions import can
from ..extensions import db
from ..models import Tenant, User
from ..plugin_system.state import plugins
from ..plugin_system.types import ReadinessCheck
from ..services import ServiceError, rollout

MANAGE = "village.plugins.manage"
OVERRIDE = "village.plugins.override"

# What will happen (preview) or what happened (run) in one village.
ENABLE, ENABLED, ALREADY, BLOCKED, FORBIDDEN, FAILED = (
    "enable",
    "enabled",
    "already",
    "blocked",
    "forbidden",
    "failed",
)


@dataclass
class Outcome:
    tenant: Tenant
    kind: str
    plugins: list[str] = field(default_factory=list)  # titles, requirements first
    failing: list[tuple[str, ReadinessCheck]] = field(default_factory=list)
    message: str = ""
    may_override: bool = False
    overridden: bool = False

    @property
    def actionable(self) -> bool:
        """Whether confirming may change something here (blocked ones only with an override)."""
        return self.kind == ENABLE or (self.kind == BLOCKED and self.may_override)


def _titles(names: list[str], locale: str) -> list[str]:
    return [plugins().info(n).title(locale) for n in names]


def _failing(plan: rollout.Plan) -> list[tuple[str, ReadinessCheck]]:
    return [(s.plugin, c) for s in plan.steps for c in s.failing]


def preview_one(user: User, tenant: Tenant, name: str, locale: str) -> Outcome:
    if not can(user, MANAGE, tenant):
        return Outcome(tenant, FORBIDDEN)
    try:
        plan = rollout.plan_enable(tenant, name)
    except ServiceError as exc:
        return Outcome(tenant, FAILED, message=exc.message)
    if not plan.changes:
        return Outcome(tenant, ALREADY)
    titles = _titles([s.plugin for s in plan.changes], locale)
    if plan.ready:
        return Outcome(tenant, ENABLE, titles)
    return Outcome(tenant, BLOCKED, titles, _failing(plan), may_override=can(user, OVERRIDE, tenant))


def preview(user: User, tenants: list[Tenant], name: str, locale: str) -> list[Outcome]:
    return [preview_one(user, t, name, locale) for t in tenants]


def run_one(user: User, tenant: Tenant, name: str, override_reason: str | None, locale: str) -> Outcome:
    """Enable in one village; never raises, so that the next village still runs."""
    if not can(user, MANAGE, tenant):
        return Outcome(tenant, FORBIDDEN)
    reason = override_reason if override_reason and can(user, OVERRIDE, tenant) else None
    try:
        plan = rollout.enable(tenant, name, actor=user, override_reason=reason)
    except ServiceError as exc:
        if exc.code == "no_change":
            return Outcome(tenant, ALREADY)
        if exc.code == "not_ready":
            return preview_one(user, tenant, name, locale)  # says what blocks it
        return Outcome(tenant, FAILED, message=exc.message)
    except Exception:  # noqa: BLE001 - one village failing must not stop the others
        current_app.logger.exception("bulk enable of %s failed in %s", name, tenant.slug)
        db.session.rollback()
        return Outcome(tenant, FAILED, message=_("An unexpected error occurred; nothing was changed here."))
    titles = _titles([s.plugin for s in plan.changes], locale)
    return Outcome(tenant, ENABLED, titles, _failing(plan), overridden=not plan.ready)


def run(
    user: User, tenants: list[Tenant], name: str, override_reason: str | None, locale: str
) -> list[Outcome]:
    return [run_one(user, t, name, override_reason, locale) for t in tenants]
