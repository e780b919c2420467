"""Times in the zone of the village they belong to, with the zone said (``02/12/26 21.30 WITA``).

A village's own pages already show times in its zone (Flask-Babel's time zone is the village's:
``web/i18n.select_timezone``). Platform pages have no village of their own, yet they list things
that happened in villages: the platform-wide audit log, the audit events on an admin's village page.
There each row is shown in *its* village's zone (a Balinese village in WITA, a Papuan one in WIT),
and a row with no village (a sign-in, a platform setting) in the platform's zone
(``BABEL_DEFAULT_TIMEZONE``, UTC unless set). The zone's abbreviation is printed on every row, so
a reader never has to guess which clock a time is on.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, current_app, g
from flask_babel import get_locale
from markupsafe import Markup, escape

from ..extensions import db
from ..models import Tenant
from ..services.regions import time_zone

# Indonesia's zones by their usual names; any other zone prints its own abbreviation (UTC, …).
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_of(tenant: Tenant | None) -> ZoneInfo:
    """The village's zone (its profile's ``timezone``, else its province's), or the platform's."""
    if tenant is None:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return time_zone(tenant.code, (tenant.profile or {}).get("timezone"))


def zone_label(zone: tzinfo, when: datetime) -> str:
    """``WIB``/``WITA``/``WIT`` for Indonesia's zones, else the zone's own abbreviation."""
    key = getattr(zone, "key", "")
    return ZONE_NAMES.get(key) or when.astimezone(zone).tzname() or key or "UTC"


def _village(tenant_or_id: Tenant | int | None) -> Tenant | None:
    """A village from itself or its id; an id is looked up once per request (the session's
    identity map keeps it), a missing one is the platform's zone."""
    if tenant_or_id is None or isinstance(tenant_or_id, Tenant):
        return tenant_or_id
    cache = g.setdefault("_zoned_villages", {})
    if tenant_or_id not in cache:
        cache[tenant_or_id] = db.session.get(Tenant, tenant_or_id)
    return cache[tenant_or_id]


def in_zone(when: datetime | None, village: Tenant | int | None = None, format: str = "short") -> str:  # noqa: A002
    """``when`` (stored in UTC) on the clock of ``village`` (a Tenant or its id; None: the page's
    village, else the platform's zone), in the page's language, followed by the zone (``WITA``)."""
    if when is None:
        return "—"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # SQLite gives naive datetimes; they are stored in UTC
    zone = zone_of(_village(village) if village is not None else g.get("tenant"))
    # Babel's own call, not Flask-Babel's: that one would move the time to the request's zone
    text = format_datetime(when, format, tzinfo=zone, locale=get_locale())
    return f"{text} {zone_label(zone, when)}"


def time_tag(when: datetime | None, village: Tenant | int | None = None, format: str = "short") -> Markup:  # noqa: A002
    """``<time datetime="…">`` around :func:`in_zone`: machine-readable UTC, human-readable local."""
    if when is None:
        return Markup("—")
    stamp = (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()
    return Markup('<time datetime="{}">{}</time>').format(escape(stamp), in_zone(when, village, format))


def init_app(app: Flask) -> None:
    """``{{ e.at|in_zone(e.tenant_id) }}`` and ``{{ time_tag(e.at, e.tenant_id) }}`` in every template."""
    app.add_template_filter(in_zone, "in_zone")
    app.add_template_global(time_tag, "time_tag")
