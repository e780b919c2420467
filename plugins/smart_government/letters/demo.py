"""Demo letters: a few requests in every state of the workflow, made through the real services.

Going through :mod:`letters` and :mod:`issuing` (not raw rows) means the demo shows exactly what a
village will see: timelines, numbers from the sequence, stored PDFs that verify. The signer is the
village's head; a demo village without one gets a clearly named demo account with an unusable
password (nobody can sign in with it).
"""

from __future__ import annotations

import io
import secrets
from datetime import date, timedelta

import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desacerdas.auth.passwords import hash_secret
from desacerdas.kit import terms
from desacerdas.models import Membership, Role, Tenant, User
from desacerdas.services import audit
from desacerdas.services import users as user_svc
from desacerdas.services.documents import NewFile

from ..accounts import service as accounts
from ..registry.models import Resident, ResidentStatus
from ..registry.statistics import years_before
from . import requests as letters
from . import types as letter_types
from .issuing import issue
from .models import LetterRequest, LetterType, RequestStatus
from .workflow import FLOW

# The state each demo request is left in, in order; "issued" thrice so the list has several numbers.
STATES = (
    "issued",
    "issued",
    "issued",
    "signed",
    "approved",
    "verified",
    "submitted",
    "rejected",
    "cancelled",
)
PURPOSES = (
    "Persyaratan melamar pekerjaan",
    "Pengajuan beasiswa sekolah anak",
    "Persyaratan kredit usaha rakyat",
    "Pendaftaran BPJS Kesehatan",
    "Pengurusan administrasi bank",
)


def _village_head(tenant: Tenant, session: Session) -> User:
    head = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id, Membership.role == Role.VILLAGE_HEAD, User.active.is_(True))
        .order_by(User.id)
    )
    if head is not None:
        return head
    head = User(
        name=f"{terms.terms_for(tenant).head_title} (demo)",
        password_hash=hash_secret(secrets.token_urlsafe(32)),
    )
    session.add(head)
    session.flush()
    audit.record("user.created", tenant_id=tenant.id, target=f"user:{head.id}", session=session, demo=True)
    user_svc.grant(head, Role.VILLAGE_HEAD, tenant=tenant, session=session)
    session.flush()
    return head


def _photo(label: str) -> NewFile:
    """A small PNG standing in for a photographed document (a QR code saying what it stands for)."""
    buf = io.BytesIO()
    segno.make(f"CONTOH {label.upper()}", error="l").save(buf, kind="png", scale=4)
    buf.seek(0)
    return NewFile(buf, "contoh.png")


def _sample(field: dict, on: date) -> str:
    kind = field.get("kind") or "text"
    if kind == "date":
        return on.isoformat()
    if kind == "number":
        return "1"
    return "Contoh isian: " + str(field.get("label") or field["name"]).lower()


def _advance_to(session: Session, tenant: Tenant, req: LetterRequest, head: User, target: str) -> None:
    """Take ``req`` forward with the village's workflow until it reaches ``target``."""
    off = FLOW.disabled(session, tenant)
    order = ("submitted", "verified", "approved", "signed", "issued")
    while req.status.value != target:
        action = FLOW.next_action(req.status, off)
        if action is None or order.index(req.status.value) >= order.index(target):
            return  # the village skips this step (no approval, say): stop at the nearest state
        if action.name == "issue":
            issue(session, tenant, req, head)
        else:
            letters.transition(session, tenant, req, head, action.name)


def load_letters(tenant: Tenant, session: Session, *, on: date | None = None) -> int:
    """Create the demo requests unless the village has letter requests already; return how many."""
    if session.scalar(select(func.count(LetterRequest.id))):
        return 0
    on = on or date.today()
    letter_types.seed_defaults(tenant, session)
    session.flush()
    types = [t for t in letter_types.list_types(session, active_only=True) if t.online]
    adults = list(
        session.scalars(
            select(Resident)
            .where(
                Resident.status == ResidentStatus.LIVING,
                Resident.nik_temporary.is_(False),
                Resident.birth_date <= years_before(on, 18),
            )
            .order_by(Resident.nik)
            .limit(len(STATES))
        )
    )
    if not types or len(adults) < len(STATES):
        return 0
    head = _village_head(tenant, session)
    made = 0
    for i, (state, resident) in enumerate(zip(STATES, adults, strict=True)):
        letter_type: LetterType = types[i % len(types)]
        data = {f["name"]: _sample(f, on - timedelta(days=30)) for f in letter_type.fields or []}
        purpose = PURPOSES[i % len(PURPOSES)]
        if state in ("submitted", "cancelled"):  # asked online (a counter request starts verified)
            account, _pin = accounts.create_account(tenant, session, resident, head)
            session.flush()
            resident_user = session.get(User, account.user_id)
            uploads = {
                a["key"]: _photo(a["label"]) for a in letter_type.attachments or [] if a.get("required")
            }
            req = letters.submit_online(
                session, tenant, resident_user, letter_type.id, purpose=purpose, data=data, uploads=uploads
            )
            if state == "cancelled":  # only the resident who asked can withdraw it
                letters.transition(
                    session, tenant, req, resident_user, "cancel", note="Sudah tidak diperlukan"
                )
        else:
            req = letters.submit_counter(
                session, tenant, head, resident.id, letter_type.id, purpose=purpose, data=data
            )
            if state == "rejected":
                reason = "Data alamat pada KK belum diperbarui; mohon perbarui KK terlebih dahulu."
                letters.transition(session, tenant, req, head, "reject", reason=reason)
            elif state != RequestStatus.SUBMITTED.value:
                _advance_to(session, tenant, req, head, state)
        made += 1
    return made
