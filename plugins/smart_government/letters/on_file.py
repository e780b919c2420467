"""A resident's own KTP and KK photos already on file, offered again for the next letter.

Most letters ask for the same two documents, so a resident who attached their KTP or KK to an
earlier request is offered that photo again ("use the one on file", the default) instead of
photographing it for every letter. What counts as on file, and why:

* only the attachment keys ``ktp`` and ``kk``: the resident's *own* identity papers. A key that
  merely contains "ktp" (``ktp_almarhum``, the deceased's KTP on a death letter) is someone
  else's paper and is always asked for;
* only documents the resident attached to their own letter requests in this village (the ORM
  and, on PostgreSQL, Row-Level Security keep every other village's rows out), not deleted, of
  the identity kind, and readable by them (``documents.readable_by``: the owner-visible copy they
  can download from their request). The photos of their account registration are not reused:
  they were given to check who the applicant is, are visible to staff only, and are deleted when
  a request is turned down (purpose limitation, UU 27/2022 — ``services/personal_data``);
* the newest such photo per key. Which document is reused is decided here, on the server, from
  the signed-in resident's own requests: the form only says "keep" or sends a new file, so no
  document id from the browser is ever trusted (the service checks the attached id again).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desacerdas.models import Document, Tenant, User
from desacerdas.services import documents as docs

from ..registry.models import Resident
from .models import LetterRequest, LetterType

REUSABLE_KEYS = ("ktp", "kk")
LOOK_BACK = 20  # the resident's latest requests looked at


@dataclass(frozen=True)
class OnFile:
    """A photo on file for one attachment key: the document and when it was sent."""

    key: str
    document_id: uuid.UUID
    sent_at: datetime


def on_file(
    session: Session, tenant: Tenant, user: User, resident: Resident, letter_type: LetterType
) -> dict[str, OnFile]:
    """The resident's photos on file for this type's reusable attachments, by key (see above)."""
    wanted = [a["key"] for a in letter_type.attachments or [] if a.get("key") in REUSABLE_KEYS]
    if not wanted:
        return {}
    requests = session.scalars(
        select(LetterRequest)
        .where(LetterRequest.resident_id == resident.id)
        .order_by(LetterRequest.submitted_at.desc(), LetterRequest.id)
        .limit(LOOK_BACK)
    )
    candidates: dict[str, list[tuple[uuid.UUID, datetime]]] = {}
    for req in requests:
        for key in wanted:
            raw = (req.attachments or {}).get(key)
            try:
                document_id = uuid.UUID(str(raw)) if raw else None
            except ValueError:
                document_id = None
            if document_id is not None:
                candidates.setdefault(key, []).append((document_id, req.submitted_at))
    ids = {d for found in candidates.values() for d, _at in found}
    documents = {
        d.id: d
        for d in session.scalars(select(Document).where(Document.id.in_(ids), Document.deleted_at.is_(None)))
    }
    out: dict[str, OnFile] = {}
    for key, found in candidates.items():
        for document_id, sent_at in found:
            document = documents.get(document_id)
            if (
                document is not None
                and document.kind == "identity"
                and docs.readable_by(user, tenant, document)
            ):
                out[key] = OnFile(key, document_id, sent_at)
                break
    return out


def chosen(offered: dict[str, OnFile], choices: dict[str, str], uploaded: set[str]) -> dict[str, str]:
    """The attachments to link from file: a key offered, no new file sent for it, and "keep"
    chosen (the default when nothing was chosen, as the form preselects it)."""
    return {
        key: str(item.document_id)
        for key, item in offered.items()
        if key not in uploaded and choices.get(key, "keep") == "keep"
    }
