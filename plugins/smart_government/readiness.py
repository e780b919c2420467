"""Readiness checks of the pillar beyond the kit's (village head, hamlets, staff): what a village
must have before it can issue a letter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant
from desacerdas.plugin_system.types import ReadinessCheck

from .letters.models import LetterType
from .settings import settings_for


def letterhead_set(tenant: Tenant, session: Session) -> ReadinessCheck:
    """Letters print the office's address under the letterhead: without it they cannot be issued."""
    ok = bool((settings_for(tenant).get("office_address") or "").strip())
    return ReadinessCheck(
        "letterhead_set",
        str(_l("The letterhead and the office address are set")),
        ok,
        str(_l("Fill in the office address (and office line) in the pillar's settings.")),
    )


def letter_type_active(tenant: Tenant, session: Session) -> ReadinessCheck:
    """At least one active letter type. A village that never had any gets the common ones on
    enable, so it passes; one that switched them all off does not."""
    total = session.scalar(select(func.count(LetterType.id))) or 0
    active = session.scalar(select(func.count(LetterType.id)).where(LetterType.active.is_(True))) or 0
    return ReadinessCheck(
        "letter_type_active",
        str(_l("At least one letter type is active")),
        total == 0 or active > 0,
        str(_l("Activate a letter type (the common ones are added when the pillar is first enabled).")),
    )
