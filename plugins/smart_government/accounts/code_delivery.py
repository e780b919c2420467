"""How a PIN reset code reaches the resident: the notifications outbox (SMS first, then WhatsApp),
a deployment's own delivery when one is registered, or the log when the platform has no gateway for
either channel at all. With a gateway configured the code is never logged: when the village switched
both channels off, the log says only that it was not sent.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from desacerdas.models import Tenant, User
from desacerdas.notifications import notify, providers_configured, sent_outside

from ..notice_kinds import PIN_CODE
from ..registry.models import Resident
from .models import ResidentAccount

CODE_MINUTES = 15  # how long a PIN reset code works (the ticket's age limit)
CHANNELS = ("sms", "whatsapp")
DELIVERY_EXTENSION = "smart_government_pin_delivery"


class PinCodeDelivery(Protocol):
    """How a PIN reset code reaches the resident (an SMS or WhatsApp gateway in production)."""

    def send(self, tenant: Tenant, resident: Resident, phone: str, code: str) -> None: ...


class LogPinCodeDelivery:
    """Embedded default: the code goes to the application log (no gateway needed)."""

    def send(self, tenant: Tenant, resident: Resident, phone: str, code: str) -> None:
        current_app.logger.warning(
            "PIN reset code for a resident of %s (phone ending %s): %s", tenant.slug, phone[-4:], code
        )


def delivery() -> PinCodeDelivery | None:
    """A deployment's own delivery (``app.extensions["smart_government_pin_delivery"]``), if any."""
    return current_app.extensions.get(DELIVERY_EXTENSION)


def send_code(
    tenant: Tenant,
    session: Session,
    found: tuple[ResidentAccount, Resident, User],
    phone: str,
    code: str,
    nonce: str,
) -> None:
    """The code to the phone on record: by SMS, else WhatsApp (``smart_government.pin_code``, a
    secret: no inbox copy, masked on staff pages), in the caller's transaction. Without any gateway
    configured (the embedded default) it goes to the log, as before notifications existed."""
    account, resident, user = found
    custom = delivery()
    if custom is not None:
        custom.send(tenant, resident, phone, code)
        return
    data = {"code": code, "minutes": CODE_MINUTES, "village_name": tenant.name}
    rows = notify(
        session,
        tenant,
        user,
        PIN_CODE,
        data,
        key=f"pin_code:{account.id}:{nonce}",
        channels=CHANNELS,
        address=phone,
    )
    if sent_outside(rows):
        return
    if not providers_configured(CHANNELS):
        LogPinCodeDelivery().send(tenant, resident, phone, code)
    else:  # a gateway exists but the village switched SMS and WhatsApp off: never log the code
        current_app.logger.warning(
            "PIN reset code for a resident of %s (phone ending %s) not sent: the village's channels are off",
            tenant.slug,
            phone[-4:],
        )
