"""Which plugins are installed on the platform and enabled in each village."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import PlatformPlugin, VillagePlugin
from .manager import Plugins


def plugins() -> Plugins:
    return current_app.extensions["desa_plugins"]


def plugin_title(name: str) -> str:
    """The plugin's title in the request's language (English outside a request)."""
    from flask import has_request_context
    from flask_babel import get_locale

    try:
        info = plugins().info(name)
    except KeyError:
        return name
    return info.title(str(get_locale()) if has_request_context() else "en")


def installed_names(session: Session | None = None) -> set[str]:
    s = session or db.session
    rows = s.scalars(select(PlatformPlugin.name).where(PlatformPlugin.installed.is_(True)))
    return set(rows) & set(plugins().working())


def enabled_for(tenant_id: int, session: Session | None = None) -> frozenset[str]:
    """The plugins that run in this village: enabled there, installed, and loaded in this process."""
    s = session or db.session
    rows = s.scalars(
        select(VillagePlugin.plugin)
        .join(PlatformPlugin, PlatformPlugin.name == VillagePlugin.plugin)
        .where(
            VillagePlugin.tenant_id == tenant_id,
            VillagePlugin.enabled.is_(True),
            PlatformPlugin.installed.is_(True),
        )
    )
    return frozenset(rows) & frozenset(plugins().working())


def enabled_by_village(tenant_ids: list[int]) -> dict[int, set[str]]:
    """Enabled plugins of many villages in one query (rollout board, dashboards)."""
    working = set(plugins().working())
    result: dict[int, set[str]] = {tid: set() for tid in tenant_ids}
    rows = db.session.execute(
        select(VillagePlugin.tenant_id, VillagePlugin.plugin)
        .join(PlatformPlugin, PlatformPlugin.name == VillagePlugin.plugin)
        .where(
            VillagePlugin.tenant_id.in_(tenant_ids),
            VillagePlugin.enabled.is_(True),
            PlatformPlugin.installed.is_(True),
        )
    )
    for tenant_id, plugin in rows:
        if plugin in working:
            result[tenant_id].add(plugin)
    return result


def platform_state(name: str) -> str:
    """``broken``, ``discovered`` (not installed), ``needs upgrade`` or ``installed``."""
    from .migrations import pending_for

    loaded = plugins().loaded.get(name)
    if loaded is None or loaded.broken:
        return "broken"
    row = db.session.get(PlatformPlugin, name)
    if row is None or not row.installed:
        return "discovered"
    if row.version != loaded.info.version or pending_for(name):
        return "needs upgrade"
    return "installed"
