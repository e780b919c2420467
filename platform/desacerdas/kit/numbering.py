"""Gap-free numbers for a village's papers: letters, orders, receipts, certificates, hand-over records.

Several clerks issue at the same moment; a naive ``max(number) + 1`` hands two of them the same number.
Here the number is taken from a locked row of the core table ``sequences`` (one per village,
``namespace``, ``scope_key`` and ``year``) in the *caller's* transaction: the caller commits the paper
and its number together, so concurrent issuers queue on the row (no duplicate) and a paper that is
aborted rolls its number back (no gap).

A number's text comes from a :class:`NumberFormat`: a ``str.format`` pattern restricted to declared
placeholders (``{seq}``, ``{year}``, ``{month}``, ``{month_roman}``, ``{village_code}`` and those the
pillar declares, e.g. ``{type_code}``), checked before any number is taken.
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from ..models.base import utcnow
from ..models.kit import Sequence
from ..services.i18n import _
from ..tenancy import TenantMismatch, current_tenant_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..models import Tenant

SHARED_SCOPE = "*"  # the scope of a sequence that is not split (e.g. all letter types together)
NEVER_RESETS = 0  # the ``year`` of a sequence that counts on for ever
# Where a village may set its own code for numbers (default: its Kemendagri code without dots). The
# name predates the kit (letters used it first) and is kept: villages have it in their profiles.
PROFILE_VILLAGE_CODE = "letter_village_code"
MAX_NAMESPACE_LENGTH = 60  # sequences.namespace
MAX_SCOPE_LENGTH = 40  # sequences.scope_key
MAX_PATTERN_LENGTH = 120
MAX_NUMBER_LENGTH = 120  # the formatted text (verifications.number has 120 characters)
MAX_FIELD_WIDTH = 20  # any width or precision in a placeholder's spec: {seq:0999999999} is refused
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_DIGITS = re.compile(r"\d+")


class NumberFormatError(ValueError):
    """A number format cannot produce valid, unique numbers."""


@dataclass(frozen=True)
class Placeholder:
    """A ``{name}`` a format may use, with a sample value (to check specs such as ``{seq:03}`` and for
    previews) and a description for the settings page."""

    name: str
    sample: str | int
    description: str = ""


BUILTIN_PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("seq", 1, "the sequence number, e.g. {seq:03} for 001"),
    Placeholder("village_code", "5107012003", "the village's code for numbers"),
    Placeholder("month_roman", "XII", "the month in Roman numerals, I to XII"),
    Placeholder("month", 12, "the month as a number, e.g. {month:02} for 03"),
    Placeholder("year", 2026, "the year, e.g. 2026"),
)
_BUILTIN_NAMES = frozenset(p.name for p in BUILTIN_PLACEHOLDERS)


@dataclass(frozen=True)
class Number:
    """A taken number: the text printed on the paper and what it was made of."""

    text: str
    seq: int
    year: int  # the sequence's year (``NEVER_RESETS`` for a sequence that never restarts)
    scope_key: str


def roman_month(month: int) -> str:
    """Months are written in Roman numerals in Indonesian numbers (XII for December)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    return _ROMAN[month - 1]


def _check_field(fmt: str, field_name: str, spec: str, conversion: str | None, known: Mapping) -> None:
    if field_name not in known:
        shown = "{" + field_name + "}" if field_name else "{}"
        names = ", ".join("{" + name + "}" for name in known)
        raise NumberFormatError(
            _(
                "unknown placeholder %(shown)s in %(fmt)s; use %(names)s",
                shown=shown,
                fmt=repr(fmt),
                names=names,
            )
        )
    if conversion:
        raise NumberFormatError(
            _(
                "conversions such as !%(conversion)s are not allowed in %(fmt)s",
                conversion=conversion,
                fmt=repr(fmt),
            )
        )
    if spec and ("{" in spec or "}" in spec):
        raise NumberFormatError(_("nested placeholders are not allowed in %(fmt)s", fmt=repr(fmt)))
    if any(int(d) > MAX_FIELD_WIDTH for d in _DIGITS.findall(spec or "")):
        raise NumberFormatError(
            _(
                "widths of more than %(num)d characters are not allowed in %(fmt)s",
                num=MAX_FIELD_WIDTH,
                fmt=repr(fmt),
            )
        )


def validate_format(fmt: str, extra: Iterable[Placeholder] = ()) -> str:
    """Return ``fmt`` if it is a usable number format, else raise :class:`NumberFormatError`.

    Only the built-in and the ``extra`` placeholders are allowed (no attribute or index access, no
    ``!r`` conversions), ``{seq}`` is required (without it every paper of the year would get the same
    number), widths are capped and the specs must apply to the sample values.
    """
    known = _placeholders(tuple(extra))
    if not fmt or not fmt.strip():
        raise NumberFormatError(_("the number format is empty"))
    if len(fmt) > MAX_PATTERN_LENGTH:
        raise NumberFormatError(
            _("the number format has more than %(num)d characters", num=MAX_PATTERN_LENGTH)
        )
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise NumberFormatError(
            _("the number format %(fmt)s is malformed: %(error)s", fmt=repr(fmt), error=exc)
        ) from exc
    names: set[str] = set()
    for _literal, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        _check_field(fmt, field_name, spec, conversion, known)
        names.add(field_name)
    if "seq" not in names:
        raise NumberFormatError(_("the number format %(fmt)s must contain {seq}", fmt=repr(fmt)))
    try:
        text = fmt.format(**{name: p.sample for name, p in known.items()})
    except (ValueError, TypeError) as exc:
        raise NumberFormatError(
            _("the number format %(fmt)s does not apply: %(error)s", fmt=repr(fmt), error=exc)
        ) from exc
    if len(text) > MAX_NUMBER_LENGTH:
        raise NumberFormatError(
            _(
                "numbers in the format %(fmt)s are longer than %(num)d characters",
                fmt=repr(fmt),
                num=MAX_NUMBER_LENGTH,
            )
        )
    return fmt


def _placeholders(extra: tuple[Placeholder, ...]) -> dict[str, Placeholder]:
    known: dict[str, Placeholder] = {}
    for p in extra:
        if p.name in _BUILTIN_NAMES or not _NAME.match(p.name):
            raise ValueError(f"{p.name!r} cannot be declared as a placeholder")
        known[p.name] = p
    known.update((p.name, p) for p in BUILTIN_PLACEHOLDERS)
    return known


@dataclass(frozen=True)
class NumberFormat:
    """A checked number format: ``NumberFormat("{type_code}/{seq:03}/{village_code}/{month_roman}/{year}",
    (Placeholder("type_code", "470"),))``. Constructing it validates it."""

    pattern: str
    extra: tuple[Placeholder, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", tuple(self.extra))
        validate_format(self.pattern, self.extra)

    @property
    def placeholders(self) -> dict[str, Placeholder]:
        """Every placeholder this format may use (the pillar's first, then the built-in ones)."""
        return _placeholders(self.extra)

    def render(
        self, *, seq: int, when: date, village_code: str, values: Mapping[str, object] | None = None
    ) -> str:
        """The number text for these parts (pure: for previews and for :func:`take`)."""
        given = dict(values or {})
        missing = sorted(p.name for p in self.extra if p.name not in given)
        unknown = sorted(set(given) - {p.name for p in self.extra})
        if missing or unknown:
            raise ValueError(f"placeholder values: missing {missing}, undeclared {unknown}")
        parts = {
            **given,
            "seq": seq,
            "village_code": village_code,
            "month_roman": roman_month(when.month),
            "month": when.month,
            "year": when.year,
        }
        try:
            text = self.pattern.format(**parts)
        except (ValueError, TypeError) as exc:
            raise NumberFormatError(f"the number format {self.pattern!r} does not apply: {exc}") from exc
        if len(text) > MAX_NUMBER_LENGTH:
            raise NumberFormatError(
                f"the number {text[:40]!r}… is longer than {MAX_NUMBER_LENGTH} characters"
            )
        return text

    def preview(self, village_code: str | None = None, when: date | None = None) -> str:
        """The number with the sample values (``470/001/5107012003/XII/2026``), for a settings page."""
        samples = {p.name: p.sample for p in self.extra}
        code = village_code or str(self.placeholders["village_code"].sample)
        return self.render(seq=1, when=when or date(2026, 12, 5), village_code=code, values=samples)


def format_number(
    fmt: NumberFormat | str,
    *,
    seq: int,
    when: date,
    village_code: str,
    values: Mapping[str, object] | None = None,
) -> str:
    """The number text; a plain string pattern declares ``values``' keys as its extra placeholders."""
    return _as_format(fmt, values).render(seq=seq, when=when, village_code=village_code, values=values)


def _as_format(fmt: NumberFormat | str, values: Mapping[str, object] | None) -> NumberFormat:
    if isinstance(fmt, NumberFormat):
        return fmt
    extra = tuple(Placeholder(k, v if isinstance(v, int) else str(v)) for k, v in (values or {}).items())
    return NumberFormat(fmt, extra)


def village_code_for(tenant: Tenant) -> str:
    """The village's code in numbers: as set in its profile (``letter_village_code``), else the
    Kemendagri code without dots (``51.07.01.2003`` → ``5107012003``)."""
    configured = (tenant.profile or {}).get(PROFILE_VILLAGE_CODE)
    if configured:
        return str(configured)
    return tenant.code.replace(".", "")


# -- the sequences ----------------------------------------------------------------------------------


def _check_key(namespace: str, scope_key: str, year: int) -> None:
    if not namespace or not namespace.strip() or len(namespace) > MAX_NAMESPACE_LENGTH:
        raise ValueError(f"a sequence namespace has 1 to {MAX_NAMESPACE_LENGTH} characters")
    if not scope_key or not scope_key.strip() or len(scope_key) > MAX_SCOPE_LENGTH:
        raise ValueError(f"a sequence scope has 1 to {MAX_SCOPE_LENGTH} characters")
    if year != NEVER_RESETS and not 1 <= year <= 9999:
        raise ValueError(f"a sequence year is 1..9999, or {NEVER_RESETS} for one that never resets")


def _insert_if_missing(session: Session, tenant_id: int, namespace: str, scope_key: str, year: int) -> None:
    """Create the sequence row unless it exists, without failing when another issuer races us.

    ``INSERT … ON CONFLICT DO NOTHING`` waits for a concurrent uncommitted insert of the same key and
    then does nothing, so no issuer ever sees a unique-violation error. On SQLite this write is also
    what takes the database's single write lock for the rest of the transaction.
    """
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite only
        raise NotImplementedError(f"numbering does not support {dialect}")
    now = utcnow()
    stmt = (
        insert(Sequence)
        .values(
            tenant_id=tenant_id,
            id=uuid.uuid4(),
            namespace=namespace,
            scope_key=scope_key,
            year=year,
            last_value=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "namespace", "scope_key", "year"])
    )
    session.execute(stmt)


def next_value(
    session: Session, namespace: str, scope_key: str = SHARED_SCOPE, year: int | None = None
) -> int:
    """Take the next value of one sequence of the session's village, in the session's transaction
    (not committed here: the caller commits it with the paper that carries it).

    ``year=None`` (or ``NEVER_RESETS``) is a sequence that never restarts. PostgreSQL: the row is
    locked with ``SELECT … FOR UPDATE`` until the caller's commit or rollback, so concurrent issuers
    queue. SQLite: the insert already holds the single write lock, which serialises issuers the same
    way (``FOR UPDATE`` is simply not rendered there).
    """
    year = NEVER_RESETS if year is None else year
    _check_key(namespace, scope_key, year)
    tenant_id = current_tenant_id(session)
    if tenant_id is None:
        raise TenantMismatch("numbers need a session bound to a village")
    _insert_if_missing(session, tenant_id, namespace, scope_key, year)
    where = (
        Sequence.tenant_id == tenant_id,
        Sequence.namespace == namespace,
        Sequence.scope_key == scope_key,
        Sequence.year == year,
    )
    last = session.execute(select(Sequence.last_value).where(*where).with_for_update()).scalar_one()
    value = last + 1
    session.execute(
        update(Sequence).where(*where).values(last_value=value, updated_at=utcnow()),
        execution_options={"synchronize_session": "fetch"},
    )
    return value


def take(
    session: Session,
    tenant: Tenant,
    namespace: str,
    fmt: NumberFormat | str,
    *,
    when: date,
    scope_key: str = SHARED_SCOPE,
    values: Mapping[str, object] | None = None,
    yearly: bool = True,
    village_code: str | None = None,
) -> Number:
    """Take the next number of ``tenant`` in ``namespace`` for a paper dated ``when``.

    With ``yearly`` the sequence restarts every year, else it never does. ``values`` fill the
    format's extra placeholders (with a plain string format they declare them). The format is checked
    before a number is taken; the caller commits in the same transaction as the paper that carries
    the number (and should keep the number unique by a constraint on its own table).
    """
    if current_tenant_id(session) != tenant.id:
        raise TenantMismatch(f"session serves village {current_tenant_id(session)}, not {tenant.id}")
    number_format = _as_format(fmt, values)
    code = village_code or village_code_for(tenant)
    year = when.year if yearly else NEVER_RESETS
    seq = next_value(session, namespace, scope_key, year)
    text = number_format.render(seq=seq, when=when, village_code=code, values=values)
    return Number(text=text, seq=seq, year=year, scope_key=scope_key)
