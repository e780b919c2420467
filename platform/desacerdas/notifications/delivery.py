"""Delivering outbox rows: claim, send, retry with backoff, final failure, and the sweeps.

Exactly-once as far as we can know: a row is claimed with one atomic ``UPDATE ... SET
status='sending' WHERE status='queued'`` committed before the provider is called, so a second
delivery attempt (a redelivered broker message, the sweep racing the after-commit hand-off) finds
nothing to claim and does nothing. If the worker dies after the provider accepted the message but
before the row says so, the row stays ``sending``; after ``STALE_AFTER`` the sweep marks it
``failed`` ("delivery uncertain") rather than risk sending it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..jobs.celery_app import task
from ..jobs.schedule import periodic
from ..models import Tenant, User
from ..models.notification import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    PlatformNotification,
    UserContact,
)
from ..services.i18n import N_
from ..tenancy import tenant_session
from . import channels as channel_registry
from .channels.base import OutgoingMessage, PermanentError, RetryableError, SendResult
from .kinds import SECRET_MASK, get_kind

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
SESSION_WINDOW = timedelta(hours=24)


UNCERTAIN = N_("Delivery uncertain: the worker stopped while sending; not resent to avoid sending twice.")
NOT_CONFIGURED = N_("The channel is not configured on this platform.")
UNKNOWN_KIND = N_("This kind of message is no longer known.")
NO_ADDRESS = N_("No address to send to.")
UNEXPECTED = N_("Unexpected error while sending.")
PROVIDER_FAILED = N_("The provider reported the message failed.")
CHANNEL_OFF = N_("The village switched this channel off before the message was sent.")
CONTACT_GONE = N_("The recipient removed this contact before the message was sent.")
OPTED_OUT = N_("The recipient stopped messages on this channel before the message was sent.")
ADDRESS_CHANGED = N_("The recipient's address changed before the message was sent.")

ORDER = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 5, "skipped": 5}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@contextmanager
def _session(tenant_id: int | None) -> Iterator[Session]:
    if tenant_id is None:
        session = Session(db.engine)
        try:
            yield session
        finally:
            session.close()
    else:
        with tenant_session(tenant_id) as session:
            yield session


def _model(tenant_id: int | None):  # noqa: ANN202
    return Notification if tenant_id is not None else PlatformNotification


def _key(tenant_id: int | None, notification_id):  # noqa: ANN001, ANN202
    if tenant_id is None:
        return int(notification_id)
    import uuid

    return notification_id if isinstance(notification_id, uuid.UUID) else uuid.UUID(str(notification_id))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


def max_attempts() -> int:
    return int(current_app.config.get("NOTIFY_MAX_ATTEMPTS", 5))


def _claim(session: Session, model, ident, now: datetime) -> bool:  # noqa: ANN001
    result = session.execute(
        update(model)
        .where(
            model.id == ident,
            model.status == NotificationStatus.QUEUED,
            or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
        )
        .values(status=NotificationStatus.SENDING, attempts=model.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def _contact(session: Session, row) -> UserContact | None:  # noqa: ANN001
    return session.scalar(
        select(UserContact).where(
            UserContact.user_id == row.recipient_user_id, UserContact.channel == row.channel
        )
    )


def _in_window(session: Session, row) -> bool:  # noqa: ANN001
    """Whether the recipient wrote to us from this very number in the last 24 hours."""
    if row.channel != NotificationChannel.WHATSAPP:
        return False
    from .channels.whatsapp import digits

    contact = _contact(session, row)
    if contact is None or contact.address != digits(row.address or ""):
        return False  # the row goes to another number (a PIN code to the registry's phone)
    seen = _aware(contact.last_inbound_at)
    return seen is not None and _utcnow() - seen < SESSION_WINDOW


def _not_wanted(session: Session, row, tenant_id: int | None) -> str | None:  # noqa: ANN001
    """Why a queued row must not go out any more (checked again at delivery: a STOP reply, a
    removed contact, a new address or a channel switched off since ``notify()``), or None.
    A secret row goes to the address it was written for (a contact being verified, the phone on
    record) and is only stopped by the village's switch."""
    from .service import usable_contacts
    from .settings import village_settings

    village = session.get(Tenant, tenant_id) if tenant_id is not None else None
    if not village_settings(village).enabled(row.channel.value):
        return CHANNEL_OFF
    if row.secret:
        return None
    user = session.get(User, row.recipient_user_id)
    found = usable_contacts(session, user).get(row.channel.value) if user is not None else None
    if (found if isinstance(found, str) else getattr(found, "address", None)) == row.address:
        return None  # still verified, opted in and at this address (or the account's own e-mail)
    contact = _contact(session, row)
    if contact is None:
        return CONTACT_GONE
    if contact.opted_out_at is not None and not contact.opted_in:
        return OPTED_OUT
    return ADDRESS_CHANGED
    return None


def _message(session: Session, row, tenant_id: int | None) -> OutgoingMessage:  # noqa: ANN001
    spec = get_kind(row.kind)
    data = row.data or {}
    return OutgoingMessage(
        notification_id=str(row.id),
        tenant_id=tenant_id,
        channel=row.channel.value,
        address=row.address or "",
        subject=row.subject,
        body=row.body,
        locale=row.locale,
        whatsapp_template=spec.whatsapp_template,
        whatsapp_params=tuple(str(data.get(k, "")) for k in spec.whatsapp_params),
        in_session_window=_in_window(session, row),
        callback=f"{tenant_id if tenant_id is not None else 'p'}:{row.id}",
    )


def _send(session: Session, row, tenant_id: int | None) -> SendResult:  # noqa: ANN001
    try:
        message = _message(session, row, tenant_id)
    except KeyError:
        raise PermanentError(UNKNOWN_KIND) from None
    if not message.address and row.channel != NotificationChannel.INBOX:
        raise PermanentError(NO_ADDRESS)
    impl = channel_registry.channel(message.channel)
    if impl is None or not channel_registry.configured(message.channel):
        raise PermanentError(NOT_CONFIGURED)
    try:
        with force_locale("en"):  # reasons are stored as English msgids; pages translate them
            return impl.send(message, current_app.config)
    except (RetryableError, PermanentError):
        raise
    except Exception as exc:  # noqa: BLE001 - a provider bug is retried, then reported
        log.exception("notification %s: channel %s raised", row.id, message.channel)
        raise RetryableError(UNEXPECTED) from exc


def forget_secret(row) -> None:  # noqa: ANN001
    """A secret row that will not be sent again keeps no code or link: masked body, no data."""
    if row.secret:
        row.body, row.data = SECRET_MASK, {}


def _finish(row, outcome: SendResult | Exception, now: datetime) -> str:  # noqa: ANN001
    if isinstance(outcome, SendResult):
        row.status = NotificationStatus.SENT
        row.provider_message_id = outcome.provider_message_id
        row.cost = int(outcome.cost or 0)
        row.sent_at, row.error, row.next_attempt_at = now, None, None
        forget_secret(row)
        return "sent"
    reason = str(getattr(outcome, "message", outcome))[:400]
    if isinstance(outcome, RetryableError) and row.attempts < max_attempts():
        row.status = NotificationStatus.QUEUED
        row.next_attempt_at = now + backoff(row.attempts)
        row.error = reason
        return "retry"
    row.status = NotificationStatus.FAILED
    row.error, row.next_attempt_at = reason[:500], None
    forget_secret(row)
    return "failed"


def deliver(tenant_id: int | None, notification_id, now: datetime | None = None) -> str:  # noqa: ANN001
    """Send one outbox row: ``sent``, ``retry`` (queued again with backoff), ``failed`` or
    ``skipped`` (not ours to send: already claimed, not due, another village's, gone)."""
    now = now or _utcnow()
    model = _model(tenant_id)
    try:
        ident = _key(tenant_id, notification_id)
    except (TypeError, ValueError):
        return "skipped"
    with _session(tenant_id) as session:
        if not _claim(session, model, ident, now):
            return "skipped"
        row = session.get(model, (tenant_id, ident) if tenant_id is not None else ident)
        if row is None:  # cannot happen after a claim in the same village; be safe
            return "skipped"
        unwanted = _not_wanted(session, row, tenant_id)
        if unwanted is not None:
            row.status, row.error, row.next_attempt_at = NotificationStatus.SKIPPED, unwanted, None
            forget_secret(row)
            session.commit()
            log.info("notification %s:%s skipped: %s", tenant_id, notification_id, unwanted)
            return "skipped"
        try:
            outcome: SendResult | Exception = _send(session, row, tenant_id)
        except (RetryableError, PermanentError) as exc:
            outcome = exc
        result = _finish(row, outcome, now)
        session.commit()
    if result != "sent":
        log.info("notification %s:%s %s: %s", tenant_id, notification_id, result, outcome)
    return result


@task("desa.notifications.deliver")
def deliver_task(tenant_id: int | None, notification_id: str) -> str:
    """The worker task body: delivery never raises, its outcome is on the row."""
    return deliver(tenant_id, notification_id)


# -- the sweep: due retries, lost hand-offs, stale claims -------------------------------------------


def _sweep_one(session: Session, model, now: datetime, limit: int) -> tuple[list, int]:  # noqa: ANN001
    """Mark stale ``sending`` rows failed (a secret one loses its text); return the due queued ids
    and how many went stale."""
    stuck = (model.status == NotificationStatus.SENDING, model.updated_at < now - STALE_AFTER)
    failed = {"status": NotificationStatus.FAILED, "error": UNCERTAIN, "updated_at": now}
    stale = 0
    for secret, forget in ((True, {"body": SECRET_MASK, "data": {}}), (False, {})):
        stale += session.execute(
            update(model)
            .where(*stuck, model.secret.is_(secret))
            .values(**failed, **forget)
            .execution_options(synchronize_session=False)
        ).rowcount
    due = list(
        session.scalars(
            select(model.id)
            .where(model.status == NotificationStatus.QUEUED, model.next_attempt_at <= now)
            .order_by(model.next_attempt_at)
            .limit(limit)
        )
    )
    session.commit()
    return due, stale


def village_ids() -> list[int]:
    with Session(db.engine) as session:
        return list(session.scalars(select(Tenant.id).order_by(Tenant.id)))


def deliver_due(now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Every minute: fail stale claims and queue every row whose (next) attempt is due, in each
    village's own tenant session (RLS), then the platform's. Returns counts for the log."""
    from .service import enqueue

    now = now or _utcnow()
    queued = stale = 0
    for tenant_id in [*village_ids(), None]:
        with _session(tenant_id) as session:
            due, gone = _sweep_one(session, _model(tenant_id), now, limit)
        stale += gone
        for ident in due:
            queued += enqueue(tenant_id, str(ident), now=now)
    return {"queued": queued, "stale": stale}


@periodic("desa.notifications.deliver_due", timedelta(minutes=1))
def deliver_due_task() -> dict[str, int]:
    return deliver_due()


# -- provider webhooks ------------------------------------------------------------------------------


def _reported_row(session: Session, model, tenant_id: int | None, provider_id: str, notification_id):  # noqa: ANN001, ANN202
    """The row a status report is about: by the provider's id, else by our own id from the
    callback data when the row never learnt the provider's id (the worker stopped after the
    provider took the message: the row is "delivery uncertain")."""
    row = session.scalar(select(model).where(model.provider_message_id == provider_id))
    if row is not None or not notification_id:
        return row
    try:
        ident = _key(tenant_id, notification_id)
    except (TypeError, ValueError):
        return None
    row = session.get(model, (tenant_id, ident) if tenant_id is not None else ident)
    if row is None or row.provider_message_id not in (None, provider_id):
        return None
    row.provider_message_id = provider_id
    return row


def _moves(row, new: NotificationStatus) -> bool:  # noqa: ANN001
    """Status only moves forward; a row failed as "uncertain" learns it did go out after all."""
    if row.status == NotificationStatus.FAILED:
        return (
            row.error == UNCERTAIN and new != NotificationStatus.QUEUED and new != NotificationStatus.SENDING
        )
    return ORDER[new.value] > ORDER[row.status.value]


def record_status(
    tenant_id: int | None,
    provider_message_id: str,
    status: str,
    cost: int | None = None,
    error: str | None = None,
    notification_id: str | None = None,
) -> bool:
    """A provider's status report for the row it knows by ``provider_message_id`` (or, when no
    row has that id, by ``notification_id`` from our callback data), looked up in ``tenant_id``'s
    own tenant session only (a forged village finds nothing). Status only moves forward (a late
    "delivered" does not undo "read"), except that a row failed as "delivery uncertain" takes
    the provider's word; "failed" keeps the provider's reason. Returns whether a row changed."""
    try:
        new = NotificationStatus(status)
    except ValueError:
        return False
    model = _model(tenant_id)
    with _session(tenant_id) as session:
        row = _reported_row(session, model, tenant_id, provider_message_id, notification_id)
        if row is None:
            return False
        changed = False
        if _moves(row, new):
            if row.status == NotificationStatus.FAILED and new != NotificationStatus.FAILED:
                row.error, row.sent_at = None, row.sent_at or _utcnow()
            row.status = new
            if new == NotificationStatus.READ:
                row.read_at = row.read_at or _utcnow()
            if new == NotificationStatus.FAILED:
                row.error = (error or PROVIDER_FAILED)[:500]
            changed = True
        if cost is not None and cost != row.cost:
            row.cost, changed = int(cost), True
        if changed or session.dirty:
            session.commit()
        return changed
