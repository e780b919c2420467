"""The alert's workflow on the kit: ``raised → acknowledged → closed`` (or closed at once).

The kit's row lock and re-read make "the first to acknowledge" exact: two handlers pressing at the
same moment give one acknowledgement and one 409 naming who answered first.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.kit.workflow import Action, MoveContext, Workflow
from desacerdas.models.base import utcnow
from desacerdas.services.i18n import _
from desacerdas.web.labels import register_events, register_states

from ..permissions import ALERTS_HANDLE, ALERTS_VIEW
from .models import AlertStatus, AlertStep

STATES = {
    AlertStatus.RAISED.value: _l("Raised"),
    AlertStatus.ACKNOWLEDGED.value: _l("Acknowledged"),
    AlertStatus.CLOSED.value: _l("Closed"),
}


def _acknowledged(ctx: MoveContext) -> None:
    ctx.record.acknowledged_by = ctx.user.id if ctx.user is not None else None
    ctx.record.acknowledged_at = utcnow()


def _closed(ctx: MoveContext) -> None:
    ctx.record.outcome = ctx.note
    ctx.record.false_alarm = bool(ctx.data.get("false_alarm"))
    ctx.record.closed_at = utcnow()
    if ctx.record.acknowledged_at is None:  # closing answers it too
        _acknowledged(ctx)


FLOW = Workflow(
    name="smart_society.alert",
    states=STATES,
    actions=[
        Action(
            "acknowledge",
            (AlertStatus.RAISED,),
            AlertStatus.ACKNOWLEDGED,
            _l("I am on my way"),
            ALERTS_HANDLE,
            effect=_acknowledged,
            recorded_as="acknowledged",
        ),
        Action(
            "close",
            (AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED),
            AlertStatus.CLOSED,
            _l("Close"),
            ALERTS_HANDLE,
            needs_note=True,
            effect=_closed,
            recorded_as="closed",
        ),
    ],
    final=frozenset({AlertStatus.CLOSED.value}),
    path=("acknowledge", "close"),
    owner_attr="raised_by",
    view_permission=ALERTS_VIEW,
    step_model=AlertStep,
    coerce=AlertStatus,
    missing=lambda: _("No such alert in this village."),
)

register_states("smart_society.alert", STATES)
register_events(
    {
        "smart_society.alert.raised": _l("Emergency alert raised"),
        "smart_society.alert.acknowledged": _l("Emergency alert acknowledged"),
        "smart_society.alert.closed": _l("Emergency alert closed"),
        "smart_society.alert.warned": _l("Warning sent"),
        "smart_society.alert.duty_started": _l("On duty for emergency alerts"),
        "smart_society.alert.duty_ended": _l("Off duty for emergency alerts"),
    }
)
