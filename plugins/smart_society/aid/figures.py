"""Social-aid indicators of a month: recipients (in all, and per source of aid: the programme
families a regency compares), households receiving any aid, conflicts found and resolved; and the
candidates waiting for a deliberation, for the facilitator's surface."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from desacerdas.models import Tenant
from desacerdas.plugin_system.types import Indicator, WaitingItem
from desacerdas.services.i18n import _
from desacerdas.web.zoned_time import zone_of

from ..permissions import AID_VIEW
from .labels import SOURCE_LABELS
from .models import AidConflict, AidProgramme, AidRecipient, RecipientStatus, Source

WAITING_DAYS = 30  # a candidate proposed longer ago than this waits on the deliberation


def _receiving_on(day: date):  # noqa: ANN202 - a SQL condition
    """Recipients whose aid covers ``day``: approved (or imported) and not ended before it."""
    return and_(
        AidProgramme.period_start <= day,
        AidProgramme.period_end >= day,
        or_(
            AidRecipient.status == RecipientStatus.RECIPIENT,
            and_(AidRecipient.status == RecipientStatus.DEACTIVATED, AidRecipient.ended_on > day),
        ),
    )


def _joined(stmt):  # noqa: ANN001, ANN202
    return stmt.join(
        AidProgramme,
        and_(AidProgramme.tenant_id == AidRecipient.tenant_id, AidProgramme.id == AidRecipient.programme_id),
    )


def recipients_by_programme(session: Session, day: date) -> list[tuple[str, int]]:
    """(programme, recipients on ``day``), largest first: the chart on the aid page."""
    rows = session.execute(
        _joined(select(AidProgramme.name, func.count()).select_from(AidRecipient))
        .where(_receiving_on(day))
        .group_by(AidProgramme.name)
        .order_by(func.count().desc(), AidProgramme.name)
    ).all()
    return [(name, n) for name, n in rows]


def indicators(tenant: Tenant, period: str, session: Session) -> list[Indicator]:
    from smart_government.registry.statistics import period_range

    start, end = period_range(period)
    last = end - timedelta(days=1)
    zone = zone_of(tenant)
    lo = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(end, time.min, tzinfo=zone).astimezone(UTC)
    recipients = session.scalar(
        _joined(select(func.count()).select_from(AidRecipient)).where(_receiving_on(last))
    )
    households = session.scalar(
        _joined(
            select(func.count(func.distinct(func.coalesce(AidRecipient.family_id, AidRecipient.resident_id))))
        )
        .select_from(AidRecipient)
        .where(_receiving_on(last))
    )
    found = session.scalar(
        select(func.count())
        .select_from(AidConflict)
        .where(AidConflict.found_at >= lo, AidConflict.found_at < hi)
    )
    resolved = session.scalar(
        select(func.count())
        .select_from(AidConflict)
        .where(AidConflict.resolved_at >= lo, AidConflict.resolved_at < hi)
    )
    by_source = session.execute(
        _joined(select(AidProgramme.source, func.count()).select_from(AidRecipient))
        .where(_receiving_on(last))
        .group_by(AidProgramme.source)
    ).all()
    per_source = [
        Indicator(
            f"smart_society.aid_recipients_{Source(source).value}",
            _("Aid recipients: %(source)s", source=SOURCE_LABELS[Source(source)]),
            n,
            _("recipients"),
        )
        for source, n in sorted(by_source, key=lambda row: Source(row[0]).value)
    ]
    return [
        *per_source,
        Indicator("smart_society.aid_recipients", _("Aid recipients"), recipients or 0, _("recipients")),
        Indicator(
            "smart_society.aid_households",
            _("Households receiving any aid"),
            households or 0,
            _("households"),
        ),
        Indicator(
            "smart_society.aid_conflicts_found", _("Double receipts caught"), found or 0, _("conflicts")
        ),
        Indicator(
            "smart_society.aid_conflicts_resolved",
            _("Double receipts resolved"),
            resolved or 0,
            _("conflicts"),
        ),
    ]


def waiting_items(tenant: Tenant, session: Session) -> list[WaitingItem]:
    """Candidates proposed more than a month ago, still without a decision."""
    cutoff = datetime.now(UTC) - timedelta(days=WAITING_DAYS)
    count, oldest = session.execute(
        select(func.count(AidRecipient.id), func.min(AidRecipient.created_at)).where(
            AidRecipient.status == RecipientStatus.PROPOSED, AidRecipient.created_at < cutoff
        )
    ).one()
    if not count:
        return []
    try:
        link = url_for("smart_society.aid.programmes", slug=tenant.slug)
    except (RuntimeError, BuildError):
        link = ""
    return [
        WaitingItem(
            "smart_society.aid_candidates_waiting",
            _("Aid candidates waiting for the village deliberation"),
            int(count),
            link,
            oldest,
            AID_VIEW,
        )
    ]
