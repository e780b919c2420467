"""Indicators of a village: what "berbasis data" means. One function every dashboard reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..models import Tenant
from .state import plugins
from .types import Indicator


def current_period() -> str:
    return date.today().strftime("%Y-%m")


def for_village(
    tenant: Tenant, enabled: frozenset[str], session: Session, period: str | None = None
) -> list[Indicator]:
    """Indicators of the core and of every plugin enabled in the village, in a stable order."""
    groups = (
        plugins()
        .hook_for(enabled)
        .desa_indicators(tenant=tenant, period=period or current_period(), session=session)
    )
    return sorted((i for group in groups for i in group or []), key=lambda i: i.key)
