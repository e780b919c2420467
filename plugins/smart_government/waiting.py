"""What waits on the village's people in this pillar (``desa_waiting_items``), for the
facilitator's work surface: letter requests open past the village's service standard
(``letter_service_days``, as the daily reminder counts them) and registrations waiting for review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from desacerdas.models import Tenant
from desacerdas.plugin_system.types import WaitingItem
from desacerdas.services.i18n import _, ngettext

from .accounts.models import Registration, RegistrationStatus
from .letters.models import LetterRequest
from .letters.reminders import service_days
from .letters.workflow import OPEN
from .permissions import LETTERS_VIEW, REGISTRATIONS_REVIEW


def _page(endpoint: str, tenant: Tenant) -> str:
    """The queue's page in the village (a path), or nothing outside a request."""
    try:
        return url_for(endpoint, slug=tenant.slug)
    except (RuntimeError, BuildError):
        return ""


def waiting_items(tenant: Tenant, session: Session, now: datetime | None = None) -> list[WaitingItem]:
    """The village's overdue letter requests and pending registrations (only non-empty ones)."""
    now = now or datetime.now(UTC)
    days = service_days(tenant)
    late, late_since = session.execute(
        select(func.count(LetterRequest.id), func.min(LetterRequest.submitted_at)).where(
            LetterRequest.status.in_(OPEN), LetterRequest.submitted_at < now - timedelta(days=days)
        )
    ).one()
    pending, pending_since = session.execute(
        select(func.count(Registration.id), func.min(Registration.submitted_at)).where(
            Registration.status == RegistrationStatus.PENDING
        )
    ).one()
    items = []
    if late:
        items.append(
            WaitingItem(
                "smart_government.letters_overdue",
                ngettext(
                    "Letter requests open for more than %(num)d day",
                    "Letter requests open for more than %(num)d days",
                    days,
                ),
                int(late),
                _page("smart_government.letters.letter_requests", tenant),
                late_since,
                LETTERS_VIEW,
            )
        )
    if pending:
        items.append(
            WaitingItem(
                "smart_government.registrations_pending",
                _("Registrations waiting for review"),
                int(pending),
                _page("smart_government.accounts.registrations", tenant),
                pending_since,
                REGISTRATIONS_REVIEW,
            )
        )
    return items
