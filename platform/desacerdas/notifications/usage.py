"""Volume and cost of notifications per village and channel, for the village and the regency.

Each village is counted in its own tenant session (the ORM filter and PostgreSQL's RLS hold there
too); the platform's own messages are counted under ``tenant_id`` None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models.notification import Notification, NotificationStatus, PlatformNotification
from ..tenancy import current_tenant_id, tenant_session

DELIVERED = (NotificationStatus.SENT, NotificationStatus.DELIVERED, NotificationStatus.READ)


@dataclass(frozen=True)
class UsageRow:
    tenant_id: int | None
    channel: str
    total: int  # every row written
    sent: int  # accepted by the provider (sent, delivered or read)
    failed: int
    skipped: int  # e.g. over the daily limit
    cost: int  # rupiah

    @property
    def count(self) -> int:
        return self.total


def _count(
    session: Session, model, tenant_id: int | None, since: datetime, until: datetime
) -> list[UsageRow]:  # noqa: ANN001
    def n(cond):  # noqa: ANN001, ANN202
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    query = (
        select(
            model.channel,
            func.count(),
            n(model.status.in_(DELIVERED)),
            n(model.status == NotificationStatus.FAILED),
            n(model.status == NotificationStatus.SKIPPED),
            func.coalesce(func.sum(model.cost), 0),
        )
        .where(model.created_at >= since, model.created_at < until)
        .group_by(model.channel)
    )
    if tenant_id is not None:
        query = query.where(model.tenant_id == tenant_id)
    return [
        UsageRow(tenant_id, ch.value, int(t), int(s), int(f), int(k), int(c))
        for ch, t, s, f, k, c in session.execute(query)
    ]


def usage(
    session: Session | None, tenant_ids: Iterable[int | None], since: datetime, until: datetime
) -> list[UsageRow]:
    """Counts and cost per village and channel of rows written in ``[since, until)``, ordered by
    village then channel. ``session`` is used for the village it serves; others get their own."""
    rows: list[UsageRow] = []
    bound = current_tenant_id(session) if session is not None else None
    for tenant_id in tenant_ids:
        if tenant_id is None:
            with Session(db.engine) as own:
                rows += _count(own, PlatformNotification, None, since, until)
        elif session is not None and bound == tenant_id:
            rows += _count(session, Notification, tenant_id, since, until)
        else:
            with tenant_session(tenant_id) as own:
                rows += _count(own, Notification, tenant_id, since, until)
    order = {"inbox": 0, "whatsapp": 1, "sms": 2, "email": 3}
    return sorted(rows, key=lambda r: (r.tenant_id is None, r.tenant_id or 0, order.get(r.channel, 9)))
