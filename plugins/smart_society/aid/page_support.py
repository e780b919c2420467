"""What every social-aid page shares: the template folder, words for stored values and numbers
(the templates' helpers), and looking up a programme, a candidate and a period of the caller's
village (404 otherwise)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import abort
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from desacerdas.extensions import db
from desacerdas.models import Hamlet, Tenant, User
from desacerdas.services import NotFound, ServiceError
from desacerdas.services import documents as docs
from desacerdas.services.personal_data import mask_nik, needs_masking
from desacerdas.web.formatting import rupiah

from . import distribution, importing, service
from .labels import (
    BENEFIT_LABELS,
    CONFLICT_LABELS,
    END_LABELS,
    PROOF_LABELS,
    SCHEDULE_LABELS,
    UNIT_LABELS,
    source_label,
)
from .models import (
    AidProgramme,
    AidRecipient,
    Benefit,
    ConflictKind,
    EndReason,
    Proof,
    RecipientStatus,
    Schedule,
    Unit,
)
from .workflow import FLOW

T = "smart_society/aid/"
FORMATS = ("csv", "xlsx")
SEARCH_LIMIT = 20  # residents shown for one search on the proposal page

OUTCOME_LABELS = {
    importing.Outcome.IMPORTED: _l("Can be imported"),
    importing.Outcome.UNMATCHED: _l("Not in the registry"),
    importing.Outcome.ALREADY: _l("Already in the programme"),
    importing.Outcome.CONFLICT: _l("In conflict with other aid"),
    importing.Outcome.INVALID: _l("Not a valid row"),
}
HELD_LABELS = {
    "conflict": _l("receives aid that conflicts with this programme"),
    "quota_reached": _l("the programme's quota is reached"),
}


# -- words and numbers -----------------------------------------------------------------------------


def locale() -> str:
    return "id" if str(get_locale() or "id").startswith("id") else "en"


def period_words(key: str) -> str:
    return distribution.period_label(key, locale())


def period_span(start: date, end: date) -> str:
    return f"{format_date(start, 'medium')} – {format_date(end, 'medium')}"


def capital(text: object) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def conflict_words(conflict: Any) -> str:
    """A conflict (a stored one or one just found) in words. Another village's conflict says the
    source and the period only: nothing else of that village is ever shown."""
    kind = ConflictKind(conflict.kind)
    what = capital(CONFLICT_LABELS[kind])
    source = source_label(conflict.source)
    when = period_span(conflict.period_start, conflict.period_end)
    if kind != ConflictKind.OTHER_VILLAGE and conflict.other_programme:
        return _(
            "%(what)s: %(programme)s · %(source)s, %(period)s",
            what=what,
            programme=conflict.other_programme,
            source=source,
            period=when,
        )
    return _("%(what)s: %(source)s, %(period)s", what=what, source=source, period=when)


def benefit_words(programme: AidProgramme) -> str:
    """``Rp 300.000`` or the goods, and how often: ``Rp 300.000 · monthly``."""
    given = rupiah(programme.amount) if programme.benefit == Benefit.CASH else (programme.goods or "")
    return f"{given} · {SCHEDULE_LABELS[Schedule(programme.schedule)]}"


def step_note(step: Any) -> str | None:
    """A step's note; the end of aid without a note of its own stored its reason's code."""
    note = step.note
    if note in {r.value for r in EndReason}:
        return str(END_LABELS[EndReason(note)])
    return note


def template_helpers() -> dict[str, Any]:
    return {
        "aid_state": FLOW.state_label,
        "aid_action": FLOW.action_label,
        "rupiah": rupiah,
        "capital": capital,
        "period_words": period_words,
        "conflict_words": conflict_words,
        "benefit_words": benefit_words,
        "step_note": step_note,
        "aid_source": source_label,
        "aid_benefit": lambda b: str(BENEFIT_LABELS[Benefit(b)]),
        "aid_schedule": lambda s: str(SCHEDULE_LABELS[Schedule(s)]),
        "aid_unit": lambda u: str(UNIT_LABELS[Unit(u)]),
        "aid_end": lambda r: str(END_LABELS[EndReason(r)]),
        "aid_proof": lambda p: str(PROOF_LABELS[Proof(p)]),
        "outcome_label": lambda o: str(OUTCOME_LABELS[importing.Outcome(o)]),
    }


# -- helpers ---------------------------------------------------------------------------------------


def hamlets() -> dict[uuid.UUID, str]:
    return {h.id: h.name for h in db.session.scalars(select(Hamlet).order_by(Hamlet.name))}


def names_of(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def signed_in_user() -> User:
    return current_user._get_current_object()


def programme_of(tenant: Tenant, programme_id: uuid.UUID) -> AidProgramme:
    try:
        return service.get_programme(db.session, tenant, signed_in_user(), programme_id)
    except NotFound:
        abort(404)


def candidate_of(tenant: Tenant, candidate_id: uuid.UUID) -> AidRecipient:
    try:
        return service.get_candidate(db.session, tenant, signed_in_user(), candidate_id)
    except NotFound:
        abort(404)


def shown_nik(tenant: Tenant) -> Any:
    """How NIK and KK numbers print for this reader: whole, or masked for a facilitator."""
    if needs_masking(signed_in_user(), tenant):
        return lambda value: mask_nik(value) or "—"
    return lambda value: value or "—"


def counts(scope: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Candidates by state per programme, as the reader sees them (a hamlet head: their hamlet's)."""
    if scope.hamlet_id is None:
        return service.counts_by_programme(db.session, ids)
    out: dict[uuid.UUID, dict[str, int]] = {i: {} for i in ids}
    if ids:
        rows = db.session.execute(
            select(AidRecipient.programme_id, AidRecipient.status, func.count())
            .where(AidRecipient.programme_id.in_(ids), AidRecipient.hamlet_id == scope.hamlet_id)
            .group_by(AidRecipient.programme_id, AidRecipient.status)
        )
        for pid, status, n in rows:
            out[pid][RecipientStatus(status).value] = n
    return out


def checked_period(programme: AidProgramme, key: str) -> str:
    try:
        return distribution.check_period(programme, key)
    except ServiceError:
        abort(404)


def uploaded(field: Any) -> docs.NewFile | None:
    """A form's file field as the documents core takes it; None when no file was chosen."""
    data = field.data
    if data is None or not getattr(data, "filename", ""):
        return None
    return docs.NewFile(data.stream, data.filename)
