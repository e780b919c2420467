"""Market indicators of a month: sellers active at its end, products on the market; and the
applications waiting for staff, for the facilitator's surface. (Orders and sales follow with
orders.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from desacerdas.models import Tenant
from desacerdas.plugin_system.types import Indicator, WaitingItem
from desacerdas.services.i18n import _

from .catalogue import service as catalogue
from .permissions import SELLERS_VIEW
from .sellers.models import Seller, SellerStatus

WAITING_DAYS = 7  # an application older than this waits on the village


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    """Counted now (the monthly snapshot keeps each month's value)."""
    sellers = session.scalar(
        select(func.count()).select_from(Seller).where(Seller.status == SellerStatus.APPROVED)
    )
    listed = session.scalar(select(func.count()).select_from(catalogue.market().subquery()))
    return [
        Indicator("smart_economy.sellers_active", _("Active sellers"), sellers or 0, _("sellers")),
        Indicator("smart_economy.products_listed", _("Products on the market"), listed or 0, _("products")),
    ]


def waiting_items(tenant: Tenant, session: Session) -> list[WaitingItem]:
    cutoff = datetime.now(UTC) - timedelta(days=WAITING_DAYS)
    count, oldest = session.execute(
        select(func.count(Seller.id), func.min(Seller.created_at)).where(
            Seller.status == SellerStatus.APPLIED, Seller.created_at < cutoff
        )
    ).one()
    if not count:
        return []
    try:
        link = url_for("smart_economy.sellers.sellers", slug=tenant.slug, status="applied")
    except (RuntimeError, BuildError):
        link = ""
    return [
        WaitingItem(
            "smart_economy.applications_waiting",
            _("Applications to sell waiting for a decision"),
            int(count),
            link,
            oldest,
            SELLERS_VIEW,
        )
    ]
