"""A person's in-site inbox, shared by the pages and the API: their messages in one village (or the
platform's, for messages outside any village), unread counts, marking read.

Every query is by the caller's own user id, in a session bound to the village (ORM filter and
PostgreSQL's RLS): nobody reads another person's inbox, nor another village's rows. Marking a row
that is not the caller's is "no such message" (404), as if it did not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from ...models import User
from ...models.notification import Notification, NotificationChannel, NotificationStatus, PlatformNotification
from ...services import NotFound
from ...services.i18n import _
from ...tenancy import tenant_session

Model = type[Notification] | type[PlatformNotification]


def model_for(village_id: int | None) -> Model:
    return Notification if village_id is not None else PlatformNotification


def inbox_query(user: User, village_id: int | None, *, unread_only: bool = False) -> Select:
    """The caller's inbox rows, newest first."""
    model = model_for(village_id)
    stmt = select(model).where(model.recipient_user_id == user.id, model.channel == NotificationChannel.INBOX)
    if village_id is not None:
        stmt = stmt.where(model.tenant_id == village_id)
    if unread_only:
        stmt = stmt.where(model.read_at.is_(None))
    return stmt.order_by(model.created_at.desc(), model.id.desc())


def unread_count(session: Session, user: User, village_id: int | None) -> int:
    query = inbox_query(user, village_id, unread_only=True).order_by(None)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _key(village_id: int | None, message_id: Any) -> Any:
    try:
        return uuid.UUID(str(message_id)) if village_id is not None else int(message_id)
    except (TypeError, ValueError):
        return None


def mark_read(session: Session, user: User, village_id: int | None, message_id: Any) -> Any:
    """Mark one of the caller's messages read (again is fine); 404 for anything else. Commits."""
    model = model_for(village_id)
    key = _key(village_id, message_id)
    row = None
    if key is not None:
        row = session.scalar(inbox_query(user, village_id).where(model.id == key))
    if row is None:
        raise NotFound(_("No such message."))
    if row.read_at is None:
        row.read_at = datetime.now(UTC)
        row.status = NotificationStatus.READ
        session.commit()
    return row


def mark_all_read(session: Session, user: User, village_id: int | None) -> int:
    """Mark every unread message of the caller read; how many were. Commits."""
    model = model_for(village_id)
    stmt = update(model).where(
        model.recipient_user_id == user.id,
        model.channel == NotificationChannel.INBOX,
        model.read_at.is_(None),
    )
    if village_id is not None:
        stmt = stmt.where(model.tenant_id == village_id)
    now = datetime.now(UTC)
    done = session.execute(
        stmt.values(read_at=now, status=NotificationStatus.READ).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return int(done or 0)


def home_villages(user: User) -> list[int]:
    """The villages where the user holds a role themselves (their own inboxes live there)."""
    return sorted({m.tenant_id for m in user.memberships if m.tenant_id is not None})


@dataclass(frozen=True)
class Item:
    """One inbox message, wherever it lives (for the API's merged list)."""

    id: str
    village: str | None
    kind: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


def _items(
    session: Session, user: User, village_id: int | None, slug: str | None, limit: int, unread: bool
) -> tuple[list[Item], int]:
    stmt = inbox_query(user, village_id, unread_only=unread)
    total = int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    rows = session.scalars(stmt.limit(limit)).all()
    found = [
        Item(str(r.id), slug, r.kind, r.subject, r.body, _aware(r.created_at), _aware(r.read_at))
        for r in rows
    ]
    return found, total


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def everywhere(
    session: Session, user: User, *, page: int, per_page: int, unread: bool = False
) -> tuple[list[Item], int]:
    """One page of the caller's messages from the platform and each of their villages, newest
    first, with the total. Each village is read in its own tenant session."""
    from ...models import Tenant

    limit = page * per_page
    items, total = _items(session, user, None, None, limit, unread)
    for village_id in home_villages(user):
        slug = session.scalar(select(Tenant.slug).where(Tenant.id == village_id))
        with tenant_session(village_id) as own:
            found, count = _items(own, user, village_id, slug, limit, unread)
        items += found
        total += count
    items.sort(key=lambda i: i.created_at, reverse=True)
    start = (page - 1) * per_page
    return items[start : start + per_page], total


def mark_read_anywhere(session: Session, user: User, message_id: str) -> Item:
    """Mark one of the caller's messages read, wherever it lives (a number: the platform's; a
    UUID: one of the caller's villages). 404 for anything else."""
    from ...models import Tenant

    if message_id.isdigit():
        row = mark_read(session, user, None, message_id)
        return Item(
            str(row.id), None, row.kind, row.subject, row.body, _aware(row.created_at), _aware(row.read_at)
        )
    if _key(0, message_id) is None:
        raise NotFound(_("No such message."))
    for village_id in home_villages(user):
        with tenant_session(village_id) as own:
            try:
                row = mark_read(own, user, village_id, message_id)
            except NotFound:
                continue
            slug = own.scalar(select(Tenant.slug).where(Tenant.id == village_id))
            return Item(
                str(row.id),
                slug,
                row.kind,
                row.subject,
                row.body,
                _aware(row.created_at),
                _aware(row.read_at),
            )
    raise NotFound(_("No such message."))
