"""The one explicit, audited path for reading across villages (facilitator and regency views).

Each village is read through its own session bound to that village, so the ORM criteria and, on
PostgreSQL, Row-Level Security still apply; nothing here can see a village that was not asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy.orm import Session

from .context import tenant_session

T = TypeVar("T")


def read_each(
    tenant_ids: Iterable[int],
    fn: Callable[[Session, int], T],
    *,
    actor_id: int | None,
    reason: str,
) -> dict[int, T]:
    """Call ``fn(session, tenant_id)`` once per village and return the results by village id."""
    from ..extensions import db
    from ..models import AuditEvent

    ids = list(dict.fromkeys(tenant_ids))
    results: dict[int, T] = {}
    for tenant_id in ids:
        with tenant_session(tenant_id) as session:
            results[tenant_id] = fn(session, tenant_id)
    with Session(db.engine) as log:
        log.add(
            AuditEvent(
                action="tenant.cross_village_read",
                actor_id=actor_id,
                target=reason[:200],
                detail={"tenant_ids": ids},
            )
        )
        log.commit()
    return results
