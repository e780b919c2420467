"""A candidate's workflow on the kit: ``proposed → recipient`` or ``refused`` by a Musdes
decision; ``recipient → deactivated`` with a reason. Approving checks double receipt again (a
conflict found since the proposal holds the candidate back) and the programme's quota, and puts
the recipient on the platform's ledger; ending takes them off it from that day."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from desacerdas.kit.workflow import Action, MoveContext, Workflow
from desacerdas.services import ServiceError, aid_ledger
from desacerdas.services.i18n import _
from desacerdas.web.labels import register_events, register_states

from ..permissions import AID_DECIDE, AID_VIEW
from . import rules
from .models import AidProgramme, AidRecipient, AidRecipientStep, EndReason, RecipientStatus

STATES = {
    RecipientStatus.PROPOSED.value: _l("Proposed"),
    RecipientStatus.RECIPIENT.value: _l("Recipient"),
    RecipientStatus.REFUSED.value: _l("Refused"),
    RecipientStatus.DEACTIVATED.value: _l("Ended"),
}


def programme_of(ctx: MoveContext) -> AidProgramme:
    return ctx.session.get(AidProgramme, (ctx.tenant.id, ctx.record.programme_id))


def _approvable(ctx: MoveContext) -> None:
    if ctx.data.get("decision") is None:
        raise ServiceError(_("A candidate becomes a recipient by a recorded decision."), "decision_required")
    programme = programme_of(ctx)
    # ``checked``: the caller (deliberation.decide) ran the check itself, under the programme's lock.
    found = (
        []
        if ctx.data.get("checked")
        else rules.find(
            ctx.session,
            ctx.tenant,
            programme,
            resident_id=ctx.record.resident_id,
            family_id=ctx.record.family_id,
            actor=ctx.user,
            record_id=ctx.record.id,
        )
    )
    if found:
        raise ServiceError(
            _("%(name)s receives aid that conflicts with this programme.", name=ctx.record.name),
            "conflict",
            409,
        )
    if programme.quota is not None:
        taken = ctx.session.scalar(
            select(func.count())
            .select_from(AidRecipient)
            .where(
                AidRecipient.programme_id == programme.id, AidRecipient.status == RecipientStatus.RECIPIENT
            )
        )
        if taken >= programme.quota:
            raise ServiceError(
                _("The programme's quota of %(quota)d is reached.", quota=programme.quota),
                "quota_reached",
                409,
            )


def _approved(ctx: MoveContext) -> None:
    ctx.record.decision_id = ctx.data["decision"].id
    programme = programme_of(ctx)
    niks = rules.household_niks(ctx.session, ctx.record.resident_id, ctx.record.family_id, programme.unit)
    aid_ledger.record(ctx.session, ctx.record.id, rules.claim_of(programme, niks))


def _refused(ctx: MoveContext) -> None:
    decision = ctx.data.get("decision")
    ctx.record.decision_id = decision.id if decision is not None else None
    ctx.record.refusal_reason = ctx.note
    rules.resolve_all(ctx.session, ctx.record, "refused")
    aid_ledger.record(ctx.session, ctx.record.id, None)


def _ending(ctx: MoveContext) -> None:
    try:
        EndReason(ctx.data.get("reason") or "")
    except ValueError:
        raise ServiceError(_("Say why the aid ends."), "reason_required") from None
    if not isinstance(ctx.data.get("on"), date):
        raise ServiceError(_("Give the day the aid ends."), "ended_on_required")


def _ended(ctx: MoveContext) -> None:
    ctx.record.end_reason = EndReason(ctx.data["reason"])
    ctx.record.ended_on = ctx.data["on"]
    aid_ledger.end(ctx.session, ctx.record.id, ctx.data["on"])


FLOW = Workflow(
    name="smart_society.aid",
    states=STATES,
    actions=[
        Action(
            "approve",
            (RecipientStatus.PROPOSED,),
            RecipientStatus.RECIPIENT,
            _l("Approve"),
            AID_DECIDE,
            guard=_approvable,
            effect=_approved,
            recorded_as="approved",
        ),
        Action(
            "refuse",
            (RecipientStatus.PROPOSED,),
            RecipientStatus.REFUSED,
            _l("Refuse"),
            AID_DECIDE,
            needs_note=True,
            effect=_refused,
            recorded_as="refused",
        ),
        Action(
            "deactivate",
            (RecipientStatus.RECIPIENT,),
            RecipientStatus.DEACTIVATED,
            _l("End the aid"),
            AID_DECIDE,
            needs_note=True,
            guard=_ending,
            effect=_ended,
            recorded_as="ended",
        ),
    ],
    final=frozenset({RecipientStatus.REFUSED.value, RecipientStatus.DEACTIVATED.value}),
    path=("approve",),
    view_permission=AID_VIEW,
    step_model=AidRecipientStep,
    coerce=RecipientStatus,
    missing=lambda: _("No such aid candidate in this village."),
)

register_states("smart_society.aid", STATES)
register_events(
    {
        "smart_society.aid.proposed": _l("Aid candidate proposed"),
        "smart_society.aid.imported": _l("Aid recipient imported"),
        "smart_society.aid.approved": _l("Aid candidate approved"),
        "smart_society.aid.refused": _l("Aid candidate refused"),
        "smart_society.aid.ended": _l("Aid ended"),
        "smart_society.aid.decided": _l("Village deliberation on aid recorded"),
        "smart_society.aid.received": _l("Aid receipt recorded"),
        "smart_society.aid.programme_saved": _l("Aid programme saved"),
    }
)
