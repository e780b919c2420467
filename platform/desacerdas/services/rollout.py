"""The phased rollout: installing plugins on the platform, enabling them village by village.

Enabling is a data-only operation (schema changes happen once, at install). It shows a plan first
(the plugin plus whatever it requires that is not enabled yet, each with its readiness) and then
enables all of them or none. Disabling never deletes data; purging is a separate, explicit action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..auth.permissions import can
from ..extensions import db
from ..models import Document, PlatformPlugin, Tenant, TenantStatus, User, VillagePlugin, VillagePluginEvent
from ..plugin_system import events
from ..plugin_system.migrations import CORE_BRANCH, targets, upgrade
from ..plugin_system.state import enabled_for, installed_names, plugin_title, plugins
from ..plugin_system.types import DomainEvent, ReadinessCheck
from ..tenancy import tenant_session
from . import NotFound, ServiceError, audit
from .documents import forget_object
from .i18n import _


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


@dataclass
class Step:
    plugin: str
    already: bool
    checks: list[ReadinessCheck] = field(default_factory=list)

    @property
    def title(self) -> str:
        return plugin_title(self.plugin)

    @property
    def ready(self) -> bool:
        return self.already or all(c.passed for c in self.checks)

    @property
    def failing(self) -> list[ReadinessCheck]:
        return [c for c in self.checks if not c.passed]


@dataclass
class Plan:
    tenant: Tenant
    target: str
    steps: list[Step]
    action: str = "enable"

    @property
    def ready(self) -> bool:
        return all(s.ready for s in self.steps)

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if not s.already]


def _require_installed(name: str) -> None:
    if name not in plugins().loaded:
        raise NotFound(
            _("No plugin named '%(name)s' is known on this platform.", name=name), "unknown_plugin"
        )
    if plugins().loaded[name].broken:
        raise ServiceError(
            _("The plugin %(name)s is broken: %(error)s", name=name, error=plugins().loaded[name].error),
            "plugin_broken",
            409,
        )
    if name not in installed_names():
        raise ServiceError(
            _("The plugin %(name)s is not installed on the platform.", name=name), "not_installed", 409
        )


def closure(name: str) -> list[str]:
    """The plugin and everything it requires, requirements first."""
    working = plugins().working()
    needed: list[str] = []

    def visit(n: str) -> None:
        if n in needed:
            return
        if n not in working:
            raise ServiceError(
                _("%(name)s requires %(other)s, which is not available.", name=name, other=n),
                "missing_requirement",
                409,
            )
        for dep in working[n].requires:
            visit(dep)
        needed.append(n)

    visit(name)
    return needed


def readiness(
    tenant: Tenant,
    name: str,
    connection=None,  # noqa: ANN001
    session: Session | None = None,
) -> list[ReadinessCheck]:
    """``name``'s readiness checks in ``tenant``: in ``session`` (bound to ``tenant``) when given
    — the rollout board asks every pillar of a village in one — else in a session of its own."""
    if session is not None:
        results = plugins().hook_only(name).desa_readiness_checks(tenant=tenant, session=session)
    else:
        with tenant_session(tenant.id, connection) as own:
            results = plugins().hook_only(name).desa_readiness_checks(tenant=tenant, session=own)
    return [check for group in results for check in (group or [])]


def _require_active(tenant: Tenant) -> None:
    """Pillars change only in a working village: resume a suspended or archived one first."""
    if tenant.status != TenantStatus.ACTIVE:
        message = _(
            "%(village)s is suspended or archived; resume it before changing its pillars.",
            village=tenant.name,
        )
        raise ServiceError(message, "village_not_active", 409)


def plan_enable(tenant: Tenant, name: str) -> Plan:
    _require_active(tenant)
    _require_installed(name)
    enabled = enabled_for(tenant.id)
    steps = []
    for plugin in closure(name):
        _require_installed(plugin)
        already = plugin in enabled
        steps.append(Step(plugin, already, [] if already else readiness(tenant, plugin)))
    return Plan(tenant, name, steps)


def enable(
    tenant: Tenant,
    name: str,
    *,
    actor: User | None = None,
    override_reason: str | None = None,
    dry_run: bool = False,
) -> Plan:
    """Enable ``name`` and what it requires in one village, all or none."""
    plan = plan_enable(tenant, name)
    override_reason = (override_reason or "").strip() or None
    if not plan.changes:
        raise ServiceError(
            _("%(name)s is already enabled in %(village)s.", name=name, village=tenant.name), "no_change", 409
        )
    if not plan.ready:
        if override_reason is None:
            todo = "; ".join(
                f"{s.plugin}: {c.label} – {c.how_to_pass}" for s in plan.steps for c in s.failing
            )
            raise ServiceError(
                _(
                    "%(village)s is not ready for %(name)s: %(todo)s",
                    village=tenant.name,
                    name=name,
                    todo=todo,
                ),
                "not_ready",
                409,
            )
        if actor is not None and not can(actor, "village.plugins.override", tenant):
            raise ServiceError(
                _("Only a regency or platform admin may override readiness."), "forbidden", 403
            )
    if dry_run:
        return plan
    with tenant_session(tenant.id) as session:
        apply_enable(session, tenant, plan.changes, actor=actor, reason=override_reason)
        session.commit()
    return plan


def apply_enable(
    session: Session, tenant: Tenant, steps: list[Step], *, actor: User | None, reason: str | None
) -> None:
    """Write the enabling of ``steps`` into ``session`` (bound to ``tenant``); the caller commits."""
    for step in steps:
        row = session.get(VillagePlugin, (tenant.id, step.plugin))
        if row is None:
            row = VillagePlugin(tenant_id=tenant.id, plugin=step.plugin, settings={})
            session.add(row)
        row.enabled = True
        override = not step.ready
        session.add(
            VillagePluginEvent(
                tenant_id=tenant.id,
                plugin=step.plugin,
                action="enabled",
                actor_id=actor.id if actor else None,
                reason=reason,
                override=override,
            )
        )
        audit.record(
            "plugin.enabled",
            actor=actor,
            tenant_id=tenant.id,
            target=step.plugin,
            session=session,
            override=override,
            reason=reason,
            failing=[c.id for c in step.failing],
        )
        session.flush()
        plugins().hook_only(step.plugin).desa_on_enable(tenant=tenant, session=session)
        events.queue(session, DomainEvent("plugin.enabled", tenant.id, {"plugin": step.plugin}, _id(actor)))


def dependents(tenant: Tenant, name: str) -> list[str]:
    """Enabled plugins in this village that require ``name`` (directly or not), outermost first."""
    enabled = enabled_for(tenant.id)
    working = plugins().working()
    found: list[str] = []

    def visit(target: str) -> None:
        for other in enabled:
            if other not in found and target in working[other].requires:
                found.append(other)
                visit(other)

    visit(name)
    order = list(working)
    return sorted(found, key=order.index, reverse=True)


def disable(
    tenant: Tenant,
    name: str,
    *,
    actor: User | None = None,
    reason: str | None = None,
    with_dependents: bool = False,
) -> list[str]:
    """Disable a plugin (and, once confirmed, the enabled plugins that require it). Deletes nothing."""
    _require_active(tenant)
    if name not in enabled_for(tenant.id):
        raise ServiceError(
            _("%(name)s is not enabled in %(village)s.", name=name, village=tenant.name), "no_change", 409
        )
    deps = dependents(tenant, name)
    if deps and not with_dependents:
        raise ServiceError(
            _(
                "%(others)s require %(name)s in %(village)s; confirm to disable them too.",
                others=", ".join(deps),
                name=name,
                village=tenant.name,
            ),
            "has_dependents",
            409,
        )
    names = [*deps, name]
    with tenant_session(tenant.id) as session:
        apply_disable(session, tenant, names, actor=actor, reason=reason)
        session.commit()
    return names


def apply_disable(
    session: Session, tenant: Tenant, names: list[str], *, actor: User | None, reason: str | None
) -> None:
    """Write the disabling of ``names`` into ``session`` (bound to ``tenant``); the caller commits."""
    for plugin in names:
        session.get(VillagePlugin, (tenant.id, plugin)).enabled = False
        session.add(
            VillagePluginEvent(
                tenant_id=tenant.id,
                plugin=plugin,
                action="disabled",
                actor_id=actor.id if actor else None,
                reason=reason,
            )
        )
        audit.record(
            "plugin.disabled", actor=actor, tenant_id=tenant.id, target=plugin, session=session, reason=reason
        )
        plugins().hook_only(plugin).desa_on_disable(tenant=tenant, session=session)
        events.queue(session, DomainEvent("plugin.disabled", tenant.id, {"plugin": plugin}, _id(actor)))


def purge(tenant: Tenant, name: str, *, actor: User | None = None, dry_run: bool = True) -> dict[str, int]:
    """Everything ``name`` owns in one village, counted per table; deleted unless ``dry_run``."""
    loaded = plugins().loaded.get(name)
    if loaded is None or loaded.broken:
        raise NotFound(_("No working plugin named '%(name)s'.", name=name), "unknown_plugin")
    if name in enabled_for(tenant.id):
        raise ServiceError(
            _("Disable %(name)s in %(village)s before purging its data.", name=name, village=tenant.name),
            "still_enabled",
            409,
        )
    from ..models.base import is_tenant_scoped

    owned = [m for m in loaded.models if is_tenant_scoped(m)]
    order = {t.name: i for i, t in enumerate(db.metadata.sorted_tables)}
    owned.sort(key=lambda m: order.get(m.__table__.name, 0), reverse=True)  # children first
    counts: dict[str, int] = {}
    with tenant_session(tenant.id) as session:
        for model in owned:
            counts[model.__tablename__] = session.scalar(select(func.count()).select_from(model)) or 0
        documents = session.scalars(select(Document).where(Document.plugin == name)).all()
        counts["documents"] = len(documents)
        if not dry_run:
            keys = [v.storage_key for d in documents for v in d.versions]
            for document in documents:
                session.delete(document)
            for model in owned:
                session.execute(delete(model))
            session.add(
                VillagePluginEvent(
                    tenant_id=tenant.id, plugin=name, action="purged", actor_id=actor.id if actor else None
                )
            )
            audit.record(
                "plugin.purged", actor=actor, tenant_id=tenant.id, target=name, session=session, rows=counts
            )
            session.commit()
            # Rows first, then objects: an object left behind is an orphan `documents check --fix` removes.
            for key in keys:
                forget_object(key)
    return counts


# -- the platform ----------------------------------------------------------------------------------


def install(name: str, *, actor: User | None = None) -> list[str]:
    """Install a plugin and what it requires: apply their migrations, mark them installed."""
    registry = plugins()
    if name not in registry.loaded:
        raise NotFound(
            _("No plugin named '%(name)s' is known on this platform.", name=name), "unknown_plugin"
        )
    if registry.loaded[name].broken:
        raise ServiceError(
            _("The plugin %(name)s is broken: %(error)s", name=name, error=registry.loaded[name].error),
            "plugin_broken",
            409,
        )
    names = closure(name)
    upgrade([b for b in targets(set(names)) if b != CORE_BRANCH])  # the core is migrated by `desa db upgrade`
    _check_rls(names)
    for plugin in names:
        row = db.session.get(PlatformPlugin, plugin) or PlatformPlugin(name=plugin, settings={})
        row.installed = True
        row.version = registry.info(plugin).version
        db.session.add(row)
        audit.record("plugin.installed", actor=actor, target=plugin, version=row.version)
    db.session.commit()
    return names


def _check_rls(names: list[str]) -> None:
    """On PostgreSQL, refuse a plugin whose migrations left a village-owned table without RLS."""
    from ..models.base import is_tenant_scoped
    from ..tenancy.rls import tables_without_rls

    for plugin in names:
        tables = [m.__tablename__ for m in plugins().loaded[plugin].models if is_tenant_scoped(m)]
        with db.engine.connect() as conn:
            missing = tables_without_rls(conn, tables)
        if missing:
            raise ServiceError(
                f"{plugin} refused: {', '.join(missing)} has no row-level security; "
                "call desacerdas.tenancy.rls.enable_rls(op, table) in its migration.",
                "rls_missing",
                409,
            )


def uninstall(name: str, *, actor: User | None = None) -> None:
    """Mark a plugin uninstalled (its tables and data stay). Refused while something needs it."""
    row = db.session.get(PlatformPlugin, name)
    if row is None or not row.installed:
        raise ServiceError(_("%(name)s is not installed.", name=name), "not_installed", 409)
    installed = installed_names()
    needing = sorted(p for p in installed if p != name and name in plugins().loaded[p].requires)
    if needing:
        raise ServiceError(
            _("%(others)s require %(name)s; uninstall them first.", others=", ".join(needing), name=name),
            "required",
            409,
        )
    villages = db.session.scalar(
        select(func.count())
        .select_from(VillagePlugin)
        .where(VillagePlugin.plugin == name, VillagePlugin.enabled)
    )
    if villages:
        raise ServiceError(
            _(
                "%(name)s is enabled in %(count)s villages; disable it there first.",
                name=name,
                count=villages,
            ),
            "in_use",
            409,
        )
    row.installed = False
    audit.record("plugin.uninstalled", actor=actor, target=name)
    db.session.commit()


def history(tenant: Tenant, name: str | None = None, limit: int = 50) -> list[VillagePluginEvent]:
    stmt = select(VillagePluginEvent).where(VillagePluginEvent.tenant_id == tenant.id)
    if name:
        stmt = stmt.where(VillagePluginEvent.plugin == name)
    return list(
        db.session.scalars(
            stmt.order_by(VillagePluginEvent.at.desc(), VillagePluginEvent.id.desc()).limit(limit)
        )
    )
