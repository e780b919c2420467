"""Volume and cost of messages per channel, in whole numbers and rupiah, with a small SVG bar chart:
``/desa/<slug>/notifications/usage`` for the village (``notifications.usage.view``) and
``/admin/notifications/usage`` for a platform admin (every village and the platform's own messages)
or a regency admin (only the villages of their area). ``?month=YYYY-MM`` picks the month (this
month by default); an unreadable month is a 400 naming it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape
from sqlalchemy import or_, select

from ...extensions import db
from ...kit.access import require
from ...kit.lists import ListError
from ...models import Role, Tenant, TenantStatus
from ...web.tenant import make_tenant_blueprint
from ..usage import UsageRow, usage
from . import USAGE, labels

village_bp = make_tenant_blueprint("notification_usage", __name__)
platform_bp = Blueprint("notification_usage_admin", __name__, url_prefix="/admin/notifications")

ORDER = ("inbox", "whatsapp", "sms", "email")
YEARS = (2000, 9998)  # months a page may ask for (9999-12 has no following month)


def whole(value: int) -> str:
    """A count with the reader's grouping: ``12.500`` (Indonesian) / ``12,500``."""
    return format_decimal(int(value or 0), format="#,##0")


def rupiah(value: int) -> str:
    """``Rp 12.500`` (Indonesian grouping) / ``Rp 12,500``: whole rupiah."""
    return "Rp " + whole(value)


class Shown(int):
    """A number for the chart macro (``_charts.html bars``): it draws the bar by the number and
    prints the label (``Rp 12.500``, ``1.234``) where the macro prints the value."""

    label: str

    def __new__(cls, value: int, label: str) -> Shown:
        made = super().__new__(cls, int(value or 0))
        made.label = label
        return made

    def __html__(self) -> str:
        return str(escape(self.label))


def month_range(raw: str | None) -> tuple[date, datetime, datetime]:
    """The month asked for (``YYYY-MM``; this month when empty) and its ``[start, end)`` in UTC."""
    if raw:
        try:
            first = datetime.strptime(raw.strip(), "%Y-%m").date().replace(day=1)
        except ValueError:
            first = None
        if first is None or not YEARS[0] <= first.year <= YEARS[1]:
            raise ListError("month", _("%(value)s is not a month (YYYY-MM).", value=raw.strip()[:20]))
    else:
        first = datetime.now(UTC).date().replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return (
        first,
        datetime(first.year, first.month, 1, tzinfo=UTC),
        datetime(following.year, following.month, 1, tzinfo=UTC),
    )


def by_channel(rows: list[UsageRow]) -> list[dict]:
    """One line per channel (every channel listed, zeros included), in the pages' order."""

    def empty(channel: str) -> dict:
        return {"channel": channel, "total": 0, "sent": 0, "failed": 0, "skipped": 0, "cost": 0}

    sums: dict[str, dict] = {c: empty(c) for c in ORDER}
    for row in rows:
        line = sums.setdefault(row.channel, empty(row.channel))
        for name in ("total", "sent", "failed", "skipped", "cost"):
            line[name] += getattr(row, name)
    return list(sums.values())


def _render(title: str, rows: list[UsageRow], first: date, **extra: object) -> str:
    lines = by_channel(rows)
    return render_template(
        "notifications/usage.html",
        heading=title,
        lines=lines,
        month=first,
        month_value=first.strftime("%Y-%m"),
        volume=[
            (labels.channel_label(line["channel"]), Shown(line["total"], whole(line["total"])))
            for line in lines
        ],
        costs=[
            (labels.channel_label(line["channel"]), Shown(line["cost"], rupiah(line["cost"])))
            for line in lines
            if line["channel"] != "inbox"
        ],
        total_count=sum(line["total"] for line in lines),
        total_cost=sum(line["cost"] for line in lines),
        prices=current_app.config.get("NOTIFY_COST") or {},
        rupiah=rupiah,
        whole=whole,
        labels=labels,
        **extra,
    )


@village_bp.route("/notifications/usage", endpoint="usage")
def usage_page() -> ResponseReturnValue:
    tenant, _scope, _user = require(USAGE)
    first, since, until = month_range(request.args.get("month"))
    rows = usage(db.session, [tenant.id], since, until)
    return _render(_("Messages: volume and cost"), rows, first)


def _area() -> list[int | None]:
    """The villages (and, for a platform admin, the platform's own messages) the caller may count:
    a regency admin's are the villages of their area only, not others where they hold a role."""
    user = current_user
    if user.is_platform_admin:
        return [*db.session.scalars(select(Tenant.id).order_by(Tenant.name)), None]
    prefixes = [m.area_prefix for m in user.memberships if m.role == Role.REGENCY_ADMIN and m.area_prefix]
    if not prefixes:
        abort(403)
    in_area = or_(*(or_(Tenant.code == p, Tenant.code.startswith(p + ".")) for p in prefixes))
    stmt = select(Tenant.id).where(in_area, Tenant.status != TenantStatus.ARCHIVED).order_by(Tenant.name)
    return list(db.session.scalars(stmt))


@platform_bp.route("/usage")
@login_required
def usage_admin() -> ResponseReturnValue:
    ids = _area()
    first, since, until = month_range(request.args.get("month"))
    rows = usage(None, ids, since, until)
    names = dict(
        db.session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_([i for i in ids if i]))).all()
    )
    per_village: dict[int | None, dict] = defaultdict(
        lambda: {"total": 0, "cost": 0, "failed": 0, "skipped": 0}
    )
    for row in rows:
        line = per_village[row.tenant_id]
        line["total"] += row.total
        line["cost"] += row.cost
        line["failed"] += row.failed
        line["skipped"] += row.skipped
    villages = [
        {
            "name": names.get(tid) if tid is not None else _("Platform (outside any village)"),
            **per_village[tid],
        }
        for tid in ids
        if tid in per_village
    ]
    villages.sort(key=lambda v: (-v["cost"], -v["total"], v["name"] or ""))
    return _render(
        _("Messages of every village: volume and cost"),
        rows,
        first,
        villages=villages,
        village_count=len(ids),
    )
