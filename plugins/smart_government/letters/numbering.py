"""Letter numbers (nomor surat): a format per village and a gap-free sequence per village and year.

Staff at several counters issue letters at the same moment; the incumbent hands two of them the
same number. Here the number is taken from a locked sequence row in the *caller's* transaction:
the caller commits the letter and the number together, so concurrent issuers queue on the row
(no duplicate) and a letter that is aborted rolls its number back (no gap).
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from desacerdas.models.base import utcnow
from desacerdas.tenancy import TenantMismatch, current_tenant_id

from .models import SHARED_SCOPE, LetterSequence

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desacerdas.models import Tenant

DEFAULT_FORMAT = "{type_code}/{seq:03}/{village_code}/{month_roman}/{year}"
# Where a village may set its own code for letter numbers (default: its Kemendagri code without dots).
PROFILE_VILLAGE_CODE = "letter_village_code"

PLACEHOLDERS: dict[str, str] = {
    "type_code": "the letter type's code, e.g. 470",
    "seq": "the sequence number, e.g. {seq:03} for 001",
    "village_code": "the village's code for letters",
    "month_roman": "the month in Roman numerals, I to XII",
    "month": "the month as a number, e.g. {month:02} for 03",
    "year": "the year, e.g. 2026",
}
_SAMPLE = {
    "type_code": "470",
    "seq": 1,
    "village_code": "5107012003",
    "month_roman": "XII",
    "month": 12,
    "year": 2026,
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
MAX_SCOPE_LENGTH = 20


class NumberFormatError(ValueError):
    """A village's number format cannot produce valid, unique numbers."""


@dataclass(frozen=True)
class LetterNumber:
    """An allocated number: the text printed on the letter and what it was made of."""

    text: str
    seq: int
    year: int
    scope_key: str


def roman_month(month: int) -> str:
    """Months are written in Roman numerals in Indonesian letter numbers (XII for December)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return _ROMAN[month - 1]


def validate_format(fmt: str) -> str:
    """Return ``fmt`` if it is a usable number format, else raise :class:`NumberFormatError`.

    Only the known placeholders are allowed (no attribute or index access), ``{seq}`` is required
    (without it every letter of the year would get the same number) and format specs must apply.
    """
    if not fmt or not fmt.strip():
        raise NumberFormatError("the number format is empty")
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise NumberFormatError(f"the number format {fmt!r} is malformed: {exc}") from exc
    names: set[str] = set()
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            shown = "{" + field + "}" if field else "{}"
            raise NumberFormatError(f"unknown placeholder {shown} in {fmt!r}; use {known}")
        if conversion:
            raise NumberFormatError(f"conversions such as !{conversion} are not allowed in {fmt!r}")
        if spec and ("{" in spec or "}" in spec):
            raise NumberFormatError(f"nested placeholders are not allowed in {fmt!r}")
        names.add(field)
    if "seq" not in names:
        raise NumberFormatError(f"the number format {fmt!r} must contain {{seq}}")
    try:
        fmt.format(**_SAMPLE)
    except (ValueError, TypeError) as exc:
        raise NumberFormatError(f"the number format {fmt!r} does not apply: {exc}") from exc
    return fmt


def format_number(
    fmt: str, *, type_code: str, seq: int, village_code: str, when: date, validate: bool = True
) -> str:
    """The number text for the given parts (pure: used for previews and by :func:`next_number`)."""
    if validate:
        validate_format(fmt)
    return fmt.format(
        type_code=type_code,
        seq=seq,
        village_code=village_code,
        month_roman=roman_month(when.month),
        month=when.month,
        year=when.year,
    )


def village_letter_code(tenant: Tenant) -> str:
    """The village's code in letter numbers: as configured in its profile, else the Kemendagri code
    without dots (``51.07.01.2003`` → ``5107012003``)."""
    configured = (tenant.profile or {}).get(PROFILE_VILLAGE_CODE)
    if configured:
        return str(configured)
    return tenant.code.replace(".", "")


def _check_type_code(type_code: str) -> None:
    if not type_code or not type_code.strip():
        raise ValueError("a letter type code is required")
    if type_code == SHARED_SCOPE:
        raise ValueError(f"{SHARED_SCOPE!r} is reserved for the shared sequence")
    if len(type_code) > MAX_SCOPE_LENGTH:
        raise ValueError(f"letter type codes have at most {MAX_SCOPE_LENGTH} characters")


def _insert_if_missing(session: Session, tenant_id: int, scope_key: str, year: int) -> None:
    """Create the sequence row unless it exists, without failing when another issuer races us.

    ``INSERT … ON CONFLICT DO NOTHING`` waits for a concurrent uncommitted insert of the same key
    and then does nothing, so no issuer ever sees a unique-violation error. On SQLite this write is
    also what takes the database's single write lock for the rest of the transaction.
    """
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite only
        raise NotImplementedError(f"letter numbering does not support {dialect}")
    now = utcnow()
    stmt = (
        insert(LetterSequence)
        .values(
            tenant_id=tenant_id,
            id=uuid.uuid4(),
            scope_key=scope_key,
            year=year,
            last_value=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "scope_key", "year"])
    )
    session.execute(stmt)


def allocate(session: Session, scope_key: str, year: int) -> int:
    """Take the next value of one sequence in the session's transaction (not committed here).

    PostgreSQL: the row is locked with ``SELECT … FOR UPDATE`` until the caller's commit or
    rollback, so concurrent issuers queue. SQLite: the insert above already holds the single
    write lock (the driver opens the transaction before the first write), which serialises
    issuers the same way; ``FOR UPDATE`` is simply not rendered there.
    """
    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        raise TenantMismatch("letter numbers need a session bound to a village")
    _insert_if_missing(session, tenant_id, scope_key, year)
    where = (LetterSequence.scope_key == scope_key, LetterSequence.year == year)
    last = session.execute(select(LetterSequence.last_value).where(*where).with_for_update()).scalar_one()
    value = last + 1
    session.execute(
        update(LetterSequence).where(*where).values(last_value=value, updated_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    )
    return value


def next_number(
    session: Session,
    tenant: Tenant,
    type_code: str,
    when: date,
    *,
    per_type: bool = True,
    fmt: str = DEFAULT_FORMAT,
    village_code: str | None = None,
) -> LetterNumber:
    """Allocate the next letter number of ``tenant`` for a letter issued on ``when``.

    The sequence restarts every year; with ``per_type`` each letter type counts on its own, else
    all types share one counter. The caller must commit in the same transaction as the letter that
    carries the number (and should keep the number unique by a constraint on the letter table).
    """
    if current_tenant_id(session) != tenant.id:
        raise TenantMismatch(f"session serves village {current_tenant_id(session)}, not {tenant.id}")
    _check_type_code(type_code)
    validate_format(fmt)
    scope_key = type_code if per_type else SHARED_SCOPE
    seq = allocate(session, scope_key, when.year)
    text = format_number(
        fmt,
        type_code=type_code,
        seq=seq,
        village_code=village_code or village_letter_code(tenant),
        when=when,
        validate=False,
    )
    return LetterNumber(text=text, seq=seq, year=when.year, scope_key=scope_key)
