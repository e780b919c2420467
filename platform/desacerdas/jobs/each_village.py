"""Periodic work of a plugin done village by village: every active village that enabled it, each in
its own tenant session and transaction, so that one village's trouble never stops the others'."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Tenant, TenantStatus
from ..plugin_system.state import enabled_by_village
from ..tenancy import tenant_session

log = logging.getLogger(__name__)


def each_enabled_village(plugin: str, work: Callable[[Session, Tenant], int], what: str) -> dict[str, int]:
    """Run ``work(session, tenant)`` (it returns how many it told or did) and commit, village by
    village; a village that fails is logged (``what`` names the work) and skipped. Returns
    ``{"villages": done, "told": total}``."""
    ids = list(db.session.scalars(select(Tenant.id).where(Tenant.status == TenantStatus.ACTIVE)))
    enabled = enabled_by_village(ids)
    told = villages = 0
    for tenant_id in ids:
        if plugin not in enabled.get(tenant_id, set()):
            continue
        try:
            with tenant_session(tenant_id) as session:
                told += work(session, session.get(Tenant, tenant_id))
                session.commit()
                villages += 1
        except Exception:  # noqa: BLE001 - one village's trouble must not stop the others'
            log.exception("%s failed in village %s", what, tenant_id)
    db.session.remove()
    return {"villages": villages, "told": told}
