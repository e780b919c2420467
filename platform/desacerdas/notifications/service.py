"""``notify()``: outbox rows written in the caller's transaction, delivered after commit.

Why an outbox: the message and the change that causes it commit together or not at all. A
rolled-back change leaves no row and so sends nothing; a committed one leaves a ``queued`` row that
is handed to the worker right after the commit (and picked up by the every-minute
``deliver_due`` sweep if that hand-off was lost, e.g. the broker was down). The idempotency key
makes a repeated call for the same change a no-op.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from ..models import Tenant, User
from ..models.notification import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    PlatformNotification,
    UserContact,
)
from ..services.i18n import N_
from ..tenancy import current_tenant_id
from . import channels as channel_registry
from .kinds import NotificationKind, get_kind
from .settings import ChannelSettings, village_settings
from .templates import own_wordings, pick_locale, render

log = logging.getLogger(__name__)

PENDING = "desa_notifications_pending"
DAILY_LIMIT = N_("Daily limit of messages reached.")  # stored in English; pages translate it


def _model(village: Tenant | None) -> type[Notification] | type[PlatformNotification]:
    return Notification if village is not None else PlatformNotification


def _existing(session: Session, model, village: Tenant | None, key: str) -> list:  # noqa: ANN001
    pending = [r for r in session.new if isinstance(r, model) and r.idempotency_key == key]
    if pending:
        return pending
    query = select(model).where(model.idempotency_key == key)
    if village is not None:
        query = query.where(model.tenant_id == village.id)
    with session.no_autoflush:  # the caller's change is flushed with the rows, at its commit
        return list(session.scalars(query))


def usable_contacts(session: Session, user: User) -> dict[str, UserContact | str]:
    """Channel -> where to reach ``user``: verified and opted-in contacts; the account's own
    e-mail counts for e-mail unless the person opted out of e-mail (they sign in with it)."""
    rows = session.scalars(select(UserContact).where(UserContact.user_id == user.id)).all()
    found: dict[str, UserContact | str] = {r.channel.value: r for r in rows if r.usable}
    email_row = next((r for r in rows if r.channel == NotificationChannel.EMAIL), None)
    if "email" not in found and user.email and (email_row is None or email_row.opted_out_at is None):
        found["email"] = user.email
    return found


def _order(candidates: Iterable[str], contacts: dict[str, UserContact | str]) -> list[str]:
    """The kind's order, with the recipient's preferred channel first when it is a candidate."""
    order = list(dict.fromkeys(candidates))
    preferred = [c for c, v in contacts.items() if isinstance(v, UserContact) and v.preferred]
    return [c for c in preferred if c in order] + [c for c in order if c not in preferred]


def choose_channel(
    session: Session,
    recipient: User,
    candidates: Iterable[str],
    settings: ChannelSettings,
    address: str | None = None,
) -> tuple[str, str] | None:
    """``(channel, address)`` for the first candidate the village has on, the platform has
    configured and the recipient can be reached on; None when there is none."""
    names = [
        name
        for name in dict.fromkeys(candidates)
        if name != "inbox" and settings.enabled(name) and channel_registry.configured(name)
    ]
    if not names:
        return None  # nothing to send on: the recipient's contacts are not needed
    if address:
        return names[0], address
    reachable = reachable_channels(session, recipient, names, contacts=None)
    return reachable[0] if reachable else None


def reachable_channels(
    session: Session, recipient: User, names: list[str], contacts: dict | None = None
) -> list[tuple[str, str]]:
    """``(channel, address)`` for each of ``names`` the recipient can be reached on, in the order
    they prefer (``names`` already filtered to what the village and the platform have on)."""
    contacts = usable_contacts(session, recipient) if contacts is None else contacts
    out = []
    for name in _order(names, contacts):
        found = contacts.get(name)
        if found is not None:
            out.append((name, found if isinstance(found, str) else found.address))
    return out


def sent_today(session: Session, village: Tenant | None, now: datetime, *, limit: int | None = None) -> int:
    """External messages of the village (or the platform) written since midnight UTC (07:00 WIB,
    08:00 WITA), secret ones (codes, reset links) left out; with ``limit``, counted up to
    ``limit`` only (enough to compare with a cap, however busy the day). The index on
    (tenant_id, created_at, channel, status, secret) answers it without reading the rows."""
    model = _model(village)
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = select(model.created_at).where(
        model.channel != NotificationChannel.INBOX,
        model.status != NotificationStatus.SKIPPED,
        model.secret.is_(False),
        model.created_at >= start,
    )
    if village is not None:
        rows = rows.where(model.tenant_id == village.id)
    if limit is not None:
        rows = rows.limit(limit)
    return session.scalar(select(func.count()).select_from(rows.subquery())) or 0


# (village id, day) -> (messages known to be sent that day, when it was counted): the cap is a
# cost guard, so below 90 % of it a count less than a minute old (plus what this process has
# written since) is enough; near the cap every call counts exactly.
_estimates: dict[tuple[int | None, date], tuple[int, float]] = {}
RECOUNT_SECONDS = 60.0


def over_cap(session: Session, village: Tenant | None, now: datetime, cap: int) -> bool:
    """Whether the village reached its daily cap of external messages, counting one more."""
    if cap <= 0:
        return True
    key = (village.id if village is not None else None, now.astimezone(UTC).date())
    known, counted_at = _estimates.get(key, (cap, 0.0))
    if known < cap * 0.9 and time.monotonic() - counted_at < RECOUNT_SECONDS:
        _estimates[key] = (known + 1, counted_at)
        return False
    count = sent_today(session, village, now, limit=cap)
    if len(_estimates) > 10_000:
        _estimates.clear()
    _estimates[key] = (count + 1, time.monotonic())
    return count >= cap


@dataclass(frozen=True)
class _Draft:
    """What every row of one notify() call shares."""

    session: Session
    model: type
    village: Tenant | None
    recipient: User
    kind: NotificationKind
    data: dict[str, Any]
    key: str
    locale: str
    wording: dict[str, Any]  # channel -> the village's own wording (looked up once for the call)

    def row(self, channel: str, address: str | None, status: NotificationStatus, **values: Any):  # noqa: ANN201
        own = self.wording.get(channel)
        text = render(self.kind, channel, self.locale, self.data, self.village, self.session, own=own)
        row = self.model(
            recipient_user_id=self.recipient.id,
            kind=self.kind.key,
            secret=self.kind.secret,
            channel=NotificationChannel(channel),
            address=address,
            locale=self.locale,
            subject=text.subject[:300],
            body=text.body,
            data=self.data,
            status=status,
            idempotency_key=self.key,
            **values,
        )
        if self.village is not None:
            row.tenant_id, row.id = self.village.id, uuid.uuid4()
        return row


def notify(
    session: Session,
    village: Tenant | None,
    recipient: User,
    kind: str,
    data: dict[str, Any],
    *,
    key: str,
    channels: tuple[str, ...] | None = None,
    address: str | None = None,
    every_channel: bool = False,
) -> list[Notification | PlatformNotification]:
    """Write the rows of one notification in ``session`` (the caller commits).

    An inbox row (already delivered) unless the kind is secret, and at most one external row: the
    first channel of ``channels`` (default: the kind's) that the village switched on, the platform
    configured and the recipient has a verified, opted-in contact for (``address`` instead: a
    contact being verified, a reset link, a PIN code). Over the village's daily cap the external
    row is ``skipped`` with the reason, unless the kind is secret: a code or a reset link is
    neither counted against the cap nor stopped by it (the code limits of ``contacts`` hold).
    Same ``key`` again: the rows already written, nothing new. ``session`` must serve ``village``
    (None: a platform-level recipient, rows in ``platform_notifications``). ``every_channel``
    (an emergency): one external row for every channel the recipient can be reached on, not
    only the first.
    """
    spec = get_kind(kind)
    if village is not None and current_tenant_id(session) != village.id:
        raise ValueError(f"notify() for village {village.id} needs a session bound to it")
    model = _model(village)
    existing = _existing(session, model, village, key)
    if existing:
        return existing
    now = datetime.now(UTC)
    settings = village_settings(village)
    candidates = channels or spec.channels
    if every_channel and not address:
        on = [n for n in dict.fromkeys(candidates) if n != "inbox" and settings.enabled(n)]
        targets = reachable_channels(session, recipient, [n for n in on if channel_registry.configured(n)])
    else:
        chosen = choose_channel(session, recipient, candidates, settings, address)
        targets = [chosen] if chosen is not None else []
    locale = pick_locale(recipient.locale)
    written = ([] if spec.secret else ["inbox"]) + [name for name, _address in targets]
    wording = own_wordings(session, village, spec.key, written, locale) if village is not None else {}
    draft = _Draft(session, model, village, recipient, spec, dict(data), key, locale, wording)
    rows = [] if spec.secret else [draft.row("inbox", None, NotificationStatus.DELIVERED, sent_at=now)]
    for target in targets:
        cap = settings.daily_cap
        if not spec.secret and over_cap(session, village, now, cap):
            rows.append(draft.row(*target, NotificationStatus.SKIPPED, error=DAILY_LIMIT))
        else:
            rows.append(draft.row(*target, NotificationStatus.QUEUED, next_attempt_at=now))
            session.info.setdefault(PENDING, []).append(rows[-1])
    session.add_all(rows)
    return rows


def sent_outside(rows: Iterable[Notification | PlatformNotification]) -> bool:
    """Whether ``notify()`` wrote a row for a channel other than the inbox (queued or not)."""
    return any(row.channel != NotificationChannel.INBOX for row in rows)


def providers_configured(channels: Iterable[str]) -> bool:
    """Whether the platform has a provider for any of ``channels``: when it has none, a code or a
    reset link may go to the log (the embedded default); otherwise it must never be logged."""
    return any(name != "inbox" and channel_registry.configured(name) for name in channels)


# -- after commit: hand the queued rows to the worker -----------------------------------------------


def enqueue(tenant_id: int | None, notification_id: str, now: datetime | None = None) -> bool:
    """Queue one delivery; False (logged) when the broker cannot take it: the row stays queued and
    ``deliver_due`` sends it within a minute of the broker coming back."""
    from .delivery import deliver_task

    try:
        if now is not None and current_app.config.get("JOBS_EAGER"):
            from .delivery import deliver

            deliver(tenant_id, notification_id, now=now)  # the sweep's clock, in tests
        else:
            deliver_task.delay(tenant_id, notification_id)
    except Exception:  # noqa: BLE001 - the change is committed; delivery must not undo the request
        log.warning(
            "notification %s:%s not queued now; deliver_due will retry",
            tenant_id,
            notification_id,
            exc_info=True,
        )
        return False
    return True


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    ids = []
    for row in pending:
        state = inspect(row)
        ident = state.identity
        if ident is None:
            continue  # never written (rolled back in a savepoint)
        tenant_id = ident[0] if isinstance(row, Notification) else None
        ids.append((tenant_id, str(ident[-1])))
    for tenant_id, notification_id in ids:
        enqueue(tenant_id, notification_id)


def _after_soft_rollback(session: Session, previous) -> None:  # noqa: ANN001
    if previous.parent is None:  # the outermost transaction: nothing of it was written
        session.info.pop(PENDING, None)


_installed = False


def install() -> None:
    """Listen for commits of every session, once per process."""
    global _installed
    if not _installed:
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", _after_soft_rollback)
        _installed = True
