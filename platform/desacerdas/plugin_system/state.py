"""Which plugins are installed on the platform and enabled in each village.

Every request of a village needs its enabled plugins. Each app keeps them in a process cache
keyed by the village, and trusts an entry only while two stamps read with the tenant row (in the
same statement, :func:`tenant_with_stamps`) still match: ``tenants.plugins_stamp``, renewed in the
transaction that changes any of the village's ``village_plugins`` rows, and the ``platform_state``
row ``plugins``, renewed by any change to ``platform_plugins`` (install, uninstall). Both are
renewed by a ``before_flush`` hook on every ORM session, so another worker or process notices an
enable, disable, install or uninstall on its next request. Code that writes those tables with Core
or raw SQL must call :func:`renew_village_stamps` / :func:`renew_platform_stamp` in the same
transaction.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cache
from threading import Lock
from typing import Any

from flask import current_app
from sqlalchemy import Select, String, bindparam, cast, func, insert, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import PlatformPlugin, Tenant, VillagePlugin
from ..models.base import utcnow
from ..models.plugin import PlatformState
from ..models.tenant import new_stamp
from ..tenancy.context import PG_SETTING, current_tenant_id, note_preset
from .manager import Plugins

PLUGINS_STATE = "plugins"  # the platform_state row renewed by install/uninstall
CACHE_SIZE = 100_000  # entries per app: every village of the dataset fits


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


def enabled_by_village(tenant_ids: list[int], session: Session | None = None) -> dict[int, set[str]]:
    """Enabled plugins of many villages in one query (rollout board, dashboards); ``session`` lets
    the board read them on the replica."""
    working = set(plugins().working())
    result: dict[int, set[str]] = {tid: set() for tid in tenant_ids}
    if not tenant_ids:
        return result
    rows = (session or db.session).execute(
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


# -- the per-app cache of enabled plugins -------------------------------------------------------


class EnabledCache:
    """``tenant id -> (village stamp, platform stamp, enabled plugins)``, bounded, thread-safe."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[str, str | None, frozenset[str]]] = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def get(self, tenant_id: int, stamp: str, platform: str | None) -> frozenset[str] | None:
        with self._lock:
            entry = self._entries.get(tenant_id)
            if entry is None or entry[0] != stamp or entry[1] != platform:
                self.misses += 1
                return None
            self.hits += 1
            return entry[2]

    def put(self, tenant_id: int, stamp: str, platform: str | None, names: frozenset[str]) -> None:
        with self._lock:
            self._entries[tenant_id] = (stamp, platform, names)
            self._entries.move_to_end(tenant_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def enabled_cache() -> EnabledCache:
    """This app's cache (each app has its own: two apps may load different plugins)."""
    cache = current_app.extensions.get("desa_enabled_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("desa_enabled_cache", EnabledCache())
    return cache


def platform_stamp_column() -> Any:
    """The platform's plugins stamp as a scalar subquery, to read with another row."""
    return (
        select(PlatformState.stamp)
        .where(PlatformState.name == PLUGINS_STATE)
        .scalar_subquery()
        .label("pstamp")
    )


@cache
def _tenant_query(preset: bool) -> Select:
    """The statement of :func:`tenant_with_stamps`, built once per variant (its cache key too)."""
    columns: list[Any] = [Tenant, platform_stamp_column()]
    if preset:
        columns.append(func.set_config(PG_SETTING, cast(Tenant.id, String), True))
    return select(*columns).where(Tenant.slug == bindparam("slug"))


def tenant_with_stamps(
    slug: str, session: Session | None = None, *, set_village: bool = False
) -> tuple[Tenant, str | None] | None:
    """The village of ``slug`` and the platform's plugins stamp, in one statement (None: unknown).

    ``set_village`` (PostgreSQL): the same statement also sets the village for Row-Level Security
    in this transaction (``tenancy.context.note_preset`` records it; the caller binds the session
    or calls ``forget_preset``)."""
    s = session or db.session
    # Only for a session bound to no village yet: a bound one keeps its village (TenantMismatch).
    preset = set_village and current_tenant_id(s) is None and s.get_bind().dialect.name == "postgresql"
    row = s.execute(_tenant_query(preset), {"slug": slug}).first()
    if row is None:
        return None
    if preset:
        note_preset(s, row[0].id)
    return row[0], row[1]


def enabled_cached(tenant: Tenant, platform: str | None, session: Session | None = None) -> frozenset[str]:
    """:func:`enabled_for` through this app's cache; one query only when a stamp changed."""
    cache = enabled_cache()
    stamp = tenant.plugins_stamp
    found = cache.get(tenant.id, stamp, platform)
    if found is None:
        found = enabled_for(tenant.id, session)
        cache.put(tenant.id, stamp, platform, found)
    return found


# -- renewing the stamps -----------------------------------------------------------------------


def renew_village_stamps(connection: Any, tenant_ids: set[int] | list[int]) -> None:
    """Give these villages a new plugins stamp (call in the transaction that changed their rows)."""
    ids = sorted(set(tenant_ids))
    for start in range(0, len(ids), 500):
        connection.execute(
            update(Tenant.__table__)
            .where(Tenant.__table__.c.id.in_(ids[start : start + 500]))
            .values(plugins_stamp=new_stamp())
        )


def renew_platform_stamp(connection: Any) -> None:
    """Give the platform a new plugins stamp (call in the transaction that installs/uninstalls)."""
    table = PlatformState.__table__
    values = {"stamp": new_stamp(), "updated_at": utcnow()}
    done = connection.execute(update(table).where(table.c.name == PLUGINS_STATE).values(**values))
    if not done.rowcount:
        connection.execute(insert(table).values(name=PLUGINS_STATE, **values))


def _renew_stamps(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush``: renew the stamps of whatever plugin state this flush changes."""
    villages: set[int] = set()
    platform = False
    for collection in (session.new, session.dirty, session.deleted):
        for obj in collection:
            if isinstance(obj, VillagePlugin):
                if obj.tenant_id is not None:
                    villages.add(obj.tenant_id)
            elif isinstance(obj, PlatformPlugin):
                platform = True
    if not villages and not platform:
        return
    connection = session.connection()
    if villages:
        renew_village_stamps(connection, villages)
    if platform:
        renew_platform_stamp(connection)


_installed = False


def install_stamp_hook() -> None:
    """Attach :func:`_renew_stamps` to every SQLAlchemy session (idempotent)."""
    global _installed
    if _installed:
        return
    from sqlalchemy import event

    event.listen(Session, "before_flush", _renew_stamps)
    _installed = True


install_stamp_hook()
