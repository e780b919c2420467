"""Letter services: the per-village letter number sequences.

A sequence row exists per village, scope and year. ``scope_key`` is a letter type code when each
type counts on its own, or ``"*"`` when every type of the village shares one counter. Numbers are
allocated by :func:`smart_government.numbering.next_number`, which locks this row, so two staff
issuing at once never get the same number and an aborted letter gives its number back.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desacerdas.models.base import Base, TenantScoped, Timestamped

SHARED_SCOPE = "*"


class LetterSequence(TenantScoped, Timestamped, Base):
    """The last letter number handed out in one village, for one scope (type code or ``*``) and year."""

    __tablename__ = "sg_letter_sequences"

    scope_key: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("tenant_id", "scope_key", "year"),)

    def __repr__(self) -> str:
        return f"<LetterSequence {self.scope_key} {self.year}: {self.last_value}>"


MODELS: list[type] = [LetterSequence]
