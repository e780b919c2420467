"""Complaints without an account, where the village allows it (setting ``complaints_anonymous``).

No name or phone is asked. The complaint gets its number and a code that is shown once and kept
only as an argon2 hash; with both, anyone follows its state and the village's answers (never the
staff's notes), and nothing else. A wrong number and a wrong code give the same answer, and the
pages are rate limited per address, so neither can be walked.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.auth.passwords import hash_secret, verify_secret
from desacerdas.models import Tenant
from desacerdas.services import NotFound, ServiceError
from desacerdas.services.i18n import _

from ..settings import anonymous_allowed
from . import notices
from .models import Category, Channel, Complaint, ComplaintEntry, EntryKind
from .service import _clean_text, _invalid, new_complaint
from .workflow import FLOW

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, written by hand
CODE_LENGTH = 8


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def _normal(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}"


def file_anonymous(
    session: Session,
    tenant: Tenant,
    *,
    category: str,
    title: str,
    body: str,
    hamlet_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[Complaint, str]:
    """File a complaint without an account; returns it and its follow-up code (shown once)."""
    if not anonymous_allowed(tenant):
        raise ServiceError(
            _("This village takes complaints from signed-in residents only."), "forbidden", 403
        )
    try:
        chosen = Category(category)
    except ValueError:
        raise _invalid(_("Choose a category from the list."), "invalid_category") from None
    title, body = _clean_text(title, body)
    code = new_code()
    complaint = new_complaint(
        session,
        tenant,
        category=chosen,
        title=title,
        body=body,
        channel=Channel.ANONYMOUS,
        hamlet_id=hamlet_id,
        tracking_hash=hash_secret(code),
        now=now,
    )
    FLOW.begin(session, tenant, None, complaint, audit_detail={"channel": Channel.ANONYMOUS.value})
    notices.tell_handlers(session, tenant, complaint, None)
    return complaint, code


def track(session: Session, number: str, code: str) -> Complaint:
    """The anonymous complaint with this number, if the code is its own."""
    complaint = session.scalar(
        select(Complaint).where(
            Complaint.number == (number or "").strip().upper(), Complaint.tracking_hash.is_not(None)
        )
    )
    if complaint is None or not verify_secret(complaint.tracking_hash, _normal(code)):
        raise NotFound(_("No complaint has this number and code."))
    return complaint


def answers(session: Session, complaint: Complaint) -> list[ComplaintEntry]:
    """What the village said to the complainant (no staff notes), oldest first."""
    return list(
        session.scalars(
            select(ComplaintEntry)
            .where(
                ComplaintEntry.complaint_id == complaint.id,
                ComplaintEntry.kind.in_((EntryKind.ANSWER, EntryKind.EXTENSION)),
            )
            .order_by(ComplaintEntry.at, ComplaintEntry.id)
        )
    )
