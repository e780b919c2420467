"""A background job: a row the village can see (who started it, state, progress, result or error).

The work itself runs on a Celery worker (``desacerdas.jobs``); this row is the one place the page,
the API and the CLI read how far it got.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, TenantScoped, Timestamped, string_enum


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class Job(TenantScoped, Timestamped, Base):
    __tablename__ = "jobs"

    kind: Mapped[str] = mapped_column(String(80))
    state: Mapped[JobState] = mapped_column(string_enum(JobState), default=JobState.QUEUED)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phase: Mapped[str | None] = mapped_column(String(40))
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(1000))
    document_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # no FK: documents are purged on their own
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    batch: Mapped[str | None] = mapped_column(String(36))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_jobs_tenant_state", "tenant_id", "state"),
        Index("ix_jobs_tenant_batch", "tenant_id", "batch"),
        Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
    )

    @property
    def finished(self) -> bool:
        return JobState(self.state).finished

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None while the total is unknown."""
        if not self.progress_total:
            return 100 if self.state == JobState.DONE else None
        return max(0, min(100, int(self.progress_done * 100 / self.progress_total)))
