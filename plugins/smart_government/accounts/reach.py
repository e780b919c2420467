"""How an applicant hears back: what the status page promises must be what review does.

The decision on a registration reaches the applicant over the first of WhatsApp and SMS that the
village has switched on and the platform has a provider for, at the phone number they gave
(:func:`phone_channel`; :mod:`.review` sends on it). Neither available: nothing is sent, and the
page says to come back with the reference. The PIN itself is never sent: it is handed over in
person by the village office or the applicant's hamlet head, who sees it once when approving
(a PIN in a message would open the account to whoever reads the phone first).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.kit import terms as village_terms
from desacerdas.models import Hamlet, Tenant
from desacerdas.notifications import channels as channel_registry
from desacerdas.notifications import village_settings

PHONE_CHANNELS = ("whatsapp", "sms")


def phone_channel(tenant: Tenant) -> str | None:
    """The channel news of a registration goes over (``whatsapp``/``sms``), or None when the
    village has neither on or the platform has no provider for either."""
    settings = village_settings(tenant)
    for name in PHONE_CHANNELS:
        if settings.enabled(name) and channel_registry.configured(name):
            return name
    return None


@dataclass(frozen=True)
class Reach:
    """What the status page tells the applicant about hearing back and getting their PIN."""

    channel: str | None  # whatsapp, sms or None (nothing is sent: follow the page)
    phone_end: str | None  # the last digits of the number they gave, to recognise it
    hamlet_head: str  # who hands the PIN over besides the office: "Kelian Banjar Dinas Kaja"


def _hamlet_head(session: Session, tenant: Tenant, hamlet_id: uuid.UUID | None) -> str:
    words = village_terms.terms_for(tenant)
    hamlet = session.scalar(select(Hamlet.name).where(Hamlet.id == hamlet_id)) if hamlet_id else None
    return words.hamlet_head_title(hamlet) if hamlet else words.hamlet_head


def reach_for(session: Session, tenant: Tenant, phone: str | None, hamlet_id: uuid.UUID | None) -> Reach:
    """How this applicant hears back (see the module's docstring)."""
    channel = phone_channel(tenant) if phone else None
    return Reach(
        channel=channel,
        phone_end=phone[-3:] if phone else None,
        hamlet_head=_hamlet_head(session, tenant, hamlet_id),
    )
