"""Plugin state: installed on the platform, enabled in a village, and the history of both.

These are control-plane tables, platform-level on purpose: tenant resolution reads them before any
village data is touched, and the rollout board reads them across villages. They hold no village
data, only which pillar runs where.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamped, utcnow


class PlatformPlugin(Timestamped, Base):
    __tablename__ = "platform_plugins"
    __platform_level__ = True

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    installed: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[str | None] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class VillagePlugin(Timestamped, Base):
    __tablename__ = "village_plugins"
    __platform_level__ = True

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(60), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlatformState(Base):
    """Platform-wide stamps; row ``plugins`` changes with every install or uninstall, so each
    worker's cache of enabled plugins notices another worker's change (plugin_system/state.py)."""

    __tablename__ = "platform_state"
    __platform_level__ = True

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class VillagePluginEvent(Base):
    """Who enabled, disabled or purged which plugin in which village, when and why."""

    __tablename__ = "village_plugin_events"
    __platform_level__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_village_plugin_events_tenant_plugin", "tenant_id", "plugin", "at"),)
