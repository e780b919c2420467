"""What smart government holds about one resident, for their own data download (``desa_personal_data``).

Found through the user's resident account (``ResidentAccount.user_id``): the registry record, the
family card (KK number, address, and the members' names and relationship as printed on the card;
not their NIKs or birth dates), the letter requests with their steps, the issued letters with their
PDFs, and the registrations for that NIK. Nothing for a user without a resident account here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Tenant, User
from desacerdas.services import documents

from .accounts.models import Registration, ResidentAccount
from .letters.models import Letter, LetterRequest
from .registry.models import Family, Resident

RESIDENT_FIELDS = (
    "nik", "nik_temporary", "name", "birth_place", "birth_date", "sex", "religion", "marital_status",
    "relationship_to_head", "education", "occupation", "citizenship", "blood_type", "address", "phone",
    "father_name", "father_nik", "mother_name", "mother_nik", "status", "created_at", "updated_at",
)  # fmt: skip
REQUEST_FIELDS = ("purpose", "status", "channel", "data", "submitted_at", "rejection_reason", "closed_at")
LETTER_FIELDS = (
    "number",
    "type_code",
    "type_title",
    "issued_at",
    "valid_until",
    "revoked_at",
    "revoked_reason",
    "sha256",
)
REGISTRATION_FIELDS = (
    "kind",
    "status",
    "nik",
    "kk_number",
    "name",
    "birth_date",
    "phone",
    "submitted_at",
    "decided_at",
    "reason",
)


def _plain(value: Any) -> Any:  # noqa: ANN401 - any column value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def _fields(obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _letter_pdf(session: Session, letter: Letter) -> bytes | None:
    """The issued PDF's bytes, or None when the document is gone (purged on its schedule)."""
    try:
        version = documents.version(documents.get(letter.document_id, session, include_deleted=True))
        return b"".join(documents.open_version(version))
    except Exception:  # noqa: BLE001 - a missing file must not cost the resident the rest of the download
        return None


def sections(tenant: Tenant, user: User, session: Session) -> list[dict]:
    """The resident's own sections in ``tenant`` (empty when the user has no resident account)."""
    account = session.scalar(select(ResidentAccount).where(ResidentAccount.user_id == user.id))
    if account is None:
        return []
    resident = session.scalar(select(Resident).where(Resident.id == account.resident_id))
    if resident is None:
        return []
    out: list[dict] = [
        {
            "title": "resident_account",
            "records": [_fields(account, ("must_change_pin", "pin_changed_at", "last_sign_in_at", "active"))],
        },
        {"title": "registry_record", "records": [_fields(resident, RESIDENT_FIELDS)]},
    ]
    if resident.family_id is not None:
        family = session.scalar(select(Family).where(Family.id == resident.family_id))
        if family is not None:
            members = session.scalars(
                select(Resident).where(Resident.family_id == family.id).order_by(Resident.name)
            ).all()
            out.append(
                {
                    "title": "family",
                    "records": [
                        {
                            "kk_number": family.kk_number,
                            "address": family.address,
                            "members": [
                                {"name": m.name, "relationship_to_head": m.relationship_to_head}
                                for m in members
                            ],
                        }
                    ],
                }
            )
    requests = session.scalars(
        select(LetterRequest)
        .where(LetterRequest.resident_id == resident.id)
        .order_by(LetterRequest.submitted_at)
    ).all()
    out.append(
        {
            "title": "letter_requests",
            "records": [
                {
                    **_fields(r, REQUEST_FIELDS),
                    "steps": [_fields(s, ("at", "action", "status", "note")) for s in r.steps],
                }
                for r in requests
            ],
        }
    )
    letters = (
        session.scalars(
            select(Letter).where(Letter.request_id.in_([r.id for r in requests])).order_by(Letter.issued_at)
        ).all()
        if requests
        else []
    )
    files = []
    letter_records = []
    for letter in letters:
        record = _fields(letter, LETTER_FIELDS)
        pdf = _letter_pdf(session, letter)
        if pdf is not None:
            name = f"letters/{letter.year}-{letter.seq:05d}-{letter.type_code}.pdf"
            record["file"] = f"files/{name}"
            files.append({"name": name, "content": pdf})
        letter_records.append(record)
    out.append({"title": "letters", "records": letter_records, "files": files})
    registrations = session.scalars(
        select(Registration)
        .where(Registration.resident_id == resident.id)  # not another person's by NIK
        .order_by(Registration.submitted_at)
    ).all()
    out.append(
        {"title": "registrations", "records": [_fields(r, REGISTRATION_FIELDS) for r in registrations]}
    )
    return out
