"""Domain events: the core and plugins announce what happened; enabled plugins react.

Events are queued on the session that makes the change and delivered after it commits, so a
reaction never sees (or acts on) a change that was rolled back.
"""

from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..tenancy import tenant_session
from .types import DomainEvent

QUEUE = "desa_events"
SINK = "desa_event_sink"  # a list that collects events instead (work inside a larger transaction)


def queue(session: Session, event: DomainEvent) -> None:
    sink = session.info.get(SINK)
    if sink is not None:
        sink.append(event)
    else:
        session.info.setdefault(QUEUE, []).append(event)


def emit(event: DomainEvent) -> None:
    """Deliver ``event`` now to the plugins enabled in its village (to all for platform events).

    Reactions run in their own session bound to the village and commit on their own.
    """
    from .state import enabled_for, plugins

    if event.tenant_id is None:
        plugins().all.desa_event(event=event, session=None)
        return
    with tenant_session(event.tenant_id) as session:
        caller = plugins().hook_for(enabled_for(event.tenant_id, session)).desa_event
        caller(event=event, session=session)
        session.commit()


def _after_commit(session: Session) -> None:
    pending = session.info.pop(QUEUE, None)
    for item in pending or []:
        emit(item)


def _after_rollback(session: Session) -> None:
    session.info.pop(QUEUE, None)


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
        _installed = True
