"""The one audited platform service that looks across villages for double receipt of social aid.

A village puts its recipients on the ledger (:func:`record`, in its own session and transaction:
the claim lands with the decision or not at all) and asks, for a candidate, whether another
village pays the same person for an overlapping period (:func:`conflicts`). The answer names only
the kind of aid (its source) and the period: never the other village, its programme or anyone's
data. The regency sees the detail (:func:`regency_conflicts`) for its own villages. Every
cross-village read writes an audit event in the asking village (or the platform, for the regency).

Two claims conflict when their periods overlap and one's source is the other's, or either
programme excludes the other's source. ``other`` is not a programme family: two "other"
programmes conflict only if one excludes ``other``.

NIKs are kept as HMAC-SHA256 fingerprints keyed by ``DESA_AID_LEDGER_KEY`` (``DESA_SECRET_KEY``
when unset): the ledger alone never tells who anyone is.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, delete, or_, select, true
from sqlalchemy.orm import Session, aliased

from ..models import AidLedgerEntry, Tenant, User
from ..tenancy.context import current_tenant_id
from . import audit

NOT_A_FAMILY = "other"  # a source that is not one programme family (see the module's docstring)
SOURCE_KIND = "aid.source"  # ``web.labels.register_states`` kind: the pillar names its sources


@dataclass(frozen=True)
class Claim:
    """What a village says about one recipient: whose NIKs, which aid, which period."""

    niks: tuple[str, ...]
    source: str
    excludes: tuple[str, ...]
    period_start: date
    period_end: date
    programme: str


@dataclass(frozen=True, order=True)
class Conflict:
    """What the asking village hears: another village pays this kind of aid for this period."""

    source: str
    period_start: date
    period_end: date


@dataclass(frozen=True)
class RegencyConflict:
    """What the regency sees: both villages, both programmes, both periods."""

    village: str
    programme: str
    source: str
    period: tuple[date, date]
    pending: bool  # this side is a candidate, caught before the decision
    other_village: str
    other_programme: str
    other_source: str
    other_period: tuple[date, date]


def fingerprint(nik: str) -> str:
    key = current_app.config.get("AID_LEDGER_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(key.encode(), nik.strip().encode(), hashlib.sha256).hexdigest()


def _joined(sources: Iterable[str]) -> str:
    return ",".join(sorted(set(sources)))


def record(session: Session, record_id: uuid.UUID, claim: Claim | None, *, pending: bool = False) -> None:
    """Put (or, with ``claim=None``, take) one recipient record on the ledger of the session's
    village, replacing what the record said before. Committed with the caller's transaction.

    A ``pending`` claim (a candidate not yet decided on) is no conflict to another village's check;
    the regency sees it against another village's recipient (a double receipt caught in time)."""
    tenant_id = _village_of(session)
    session.execute(
        delete(AidLedgerEntry).where(
            AidLedgerEntry.tenant_id == tenant_id, AidLedgerEntry.record_id == record_id
        )
    )
    if claim is None:
        return
    for nik in dict.fromkeys(claim.niks):
        session.add(
            AidLedgerEntry(
                tenant_id=tenant_id,
                record_id=record_id,
                nik_hash=fingerprint(nik),
                source=claim.source,
                excludes=_joined(claim.excludes),
                period_start=claim.period_start,
                period_end=claim.period_end,
                programme=claim.programme[:160],
                pending=pending,
            )
        )


def end(session: Session, record_id: uuid.UUID, on: date) -> None:
    """A recipient stops receiving: the claim ends on ``on`` (kept, so the past stays true)."""
    tenant_id = _village_of(session)
    for entry in session.scalars(
        select(AidLedgerEntry).where(
            AidLedgerEntry.tenant_id == tenant_id, AidLedgerEntry.record_id == record_id
        )
    ):
        if on < entry.period_start:
            session.delete(entry)  # it ends before it began: it never was a claim
        else:
            entry.period_end = min(entry.period_end, on)


def _village_of(session: Session) -> int:
    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        raise RuntimeError("the aid ledger is written from a session bound to the village")
    return tenant_id


def _clashes(entry: type[AidLedgerEntry] | AidLedgerEntry, source: str, excludes: Sequence[str]):  # noqa: ANN202
    """The SQL condition "this ledger row's aid clashes with ``source``/``excludes``"."""
    rules = [entry.source.in_(list(excludes))] if excludes else []
    if source != NOT_A_FAMILY:
        rules.append(entry.source == source)
    # the other programme excludes ours: ``source`` is one item of its comma-separated list
    rules.append(("," + entry.excludes + ",").contains(f",{source},", autoescape=True))
    return or_(*rules)


def conflicts(
    session: Session,
    tenant: Tenant,
    claim: Claim,
    *,
    actor: User | None,
    about: str,
    audited: bool = True,
) -> list[Conflict]:
    """Other villages' claims that clash with ``claim``: source and period only, audited.

    ``session`` is the asking village's (for the audit event, written with its transaction); the
    ledger is read through a platform session of its own, the only reader across villages. A
    batch (a list being imported) passes ``audited=False`` and writes one :func:`record_checks`
    for the lot."""
    from ..extensions import db

    hashes = [fingerprint(n) for n in dict.fromkeys(claim.niks)]
    found: list[Conflict] = []
    if hashes:
        with Session(db.engine) as platform:
            rows = platform.execute(
                select(AidLedgerEntry.source, AidLedgerEntry.period_start, AidLedgerEntry.period_end)
                .where(
                    AidLedgerEntry.nik_hash.in_(hashes),
                    AidLedgerEntry.tenant_id != tenant.id,
                    AidLedgerEntry.pending.is_(False),
                    AidLedgerEntry.period_start <= claim.period_end,
                    AidLedgerEntry.period_end >= claim.period_start,
                    _clashes(AidLedgerEntry, claim.source, claim.excludes),
                )
                .limit(50)
            ).all()
            platform.rollback()
        found = sorted({Conflict(*row) for row in rows})
    if audited:
        record_checks(session, tenant, actor=actor, about=about, source=claim.source, conflicts=len(found))
    return found


def record_checks(
    session: Session,
    tenant: Tenant,
    *,
    actor: User | None,
    about: str,
    source: str,
    conflicts: int,
    checked: int | None = None,
) -> None:
    """The audit event of one check, or of a batch of ``checked`` checks, in the asking village."""
    detail = {"source": source, "conflicts": conflicts}
    if checked is not None:
        detail["checked"] = checked
    audit.record(
        "aid.ledger_checked", actor=actor, tenant_id=tenant.id, target=about[:200], session=session, **detail
    )


def regency_conflicts(
    tenant_ids: Sequence[int] | None, *, actor: User | None, limit: int = 500
) -> list[RegencyConflict]:
    """Clashing claims where one side is a village of ``tenant_ids`` (the regency's; None: every
    village, for a platform admin), in full, at most ``limit``: recipients of two villages, and
    candidates of one against recipients of the other (two candidates are not yet a conflict).

    The caller has checked that the user may see those villages; this writes the audit event."""
    from ..extensions import db

    if tenant_ids is not None and not tenant_ids:
        return []
    mine, other = AidLedgerEntry, aliased(AidLedgerEntry)
    here, there = aliased(Tenant), aliased(Tenant)
    clash = or_(
        and_(mine.source == other.source, mine.source != NOT_A_FAMILY),
        ("," + mine.excludes + ",").contains("," + other.source + ","),
        ("," + other.excludes + ",").contains("," + mine.source + ","),
    )
    with Session(db.engine) as platform:
        rows = platform.execute(
            select(
                here.name,
                mine.programme,
                mine.source,
                mine.period_start,
                mine.period_end,
                mine.pending,
                there.name,
                other.programme,
                other.source,
                other.period_start,
                other.period_end,
            )
            .join(other, other.nik_hash == mine.nik_hash)
            .join(here, here.id == mine.tenant_id)
            .join(there, there.id == other.tenant_id)
            .where(
                mine.tenant_id.in_(list(tenant_ids)) if tenant_ids is not None else true(),
                other.tenant_id != mine.tenant_id,
                ~(mine.pending & other.pending),
                mine.period_start <= other.period_end,
                other.period_start <= mine.period_end,
                clash,
            )
            .distinct()  # a family matches on each member's NIK: one row per pair of claims
            .order_by(here.name, mine.programme)
            .limit(limit)
        ).all()
        found = [
            RegencyConflict(r[0], r[1], r[2], (r[3], r[4]), r[5], r[6], r[7], r[8], (r[9], r[10]))
            for r in rows
        ]
        audit.record(
            "aid.regency_conflicts_read",
            actor=actor,
            target="aid_ledger",
            session=platform,
            tenant_ids=list(tenant_ids)[:200] if tenant_ids is not None else "all",
            conflicts=len(found),
        )
        platform.commit()
    return found
