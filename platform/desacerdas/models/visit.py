"""A facilitator's visit or call to a village: the visit log (``facilitator_visits``).

Tenant-owned: a village's visits are its own rows (its head reads them on the village's page), and
the facilitator's work surface reads them village by village through the audited cross-village path.
Follow-ups are a short list of ``{"text": str, "done": bool}`` items rather than free text, so that
the next visit can tick them off one by one and the surface can count the open ones.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantScoped, Timestamped, string_enum


class VisitKind(enum.StrEnum):
    VISIT = "visit"  # in person, at the village
    CALL = "call"  # by telephone or video call


class FacilitatorVisit(TenantScoped, Timestamped, Base):
    __tablename__ = "facilitator_visits"

    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The name as it was when recorded: the log still reads when the account is gone.
    facilitator_name: Mapped[str] = mapped_column(String(120))
    visited_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[VisitKind] = mapped_column(string_enum(VisitKind), default=VisitKind.VISIT)
    note: Mapped[str] = mapped_column(Text, default="")
    follow_ups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_facilitator_visits_tenant_visited_on", "tenant_id", "visited_on"),)

    @property
    def open_follow_ups(self) -> int:
        return sum(1 for item in self.follow_ups or [] if not item.get("done"))
