"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import AuditEvent, User
from ..tenancy import current_tenant_id


def record(
    action: str,
    *,
    actor: User | None = None,
    tenant_id: int | None = None,
    target: str | None = None,
    session: Session | None = None,
    actor_label: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to ``session`` (the caller commits with the change it describes).

    In a session bound to a village, an event without a village is that village's (a resident's
    sign-in on the village's pages): RLS lets a village session write only its own rows.
    """
    target_session = session or db.session
    if tenant_id is None:
        tenant_id = current_tenant_id(target_session)
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.email or actor.phone if actor is not None else None),
        tenant_id=tenant_id,
        target=target,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    target_session.add(event)
    return event


def query(
    *,
    tenant_ids: list[int] | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """Filtered audit events, newest first. ``tenant_ids=None`` means every village (platform admin)."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if tenant_ids is not None:
        stmt = stmt.where(AuditEvent.tenant_id.in_(tenant_ids))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt
