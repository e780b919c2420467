"""A seller's workflow on the kit: ``applied → approved`` or ``refused`` (with the reason), and
``approved ⇄ suspended`` (with the reason). Staff take every move; the timeline keeps them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from desacerdas.kit.workflow import Action, MoveContext, Workflow
from desacerdas.services.i18n import _
from desacerdas.web.labels import register_events, register_states

from ..permissions import SELLERS_MANAGE, SELLERS_VIEW
from .models import SellerStatus, SellerStep

STATES = {
    SellerStatus.APPLIED.value: _l("Applied"),
    SellerStatus.APPROVED.value: _l("Approved"),
    SellerStatus.REFUSED.value: _l("Refused"),
    SellerStatus.SUSPENDED.value: _l("Suspended"),
}


def _refused(ctx: MoveContext) -> None:
    ctx.record.refusal_reason = ctx.note


def _suspended(ctx: MoveContext) -> None:
    ctx.record.suspension_reason = ctx.note


def _reinstated(ctx: MoveContext) -> None:
    ctx.record.suspension_reason = None


FLOW = Workflow(
    name="smart_economy.seller",
    states=STATES,
    actions=[
        Action(
            "approve",
            (SellerStatus.APPLIED,),
            SellerStatus.APPROVED,
            _l("Approve"),
            SELLERS_MANAGE,
            recorded_as="approved",
        ),
        Action(
            "refuse",
            (SellerStatus.APPLIED,),
            SellerStatus.REFUSED,
            _l("Refuse"),
            SELLERS_MANAGE,
            needs_note=True,
            effect=_refused,
            recorded_as="refused",
        ),
        Action(
            "suspend",
            (SellerStatus.APPROVED,),
            SellerStatus.SUSPENDED,
            _l("Suspend"),
            SELLERS_MANAGE,
            needs_note=True,
            effect=_suspended,
            recorded_as="suspended",
        ),
        Action(
            "reinstate",
            (SellerStatus.SUSPENDED,),
            SellerStatus.APPROVED,
            _l("Reinstate"),
            SELLERS_MANAGE,
            effect=_reinstated,
            recorded_as="reinstated",
        ),
    ],  # fmt: skip
    final=frozenset({SellerStatus.REFUSED.value}),
    path=("approve",),
    owner_attr="owner_user_id",
    view_permission=SELLERS_VIEW,
    step_model=SellerStep,
    coerce=SellerStatus,
    missing=lambda: _("No such seller in this village."),
)

register_states("smart_economy.seller", STATES)
register_events(
    {
        "smart_economy.seller.applied": _l("Applied to sell on the village market"),
        "smart_economy.seller.registered": _l("BUMDes unit registered as a seller"),
        "smart_economy.seller.approved": _l("Seller approved"),
        "smart_economy.seller.refused": _l("Seller refused"),
        "smart_economy.seller.suspended": _l("Seller suspended"),
        "smart_economy.seller.reinstated": _l("Seller reinstated"),
        "smart_economy.product.saved": _l("Product saved"),
        "smart_economy.product.photo_added": _l("Product photo added"),
    }
)
