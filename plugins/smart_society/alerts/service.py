"""Emergency alerts and warnings: raising one (one request from a slow phone), the fan-out to
the hamlet's handlers, the abuse limit, and staff warnings to a hamlet or the whole village."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import url_for
from flask_babel import force_locale
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from desacerdas.kit import links
from desacerdas.kit.access import scope_for
from desacerdas.kit.lists import Filter, ListSpec, Sort, choice
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.notifications import notify
from desacerdas.services import ServiceError, audit
from desacerdas.services.i18n import _

from ..people import members_who_may
from ..permissions import ALERTS_HANDLE, ALERTS_RAISE, ALERTS_VIEW, ALERTS_WARN
from ..settings import alerts_per_hour
from . import notices
from .labels import HAZARD_LABELS
from .models import Alert, AlertStatus, Hazard, OnDuty, Warning
from .workflow import FLOW

NOTE_MAX, MESSAGE_MAX = 300, 1000


def _resident_account(session: Session, user: User):  # noqa: ANN202 - a ResidentAccount or None
    from smart_government.accounts.service import account_of

    return account_of(user, session)


def _hamlet_of(session: Session, account) -> uuid.UUID | None:  # noqa: ANN001
    from smart_government.registry.models import Resident

    return session.scalar(select(Resident.hamlet_id).where(Resident.id == account.resident_id))


def _point(latitude: float | None, longitude: float | None) -> tuple[float | None, float | None]:
    """A point the phone gave; a broken one is dropped rather than refusing an emergency."""
    if latitude is None or longitude is None:
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None, None
    return float(latitude), float(longitude)


def raise_alert(
    session: Session,
    tenant: Tenant,
    user: User,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Alert:
    """A verified resident raises an alert; the hamlet head and the village's staff are told at
    once on every channel they have. At most ``alerts_per_hour`` per resident (429 beyond)."""
    scope = scope_for(user, tenant, ALERTS_RAISE)
    if scope.own_user_id is None:
        raise ServiceError(_("Alerts are raised by residents; staff send a warning."), "forbidden", 403)
    account = _resident_account(session, user)
    if account is None:
        raise ServiceError(
            _("Only a resident with a verified account raises an alert: ask the village office."),
            "not_verified",
            403,
        )
    now = now or datetime.now(UTC)
    limit = alerts_per_hour(tenant)
    # One resident's alerts are counted one at a time: two presses at once cannot both pass the limit.
    session.execute(select(type(account).id).where(type(account).id == account.id).with_for_update())
    recent = session.scalar(
        select(func.count(Alert.id)).where(
            Alert.raised_by == user.id, Alert.raised_at > now - timedelta(hours=1)
        )
    )
    if (recent or 0) >= limit:
        raise ServiceError(
            _(
                "You raised %(num)d alerts in the last hour, the most this village allows. "
                "In danger, call 112.",
                num=recent,
            ),
            "too_many_alerts",
            429,
        )
    latitude, longitude = _point(latitude, longitude)
    alert = Alert(
        status=AlertStatus.RAISED,
        raised_by=user.id,
        raised_at=now,
        hamlet_id=_hamlet_of(session, account),
        latitude=latitude,
        longitude=longitude,
        note=((note or "").strip()[:NOTE_MAX]) or None,
    )
    session.add(alert)
    session.flush()
    FLOW.begin(session, tenant, user, alert, word="raised")
    alert.notified = _fan_out(session, tenant, alert, user)
    return alert


def _place(session: Session, alert: Alert) -> str:
    name = (
        session.scalar(select(Hamlet.name).where(Hamlet.id == alert.hamlet_id)) if alert.hamlet_id else None
    )
    if alert.latitude is not None:
        point = f"{alert.latitude:.5f}, {alert.longitude:.5f}"
        return f"{name} · {point}" if name else point
    return name or _("whole village")


def _fan_out(session: Session, tenant: Tenant, alert: Alert, raiser: User) -> int:
    data = {
        "name": raiser.name,
        "place": _place(session, alert),
        "note": alert.note or "",
        "village_name": tenant.name,
        "link": links.absolute(tenant, "smart_society.alerts.alert", "smart_society/", alert_id=alert.id),
    }
    told = 0
    for person in answering(session, tenant, alert.hamlet_id):
        notify(
            session,
            tenant,
            person,
            notices.RAISED,
            data,
            key=f"alert:{alert.id}:{person.id}",
            every_channel=True,
        )
        told += 1
    return told


def on_duty(session: Session) -> list[OnDuty]:
    return list(session.scalars(select(OnDuty).order_by(OnDuty.since, OnDuty.id)))


def answering(session: Session, tenant: Tenant, hamlet_id: uuid.UUID | None) -> list[User]:
    """Who is told of an alert in ``hamlet_id``: its hamlet head, and the staff on duty (every
    staff member while nobody is on duty, so an alert never goes unheard)."""
    people = members_who_may(session, tenant, ALERTS_HANDLE, hamlet_id)
    duty = {d.user_id for d in on_duty(session)}
    if not duty & {p.id for p in people}:
        return people
    return [p for p in people if p.id in duty or scope_for(p, tenant, ALERTS_HANDLE).hamlet_id is not None]


def set_on_duty(session: Session, tenant: Tenant, user: User, on: bool) -> bool:
    """A staff member starts or ends their duty (hamlet heads are always told of their hamlet's
    alerts); returns whether they are on duty now. The caller commits."""
    scope = scope_for(user, tenant, ALERTS_HANDLE)
    if not scope.village_wide:
        raise ServiceError(
            _("Village staff take turns on duty; a hamlet head is always told."), "forbidden", 403
        )
    row = session.scalar(select(OnDuty).where(OnDuty.user_id == user.id))
    if on and row is None:
        session.add(OnDuty(user_id=user.id))
    elif not on and row is not None:
        session.delete(row)
    audit.record(
        "smart_society.alert.duty_" + ("started" if on else "ended"),
        actor=user,
        tenant_id=tenant.id,
        target=f"user:{user.id}",
        session=session,
    )
    return on


def get(session: Session, tenant: Tenant, user: User, alert_id: uuid.UUID) -> Alert:
    alert = session.get(Alert, (tenant.id, alert_id))
    if alert is None or not FLOW.visible(session, tenant, user, alert):
        raise FLOW.not_found()
    return alert


ALERTS = ListSpec(
    filters={"status": Filter.equals(Alert.status, parse=choice(AlertStatus))},
    sorts={"newest": Sort(Alert.raised_at, Alert.id, desc=True)},
    default_sort="newest",
)


def listing(session: Session, tenant: Tenant, user: User) -> Select:
    """Staff: the alerts of their scope (a hamlet head: their hamlet's); a resident: their own."""
    scope = scope_for(user, tenant, ALERTS_VIEW, ALERTS_RAISE)
    return scope.filter(select(Alert), hamlet_column=Alert.hamlet_id, owner_column=Alert.raised_by)


# -- warnings ------------------------------------------------------------------------------------


def send_warning(
    session: Session,
    tenant: Tenant,
    user: User,
    *,
    hazard: str,
    message: str,
    hamlet_id: uuid.UUID | None = None,
) -> Warning:
    """Warn the residents (with an account) of a hamlet or of the whole village, on every channel."""
    scope_for(user, tenant, ALERTS_WARN)
    try:
        kind = Hazard(hazard)
    except ValueError:
        raise ServiceError(_("Choose what the warning is about."), "invalid_hazard", 400) from None
    message = (message or "").strip()
    if not message:
        raise ServiceError(_("Write what residents must know or do."), "message_required", 400)
    if len(message) > MESSAGE_MAX:
        raise ServiceError(
            _("The message is at most %(max)d characters.", max=MESSAGE_MAX), "message_too_long", 400
        )
    area = ""  # the whole village: each message's wording says so in its language
    if hamlet_id is not None:
        hamlet = session.get(Hamlet, (tenant.id, hamlet_id))
        if hamlet is None:
            raise ServiceError(_("That hamlet is not in this village."), "invalid_hamlet", 400)
        area = hamlet.name
    warning = Warning(hazard=kind, message=message, hamlet_id=hamlet_id, sent_by=user.id)
    session.add(warning)
    session.flush()
    with force_locale("id"):  # WhatsApp's pre-approved template is in Indonesian
        spoken = {"hazard_words": str(HAZARD_LABELS[kind]), "area_words": area or _("the whole village")}
    data = {
        **spoken,
        "hazard": kind.value,
        "area": area,
        "message": message,
        "village_name": tenant.name,
    }
    people = residents_in(session, hamlet_id)
    for person in people:
        notify(
            session,
            tenant,
            person,
            notices.WARNING,
            data,
            key=f"warning:{warning.id}:{person.id}",
            every_channel=True,
        )
    warning.recipients = len(people)
    audit.record(
        "smart_society.alert.warned",
        actor=user,
        tenant_id=tenant.id,
        target=f"warning:{warning.id}",
        session=session,
        hazard=kind.value,
        recipients=len(people),
    )
    return warning


def residents_in(session: Session, hamlet_id: uuid.UUID | None) -> list[User]:
    """Active users behind the village's active resident accounts (of one hamlet, or all)."""
    from smart_government.accounts.models import ResidentAccount
    from smart_government.registry.models import Resident

    stmt = (
        select(User)
        .join(ResidentAccount, ResidentAccount.user_id == User.id)
        .join(Resident, Resident.id == ResidentAccount.resident_id)
        .where(ResidentAccount.active.is_(True), User.active.is_(True))
        .order_by(User.id)
    )
    if hamlet_id is not None:
        stmt = stmt.where(Resident.hamlet_id == hamlet_id)
    return list(session.scalars(stmt).unique())


def recent_warnings(session: Session, limit: int = 10) -> list[Warning]:
    return list(session.scalars(select(Warning).order_by(Warning.sent_at.desc()).limit(limit)))


def page_of(tenant: Tenant, alert: Alert) -> str:
    try:
        return url_for("smart_society.alerts.alert", slug=tenant.slug, alert_id=alert.id)
    except (RuntimeError, BuildError):
        return ""
