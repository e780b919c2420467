"""Who hears of a letter request's moves: the resident of every move (verified, approved, signed,
issued with the download link, refused with the reason), the staff who take the next step of a
request submitted online.

Every function writes outbox rows with :func:`desacerdas.notifications.notify` in the caller's
session, before the move's commit: a move rolled back sends nothing, and the idempotency key (the
request and the move) means a move is never told twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.auth.permissions import registry as permissions
from desacerdas.kit import links
from desacerdas.models import Membership, Role, Tenant, User
from desacerdas.notifications import notify

from ..accounts import service as accounts
from ..notice_kinds import LETTER_SUBMITTED, letter_kind
from ..permissions import LETTERS_PROCESS
from .models import Letter, LetterRequest, LetterType

STAFF_ROLES = (Role.VILLAGE_HEAD, Role.VILLAGE_SECRETARY, Role.OPERATOR, Role.HAMLET_HEAD)


def link(tenant: Tenant, endpoint: str, **values: Any) -> str:
    """An absolute address for a message (the kit's :func:`~desacerdas.kit.links.absolute`)."""
    return links.absolute(tenant, endpoint, "smart_government/", **values)


def _title(session: Session, req: LetterRequest) -> str:
    return session.scalar(select(LetterType.title).where(LetterType.id == req.type_id)) or ""


def resident_user(session: Session, req: LetterRequest) -> User | None:
    """The user behind the request's resident (an active account), or None: nobody to tell."""
    account = accounts.account_for_resident(session, req.resident_id)
    if account is None or not account.active:
        return None
    user = session.get(User, account.user_id)
    return user if user is not None and user.active else None


def tell_resident(
    session: Session,
    tenant: Tenant,
    req: LetterRequest,
    word: str,
    *,
    reason: str | None = None,
    letter: Letter | None = None,
) -> None:
    """Tell the resident the request moved (``word``: verified, approved, signed, issued, rejected)."""
    user = resident_user(session, req)
    if user is None:
        return
    data: dict[str, Any] = {"name": user.name, "letter": _title(session, req), "village_name": tenant.name}
    if word == "rejected":
        data["reason"] = reason or req.rejection_reason or ""
    if letter is not None:
        data["number"] = letter.number
        data["link"] = link(tenant, "smart_government.letters.letter_download", letter_id=letter.id)
    notify(session, tenant, user, letter_kind(word), data, key=f"letter_request:{req.id}:{word}")


def _grants(membership: Membership, hamlet_id: Any) -> bool:
    if not permissions.role_grants(membership.role, LETTERS_PROCESS):
        return False
    return membership.role != Role.HAMLET_HEAD or membership.hamlet_id == hamlet_id


def staff_for(session: Session, tenant: Tenant, hamlet_id: Any, exclude: Iterable[int] = ()) -> list[User]:
    """The village's active staff who process requests of ``hamlet_id`` (a hamlet head: theirs only)."""
    rows = session.scalars(
        select(Membership).where(Membership.tenant_id == tenant.id, Membership.role.in_(STAFF_ROLES))
    )
    skip = set(exclude)
    wanted = sorted({m.user_id for m in rows if _grants(m, hamlet_id)} - skip)
    if not wanted:
        return []
    users = session.scalars(select(User).where(User.id.in_(wanted), User.active.is_(True)).order_by(User.id))
    return list(users)


def tell_staff_submitted(session: Session, tenant: Tenant, req: LetterRequest, actor: User) -> None:
    """A resident asked online: the staff who take the next step hear of it."""
    resident = resident_user(session, req)
    data = {
        "letter": _title(session, req),
        "resident": resident.name if resident is not None else actor.name,
        "village_name": tenant.name,
        "link": link(tenant, "smart_government.letters.letter_request", request_id=req.id),
    }
    for user in staff_for(session, tenant, req.hamlet_id, exclude=[actor.id]):
        key = f"letter_request:{req.id}:submitted:{user.id}"
        notify(session, tenant, user, LETTER_SUBMITTED, data, key=key)
