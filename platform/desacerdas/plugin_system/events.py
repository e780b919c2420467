"""Domain events: the core and plugins announce what happened; enabled plugins react.

Events are queued on the session that makes the change and delivered after it commits, so a
reaction never sees (or acts on) a change that was rolled back.
"""

from __future__ import annotations

import logging

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..tenancy import tenant_session
from .manager import CORE
from .types import DomainEvent

log = logging.getLogger(__name__)

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

    Each plugin reacts in its own session bound to the village and commits on its own. The event
    reports a change that is already saved, so a failing reaction is logged and rolled back alone:
    it never turns the saved change into an error, nor stops the other plugins from hearing of it.
    """
    from .state import enabled_for, plugins

    registry = plugins()
    # Only plugins that implement the hook, for events they say they listen to (``event_prefixes``
    # on the plugin object; none: every event), are asked: an event nobody listens to opens no
    # session (a province's provisioning emits one per village).
    listening = {
        impl.plugin_name
        for impl in registry.pm.hook.desa_event.get_hookimpls()
        if _wants(impl.plugin, event.name)
    }
    if not listening:
        return
    if event.tenant_id is None:
        targets = list(registry.working())
    else:
        with tenant_session(event.tenant_id) as session:
            targets = sorted(enabled_for(event.tenant_id, session))
    core = [CORE] if CORE in listening else []
    for name in [*core, *(t for t in targets if t in listening)]:
        if event.tenant_id is None:
            _deliver(registry, name, event, None)
            continue
        with tenant_session(event.tenant_id) as session:
            if _deliver(registry, name, event, session):
                session.commit()
            else:
                session.rollback()


def _wants(plugin: object, name: str) -> bool:
    prefixes = getattr(plugin, "event_prefixes", None)
    return prefixes is None or any(name.startswith(p) for p in prefixes)


def _deliver(registry, name: str, event: DomainEvent, session: Session | None) -> bool:  # noqa: ANN001
    relay = registry.hook_for(frozenset()) if name == CORE else registry.hook_only(name)
    try:
        relay.desa_event(event=event, session=session)
    except Exception:  # noqa: BLE001 - one plugin's failure must not undo or hide the event
        log.exception("plugin %s failed to handle %s in village %s", name, event.name, event.tenant_id)
        return False
    return True


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
