"""Documents that staff-only visibility is not enough for: files a plugin makes for people holding
one permission (a whole village's residents export is for those who may export, not every staff
member who may read documents). A plugin registers ``(plugin, object_id) -> permission``; the
documents service then shows such a document only to holders of it and to the person who made it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, not_, or_

from ..auth.permissions import can
from ..models import Document, Tenant, User

_RESTRICTED: dict[tuple[str, str], str] = {}


def restrict(plugin: str, object_id: str, permission: str) -> None:
    """Documents of ``plugin`` with ``object_id`` are for holders of ``permission`` (and their maker)."""
    _RESTRICTED[(plugin, object_id)] = permission


def allows(user: User | None, tenant: Tenant, document: Document) -> bool:
    permission = _RESTRICTED.get((document.plugin, document.object_id or ""))
    if permission is None:
        return True
    return user is not None and (document.uploaded_by == user.id or can(user, permission, tenant))


def hidden(user: User | None, tenant: Tenant) -> ColumnElement[bool]:
    """A clause matching the restricted documents ``user`` may not see (for list queries)."""
    refused = [
        and_(Document.plugin == plugin, Document.object_id == object_id)
        for (plugin, object_id), permission in _RESTRICTED.items()
        if user is None or not can(user, permission, tenant)
    ]
    if not refused:
        return false()
    clause = or_(*refused)
    return and_(clause, Document.uploaded_by != user.id) if user is not None else clause


def visible_clause(user: User | None, tenant: Tenant) -> ColumnElement[bool]:
    return not_(hidden(user, tenant))
