"""The complaint's workflow on the kit (:mod:`desacerdas.kit.workflow`):
``received → verified → assigned → in_progress → answered → closed``, or ``rejected``.

Staff and the hamlet head of the complaint's hamlet verify, assign, work on, answer and reject; the
complainant may close an answered complaint or send it back with a reply ("not solved yet"). Every
move locks the complaint, writes a timeline row (:class:`ComplaintStep`), the audit record
``smart_society.complaint.<word>`` and the domain event of the same name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from desacerdas.kit.workflow import Action, MoveContext, Workflow
from desacerdas.models import Membership, User
from desacerdas.models.base import utcnow
from desacerdas.services import ServiceError
from desacerdas.services.i18n import _
from desacerdas.web.labels import register_events, register_states

from ..people import may_act
from ..permissions import COMPLAINTS_HANDLE, COMPLAINTS_VIEW
from . import notices
from .models import ComplaintEntry, ComplaintStep, EntryKind, Status

STATES = {
    Status.RECEIVED.value: _l("Received"),
    Status.VERIFIED.value: _l("Verified"),
    Status.ASSIGNED.value: _l("Assigned"),
    Status.IN_PROGRESS.value: _l("In progress"),
    Status.ANSWERED.value: _l("Answered"),
    Status.CLOSED.value: _l("Closed"),
    Status.REJECTED.value: _l("Rejected"),
}


def author_name(user: User | None) -> str:
    return (getattr(user, "name", None) or "").strip() or "-"


def add_entry(ctx: MoveContext, kind: EntryKind, body: str) -> ComplaintEntry:
    entry = ComplaintEntry(
        complaint_id=ctx.record.id,
        kind=kind,
        body=body,
        author_id=ctx.user.id if ctx.user is not None else None,
        author_name=author_name(ctx.user),
    )
    ctx.session.add(entry)
    return entry


def _verified(ctx: MoveContext) -> None:
    ctx.record.verified_at = utcnow()
    notices.tell_complainant(ctx.session, ctx.tenant, ctx.record, "verified")


def _assignee_must_handle(ctx: MoveContext) -> None:
    """The assignee is a member of this village who may handle this complaint (a hamlet head only
    for their own hamlet's)."""
    user_id = ctx.data.get("assignee_id")
    if user_id is None:
        raise ServiceError(_("Choose who handles the complaint."), "assignee_required", 400)
    member = ctx.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.tenant_id == ctx.tenant.id)
    )
    if (
        member is None
        or not member.is_active
        or not may_act(member, ctx.tenant, COMPLAINTS_HANDLE, ctx.record.hamlet_id)
    ):
        raise ServiceError(
            _("That person cannot handle this complaint: choose staff or the hamlet's head."),
            "invalid_assignee",
            400,
        )


def _assigned(ctx: MoveContext) -> None:
    ctx.record.assignee_id = ctx.data["assignee_id"]


def _answered(ctx: MoveContext) -> None:
    add_entry(ctx, EntryKind.ANSWER, ctx.note or "")
    if ctx.record.first_answer_at is None:
        ctx.record.first_answer_at = utcnow()
        ctx.record.answered_on = ctx.data["today"]
    notices.tell_complainant(ctx.session, ctx.tenant, ctx.record, "answered", ctx.note or "")


def _reopened(ctx: MoveContext) -> None:
    add_entry(ctx, EntryKind.REPLY, ctx.note or "")


def _closed(ctx: MoveContext) -> None:
    ctx.record.closed_at = utcnow()
    if ctx.user is None or ctx.user.id != ctx.record.author_id:  # closed by staff: tell them
        notices.tell_complainant(ctx.session, ctx.tenant, ctx.record, "closed")


def _rejected(ctx: MoveContext) -> None:
    ctx.record.rejection_reason = ctx.note
    ctx.record.closed_at = utcnow()
    notices.tell_complainant(ctx.session, ctx.tenant, ctx.record, "rejected", ctx.note or "")


FLOW = Workflow(
    name="smart_society.complaint",
    states=STATES,
    actions=[
        Action(
            "verify",
            (Status.RECEIVED,),
            Status.VERIFIED,
            _l("Verify"),
            COMPLAINTS_HANDLE,
            effect=_verified,
            recorded_as="verified",
        ),
        Action(
            "assign",
            (Status.VERIFIED,),
            Status.ASSIGNED,
            _l("Assign"),
            COMPLAINTS_HANDLE,
            guard=_assignee_must_handle,
            effect=_assigned,
            recorded_as="assigned",
        ),
        Action(
            "start",
            (Status.ASSIGNED,),
            Status.IN_PROGRESS,
            _l("Start work"),
            COMPLAINTS_HANDLE,
            recorded_as="started",
        ),
        Action(
            "answer",
            (Status.VERIFIED, Status.ASSIGNED, Status.IN_PROGRESS),
            Status.ANSWERED,
            _l("Answer"),
            COMPLAINTS_HANDLE,
            needs_note=True,
            effect=_answered,
            recorded_as="answered",
        ),
        Action(
            "reopen",
            (Status.ANSWERED,),
            Status.IN_PROGRESS,
            _l("Not solved yet"),
            owner_allowed=True,
            needs_note=True,
            effect=_reopened,
            recorded_as="reopened",
        ),
        Action(
            "close",
            (Status.ANSWERED,),
            Status.CLOSED,
            _l("Close"),
            COMPLAINTS_HANDLE,
            owner_allowed=True,
            effect=_closed,
            recorded_as="closed",
        ),
        Action(
            "reject",
            (Status.RECEIVED, Status.VERIFIED),
            Status.REJECTED,
            _l("Reject"),
            COMPLAINTS_HANDLE,
            needs_note=True,
            effect=_rejected,
            recorded_as="rejected",
        ),
    ],
    final=frozenset({Status.CLOSED.value, Status.REJECTED.value}),
    path=("verify", "assign", "start", "answer", "close"),
    owner_attr="author_id",
    view_permission=COMPLAINTS_VIEW,
    step_model=ComplaintStep,
    coerce=Status,
    missing=lambda: _("No such complaint in this village."),
)

ACTIONS = tuple(a.name for a in FLOW.actions)

register_states("smart_society.complaint", STATES)
register_events(
    {
        "smart_society.complaint.submitted": _l("Complaint filed"),
        "smart_society.complaint.verified": _l("Complaint verified"),
        "smart_society.complaint.assigned": _l("Complaint assigned"),
        "smart_society.complaint.started": _l("Work on a complaint started"),
        "smart_society.complaint.answered": _l("Complaint answered"),
        "smart_society.complaint.reopened": _l("Complaint sent back as not solved"),
        "smart_society.complaint.closed": _l("Complaint closed"),
        "smart_society.complaint.rejected": _l("Complaint rejected"),
        "smart_society.complaint.replied": _l("Reply to a complaint"),
        "smart_society.complaint.extended": _l("Complaint deadline extended"),
        "smart_society.complaint.rated": _l("Complaint answer rated"),
    }
)
