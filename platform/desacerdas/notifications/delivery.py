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
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..jobs.celery_app import task
from ..jobs.schedule import periodic
from ..models import Tenant
from ..models.notification import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    PlatformNotification,
    UserContact,
)
from ..tenancy import tenant_session
from . import channels as channel_registry
from .channels.base import OutgoingMessage, PermanentError, RetryableError, SendResult
from .kinds import get_kind

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
SESSION_WINDOW = timedelta(hours=24)


def N_(message: str) -> str:  # noqa: N802 - the marker pybabel extracts by default
    """Mark a reason for translation where it is shown; stored in English (the worker has no
    request language) and translated by the pages (``_(row.error)``)."""
    return message


UNCERTAIN = N_("Delivery uncertain: the worker stopped while sending; not resent to avoid sending twice.")
NOT_CONFIGURED = N_("The channel is not configured on this platform.")
UNKNOWN_KIND = N_("This kind of message is no longer known.")
NO_ADDRESS = N_("No address to send to.")
UNEXPECTED = N_("Unexpected error while sending.")
PROVIDER_FAILED = N_("The provider reported the message failed.")

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


def _in_window(session: Session, row) -> bool:  # noqa: ANN001
    if row.channel != NotificationChannel.WHATSAPP:
        return False
    contact = session.scalar(
        select(UserContact).where(
            UserContact.user_id == row.recipient_user_id, UserContact.channel == NotificationChannel.WHATSAPP
        )
    )
    seen = _aware(contact.last_inbound_at) if contact is not None else None
    return seen is not None and _utcnow() - seen < SESSION_WINDOW


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
        return impl.send(message, current_app.config)
    except (RetryableError, PermanentError):
        raise
    except Exception as exc:  # noqa: BLE001 - a provider bug is retried, then reported
        log.exception("notification %s: channel %s raised", row.id, message.channel)
        raise RetryableError(UNEXPECTED) from exc


def _finish(row, outcome: SendResult | Exception, now: datetime) -> str:  # noqa: ANN001
    if isinstance(outcome, SendResult):
        row.status = NotificationStatus.SENT
        row.provider_message_id = outcome.provider_message_id
        row.cost = int(outcome.cost or 0)
        row.sent_at, row.error, row.next_attempt_at = now, None, None
        return "sent"
    reason = str(getattr(outcome, "message", outcome))[:400]
    if isinstance(outcome, RetryableError) and row.attempts < max_attempts():
        row.status = NotificationStatus.QUEUED
        row.next_attempt_at = now + backoff(row.attempts)
        row.error = reason
        return "retry"
    row.status = NotificationStatus.FAILED
    row.error, row.next_attempt_at = reason[:500], None
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
    """Mark stale ``sending`` rows failed; return the due queued ids and how many went stale."""
    stale = session.execute(
        update(model)
        .where(model.status == NotificationStatus.SENDING, model.updated_at < now - STALE_AFTER)
        .values(status=NotificationStatus.FAILED, error=UNCERTAIN, updated_at=now)
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


def record_status(
    tenant_id: int | None,
    provider_message_id: str,
    status: str,
    cost: int | None = None,
    error: str | None = None,
) -> bool:
    """A provider's status report for the row it knows by ``provider_message_id``, looked up in
    ``tenant_id``'s own tenant session only (a forged village finds nothing). Status only moves
    forward (a late "delivered" does not undo "read"); "failed" keeps the provider's reason.
    Returns whether a row changed."""
    try:
        new = NotificationStatus(status)
    except ValueError:
        return False
    model = _model(tenant_id)
    with _session(tenant_id) as session:
        row = session.scalar(select(model).where(model.provider_message_id == provider_message_id))
        if row is None:
            return False
        changed = False
        if ORDER[new.value] > ORDER[row.status.value] and row.status != NotificationStatus.FAILED:
            row.status = new
            if new == NotificationStatus.READ:
                row.read_at = row.read_at or _utcnow()
            if new == NotificationStatus.FAILED:
                row.error = (error or PROVIDER_FAILED)[:500]
            changed = True
        if cost is not None and cost != row.cost:
            row.cost, changed = int(cost), True
        if changed:
            session.commit()
        return changed
