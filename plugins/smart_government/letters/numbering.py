"""Letter numbers (nomor surat) on the kit's gap-free numbering (:mod:`desacerdas.kit.numbering`).

What is the letters' own: the namespace ``smart_government.letters`` in the core ``sequences``
table, the ``{type_code}`` placeholder, and the scope (the type's code when each type counts on its
own, ``*`` when all types of the village share one counter). Locking, the yearly reset and giving a
number back on rollback are the kit's.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from desacerdas.kit import numbering as kit
from desacerdas.kit.numbering import (  # noqa: F401 - the letters' names for the kit's
    PROFILE_VILLAGE_CODE,
    NumberFormatError,
    roman_month,
)
from desacerdas.kit.numbering import Number as LetterNumber
from desacerdas.kit.numbering import village_code_for as village_letter_code
from desacerdas.tenancy import TenantMismatch, current_tenant_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desacerdas.models import Tenant

NAMESPACE = "smart_government.letters"
DEFAULT_FORMAT = "{type_code}/{seq:03}/{village_code}/{month_roman}/{year}"
TYPE_CODE = (kit.Placeholder("type_code", "470", "the letter type's code, e.g. 470"),)
PLACEHOLDERS: dict[str, str] = {p.name: p.description for p in (*TYPE_CODE, *kit.BUILTIN_PLACEHOLDERS)}
MAX_SCOPE_LENGTH = 20  # smart_government_letter_types.code

__all__ = [
    "DEFAULT_FORMAT",
    "NAMESPACE",
    "PROFILE_VILLAGE_CODE",
    "LetterNumber",
    "NumberFormatError",
    "format_number",
    "next_number",
    "roman_month",
    "validate_format",
    "village_letter_code",
]


def validate_format(fmt: str) -> str:
    """``fmt`` if it is a usable letter number format (the kit's rules, plus ``{type_code}``)."""
    return kit.validate_format(fmt, TYPE_CODE)


def format_number(fmt: str, *, type_code: str, seq: int, village_code: str, when: date) -> str:
    """The number text for the given parts (pure: for previews)."""
    return kit.NumberFormat(fmt, TYPE_CODE).render(
        seq=seq, when=when, village_code=village_code, values={"type_code": type_code}
    )


def _check_type_code(type_code: str) -> None:
    if not type_code or not type_code.strip():
        raise ValueError("a letter type code is required")
    if type_code == kit.SHARED_SCOPE:
        raise ValueError(f"{kit.SHARED_SCOPE!r} is reserved for the shared sequence")
    if len(type_code) > MAX_SCOPE_LENGTH:
        raise ValueError(f"letter type codes have at most {MAX_SCOPE_LENGTH} characters")


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
    """Take the next letter number of ``tenant`` for a letter dated ``when``, in the session's
    transaction: the caller commits it with the letter (a rollback gives it back)."""
    if current_tenant_id(session) != tenant.id:
        raise TenantMismatch(f"session serves village {current_tenant_id(session)}, not {tenant.id}")
    _check_type_code(type_code)
    return kit.take(
        session,
        tenant,
        NAMESPACE,
        kit.NumberFormat(fmt, TYPE_CODE),
        when=when,
        scope_key=type_code if per_type else kit.SHARED_SCOPE,
        values={"type_code": type_code},
        village_code=village_code,
    )
