"""Residents' and staff's phone numbers and e-mail addresses: verified, with consent recorded.

A contact is used only once it is verified (a code sent to it and typed back) and opted in. Every
opt-in and opt-out is appended to ``contact_consents`` with the time, the channel and how it was
given (the Indonesian personal-data law asks for that record). Codes are stored as an HMAC keyed
with the app's secret (six digits would fall to a plain hash), expire after ``CODE_MINUTES`` and
allow ``CODE_TRIES`` wrong guesses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Tenant, User
from ..models.notification import (
    ConsentAction,
    ConsentHow,
    ContactConsent,
    Notification,
    NotificationChannel,
    PlatformNotification,
    UserContact,
)
from ..services import ServiceError
from ..services.i18n import _

CODE_MINUTES = 10
CODE_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 5  # codes one person may ask for, whatever the address or channel
CODES_PER_DAY = 10
CHANNELS = ("whatsapp", "sms", "email")
PHONE_CHANNELS = ("whatsapp", "sms")
STOP_WORDS = frozenset({"STOP", "BERHENTI", "UNSUBSCRIBE"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ContactError(ServiceError):
    """A contact change refused, with the reason in the request's language."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def normalize_phone(raw: str) -> str:
    """``0812-3456-7890`` / ``+62 812 3456 7890`` → ``6281234567890`` (digits, country code)."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    if not digits.isdigit() or not 9 <= len(digits) <= 15:
        raise ContactError(_("This is not a phone number."), "invalid_phone")
    return digits


def normalize(channel: str, address: str) -> str:
    if channel not in CHANNELS:
        raise ContactError(_("Unknown channel."), "unknown_channel")
    if channel in PHONE_CHANNELS:
        return normalize_phone(address)
    email = (address or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ContactError(_("This is not an e-mail address."), "invalid_email")
    return email


def _hash(contact_id: int, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{contact_id}:{code}".encode(), hashlib.sha256).hexdigest()


def contacts_of(session: Session, user: User) -> list[UserContact]:
    """The person's contacts, in channel order (WhatsApp, SMS, e-mail)."""
    rows = session.scalars(select(UserContact).where(UserContact.user_id == user.id)).all()
    return sorted(rows, key=lambda r: CHANNELS.index(r.channel.value))


def contact(session: Session, user: User, channel: str) -> UserContact | None:
    return session.scalar(
        select(UserContact).where(
            UserContact.user_id == user.id, UserContact.channel == NotificationChannel(channel)
        )
    )


def _required(session: Session, user: User, channel: str) -> UserContact:
    found = contact(session, user, channel) if channel in CHANNELS else None
    if found is None:
        raise ContactError(_("Add this contact first."), "no_contact")
    return found


def _consent(session: Session, row: UserContact, action: ConsentAction, how: str, at: datetime) -> None:
    session.add(
        ContactConsent(
            user_id=row.user_id,
            channel=row.channel,
            address=row.address,
            action=action,
            how=ConsentHow(how),
            at=at,
        )
    )


def add_contact(
    session: Session,
    user: User,
    channel: str,
    address: str,
    *,
    opt_in: bool = False,
    how: str = "web",
    commit: bool = True,
) -> UserContact:
    """Set the person's address for ``channel`` (one per channel). A new address must be verified
    again; ``opt_in`` records consent at once (the box ticked on the same form)."""
    address = normalize(channel, address)
    row = contact(session, user, channel)
    now = _now()
    if row is None:
        row = UserContact(user_id=user.id, channel=NotificationChannel(channel), address=address)
        session.add(row)
        session.flush()
    elif row.address != address:
        if row.opted_in:
            _consent(session, row, ConsentAction.OPT_OUT, how, now)  # consent was for the old address
        row.address, row.verified_at, row.opted_in_at, row.opt_in_how = address, None, None, None
        row.code_hash, row.code_expires_at, row.code_attempts, row.last_inbound_at = None, None, 0, None
    if opt_in and not row.opted_in:
        _opt_in(session, row, how, now)
    if commit:
        session.commit()
    return row


def remove_contact(
    session: Session, user: User, channel: str, *, how: str = "web", commit: bool = True
) -> None:
    """Forget the address (an opt-out is recorded first when consent was given)."""
    row = _required(session, user, channel)
    if row.opted_in:
        _consent(session, row, ConsentAction.OPT_OUT, how, _now())
    session.delete(row)
    if commit:
        session.commit()


def _codes_sent(session: Session, user: User, village: Tenant | None, since: datetime) -> list[datetime]:
    """When codes went to ``user`` since ``since``: in the village's outbox and the platform's
    (rows of ``contact.verify``, whatever the address: changing or removing a contact resets
    nothing), newest first."""
    found: list[datetime] = []
    models = (Notification, PlatformNotification) if village is not None else (PlatformNotification,)
    for model in models:
        query = select(model.created_at).where(
            model.recipient_user_id == user.id, model.kind == "contact.verify", model.created_at >= since
        )
        if model is Notification:
            query = query.where(model.tenant_id == village.id)
        found += [_aware(at) for at in session.scalars(query.order_by(model.created_at.desc()).limit(50))]
    return sorted(found, reverse=True)


def _check_code_limits(session: Session, user: User, village: Tenant | None, now: datetime) -> None:
    sent = _codes_sent(session, user, village, now - timedelta(days=1))
    if sent and sent[0] + RESEND_AFTER > now:
        raise ContactError(
            _("A code was sent less than a minute ago. Please wait."), "code_too_soon", status=429
        )
    if len(sent) >= CODES_PER_DAY or sum(1 for at in sent if at > now - timedelta(hours=1)) >= CODES_PER_HOUR:
        raise ContactError(
            _("Too many codes were asked for. Please try again later."), "too_many_codes", status=429
        )


def send_code(
    session: Session, user: User, channel: str, *, village: Tenant | None = None, commit: bool = True
) -> UserContact:
    """Send a fresh six-digit code to the contact over its own channel (kind ``contact.verify``).

    ``session`` serves ``village`` (the outbox the message and its cost go to; None: the
    platform's). Refused, in words, when a code went to the person less than a minute ago or
    they had ``CODES_PER_HOUR`` / ``CODES_PER_DAY`` already (any address, any channel), or the
    channel cannot send now. A code is secret, so the village's daily cap neither counts nor
    stops it: these limits are what keeps the bill down.
    """
    from .service import notify

    row = _required(session, user, channel)
    now = _now()
    sent = _aware(row.code_expires_at)
    if sent is not None and sent - timedelta(minutes=CODE_MINUTES) + RESEND_AFTER > now:
        raise ContactError(
            _("A code was sent less than a minute ago. Please wait."), "code_too_soon", status=429
        )
    _check_code_limits(session, user, village, now)
    code = f"{secrets.randbelow(10**6):06d}"
    rows = notify(
        session,
        village,
        user,
        "contact.verify",
        {"code": code, "minutes": CODE_MINUTES},
        key=f"contact.verify:{row.id}:{secrets.token_hex(8)}",
        channels=(channel,),
        address=row.address,
    )
    external = [r for r in rows if r.channel != NotificationChannel.INBOX]
    if not external:
        session.rollback()
        raise ContactError(
            _("Codes cannot be sent this way now. Try another channel."), "channel_unavailable"
        )
    row.code_hash = _hash(row.id, code)
    row.code_expires_at = now + timedelta(minutes=CODE_MINUTES)
    row.code_attempts = 0
    if commit:
        session.commit()
    return row


def verify_code(session: Session, user: User, channel: str, code: str, *, commit: bool = True) -> UserContact:
    """Check the code typed back; the contact is verified when it matches in time."""
    row = _required(session, user, channel)
    expires = _aware(row.code_expires_at)
    if row.code_hash is None or expires is None or expires < _now():
        raise ContactError(_("The code has expired. Ask for a new one."), "code_expired")
    if row.code_attempts >= CODE_TRIES:
        raise ContactError(_("Too many wrong codes. Ask for a new one."), "code_locked", status=429)
    if not hmac.compare_digest(row.code_hash, _hash(row.id, (code or "").strip())):
        row.code_attempts += 1
        if commit:
            session.commit()
        raise ContactError(_("The code is not right."), "code_wrong")
    row.verified_at = _now()
    row.code_hash, row.code_expires_at, row.code_attempts = None, None, 0
    if commit:
        session.commit()
    return row


def _opt_in(session: Session, row: UserContact, how: str, now: datetime) -> None:
    row.opted_in_at, row.opt_in_how, row.opted_out_at = now, ConsentHow(how), None
    _consent(session, row, ConsentAction.OPT_IN, how, now)


def opt_in(
    session: Session, user: User, channel: str, *, how: str = "web", commit: bool = True
) -> UserContact:
    """Record the person's consent to messages on ``channel`` (``how``: web, api, staff ...)."""
    row = _required(session, user, channel)
    if not row.opted_in:
        _opt_in(session, row, how, _now())
    if commit:
        session.commit()
    return row


def opt_out(
    session: Session, user: User, channel: str, *, how: str = "web", commit: bool = True
) -> UserContact:
    """Record that the person wants no more messages on ``channel``; the contact stays listed."""
    row = _required(session, user, channel)
    if row.opted_in:
        row.opted_out_at = _now()
        _consent(session, row, ConsentAction.OPT_OUT, how, row.opted_out_at)
    if commit:
        session.commit()
    return row


def set_preferred(session: Session, user: User, channel: str | None, *, commit: bool = True) -> None:
    """Messages go over ``channel`` first when a kind allows it (None: the kind's own order)."""
    rows = contacts_of(session, user)
    if channel is not None and channel not in {r.channel.value for r in rows}:
        raise ContactError(_("Add this contact first."), "no_contact")
    for row in rows:
        row.preferred = row.channel.value == channel
    if commit:
        session.commit()


def record_inbound(phone: str, at: datetime, text: str | None = None) -> int:
    """A WhatsApp message from ``phone``: opens the 24-hour window for free text, and STOP or
    BERHENTI records an opt-out (how: whatsapp_reply). Returns how many contacts it touched."""
    try:
        address = normalize_phone(phone)
    except ContactError:
        return 0
    with Session(db.engine) as session:
        rows = session.scalars(
            select(UserContact).where(
                UserContact.channel == NotificationChannel.WHATSAPP, UserContact.address == address
            )
        ).all()
        stop = (text or "").strip().upper() in STOP_WORDS
        now = _now()
        for row in rows:
            row.last_inbound_at = at
            if stop and row.opted_in:
                # Meta's clock is not ours: a STOP always wins over an opt-in stamped just before it
                row.opted_out_at = max(at, now, _aware(row.opted_in_at))
                _consent(session, row, ConsentAction.OPT_OUT, "whatsapp_reply", row.opted_out_at)
        session.commit()
        return len(rows)


def consents_of(session: Session, user: User) -> list[ContactConsent]:
    """The person's consent history, newest first (shown on their contacts page)."""
    return list(
        session.scalars(
            select(ContactConsent).where(ContactConsent.user_id == user.id).order_by(ContactConsent.at.desc())
        )
    )
