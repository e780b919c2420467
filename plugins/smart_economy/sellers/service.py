"""Sellers: a resident applies (their registry record by NIK through their verified account), staff
register BUMDes units, approve, refuse and suspend; the lists; the WhatsApp link.

Every change of what the public may see (an approval, a suspension) is passed on to the platform's
market listing (:mod:`..catalogue.listing`), in the same transaction.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from desacerdas.kit.access import scope_for
from desacerdas.kit.lists import Filter, ListSpec, Sort, choice
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import NotFound, ServiceError
from desacerdas.services.i18n import _
from desacerdas.services.users import PHONE, normalize_phone

from ..permissions import SELL, SELLERS_MANAGE, SELLERS_VIEW
from .models import Category, Seller, SellerKind, SellerStatus
from .workflow import FLOW

NAME_MIN, NAME_MAX, TEXT_MAX = 3, 120, 2000
NIB = re.compile(r"^\d{13}$")
NPWP = re.compile(r"^\d{15,16}$")


def _invalid(message: str, code: str = "invalid_seller") -> ServiceError:
    return ServiceError(message, code, 400)


def _clean(
    session: Session,
    tenant: Tenant,
    *,
    business_name: str,
    category: str,
    phone: str,
    hamlet_id: uuid.UUID | None,
    pickup_address: str | None,
    description: str | None,
    nib: str | None,
    npwp: str | None,
) -> dict:
    name = " ".join((business_name or "").split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise _invalid(_("A business name has %(min)d to %(max)d characters.", min=NAME_MIN, max=NAME_MAX))
    try:
        chosen = Category(category)
    except ValueError:
        raise _invalid(_("Choose what the business sells from the list."), "invalid_category") from None
    number = normalize_phone(phone)
    if not number or not PHONE.match(number):
        raise _invalid(
            _("Give a WhatsApp number buyers can reach, for example 0812 3456 7890."), "invalid_phone"
        )
    nib = re.sub(r"\D", "", nib or "") or None
    npwp = re.sub(r"\D", "", npwp or "") or None
    if nib is not None and not NIB.match(nib):
        raise _invalid(_("An NIB has 13 digits."), "invalid_nib")
    if npwp is not None and not NPWP.match(npwp):
        raise _invalid(_("An NPWP has 15 or 16 digits."), "invalid_npwp")
    if hamlet_id is not None and session.get(Hamlet, (tenant.id, hamlet_id)) is None:
        raise _invalid(_("That hamlet is not in this village."), "invalid_hamlet")
    return {
        "business_name": name,
        "category": chosen,
        "phone": number,
        "hamlet_id": hamlet_id,
        "pickup_address": " ".join((pickup_address or "").split())[:300] or None,
        "description": (description or "").strip()[:TEXT_MAX] or None,
        "nib": nib,
        "npwp": npwp,
    }


def apply(session: Session, tenant: Tenant, user: User, **fields: object) -> Seller:
    """A resident with a verified account applies to sell; staff decide. One open or approved
    application per resident."""
    from smart_government.accounts.service import account_of
    from smart_government.registry.models import Resident

    scope = scope_for(user, tenant, SELL)
    if scope.own_user_id is None:
        raise ServiceError(_("Residents apply to sell; staff register BUMDes units."), "forbidden", 403)
    account = account_of(user, session)
    if account is None:
        raise ServiceError(
            _("Only a resident with a verified account sells on the market: ask the village office."),
            "not_verified",
            403,
        )
    taken = session.scalar(
        select(Seller.id).where(Seller.owner_user_id == user.id, Seller.status != SellerStatus.REFUSED)
    )
    if taken is not None:
        raise ServiceError(_("You already have a shop on the village market."), "already_seller", 409)
    resident = session.get(Resident, (tenant.id, account.resident_id))
    values = _clean(session, tenant, **fields)
    values["hamlet_id"] = values["hamlet_id"] or resident.hamlet_id
    seller = Seller(
        kind=SellerKind.UMKM,
        status=SellerStatus.APPLIED,
        owner_resident_id=resident.id,
        owner_user_id=user.id,
        owner_name=resident.name,
        **values,
    )
    session.add(seller)
    session.flush()
    FLOW.begin(session, tenant, user, seller, "applied")
    return seller


def register_bumdes_unit(session: Session, tenant: Tenant, user: User, **fields: object) -> Seller:
    """Staff register a unit of the village's BUMDes as a seller (approved at once; staff keep it)."""
    scope = scope_for(user, tenant, SELLERS_MANAGE)
    if not scope.village_wide:
        raise ServiceError(_("Village staff register BUMDes units."), "forbidden", 403)
    values = _clean(session, tenant, **fields)
    seller = Seller(
        kind=SellerKind.BUMDES,
        status=SellerStatus.APPROVED,
        owner_user_id=None,
        owner_name=_("BUMDes %(village)s", village=tenant.name),
        **values,
    )
    session.add(seller)
    session.flush()
    FLOW.begin(session, tenant, user, seller, "registered")
    return seller


def update(session: Session, tenant: Tenant, user: User, seller: Seller, **fields: object) -> Seller:
    """The shop's own details change (not its state): its keeper or staff."""
    if not may_keep(user, tenant, seller):
        raise ServiceError(_("Only the shop's keeper or the village staff change it."), "forbidden", 403)
    values = _clean(session, tenant, **fields)
    values["hamlet_id"] = values["hamlet_id"] or seller.hamlet_id  # no hamlet given: it stays
    for key, value in values.items():
        setattr(seller, key, value)
    session.flush()
    from ..catalogue import listing

    listing.refresh_seller(session, tenant, seller)
    return seller


def may_keep(user: User | None, tenant: Tenant, seller: Seller) -> bool:
    """The seller's own account, or staff (BUMDes units have no own account)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if seller.owner_user_id is not None and seller.owner_user_id == user.id:
        return True
    try:
        return scope_for(user, tenant, SELLERS_MANAGE).village_wide
    except ServiceError:
        return False


def move(
    session: Session, tenant: Tenant, user: User, seller: Seller, action: str, note: str | None = None
) -> Seller:
    """Approve, refuse, suspend or reinstate; the market listing follows in the same transaction."""
    from ..catalogue import listing

    FLOW.move(session, tenant, user, seller, action, note=note)
    listing.refresh_seller(session, tenant, seller)
    return seller


def get(session: Session, tenant: Tenant, user: User, seller_id: uuid.UUID) -> Seller:
    seller = session.get(Seller, (tenant.id, seller_id))
    if seller is None or not FLOW.visible(session, tenant, user, seller):
        raise FLOW.not_found()
    return seller


def public(session: Session, seller_id: uuid.UUID) -> Seller:
    """An approved seller, for the public market; anything else is not found."""
    seller = session.scalar(
        select(Seller).where(Seller.id == seller_id, Seller.status == SellerStatus.APPROVED)
    )
    if seller is None:
        raise NotFound(_("No such seller on this market."))
    return seller


STATUS_CHOICES = ("all", *(s.value for s in SellerStatus))

SELLERS = ListSpec(
    filters={
        "status": Filter(
            lambda stmt, v: stmt if v == "all" else stmt.where(Seller.status == SellerStatus(v)),
            parse=choice(STATUS_CHOICES),
        ),
        "kind": Filter.equals(Seller.kind, parse=choice(SellerKind)),
        "q": Filter.contains(Seller.business_name),
    },
    sorts={
        "newest": Sort(Seller.created_at, Seller.id, desc=True),
        "name": Sort(Seller.business_name, Seller.id),
    },
    default_sort="newest",
)


def listing(session: Session, tenant: Tenant, user: User) -> Select:
    """The sellers staff see (a hamlet head: their hamlet's)."""
    scope = scope_for(user, tenant, SELLERS_VIEW)
    return scope.filter(select(Seller), hamlet_column=Seller.hamlet_id)


def mine(session: Session, user: User) -> Seller | None:
    """The resident's own shop (an open application or an approved / suspended shop)."""
    return session.scalar(
        select(Seller)
        .where(Seller.owner_user_id == user.id)
        .order_by(Seller.status == SellerStatus.REFUSED, Seller.created_at.desc())
        .limit(1)
    )


def whatsapp_link(seller: Seller, text: str) -> str:
    """``https://wa.me/62…?text=…``: the number without ``+`` or a leading 0, as WhatsApp wants it
    on every phone (OpenSID #10453: a ``0812…`` link fails in the app)."""
    digits = re.sub(r"\D", "", seller.phone)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}?text={quote(text)}"
