"""The core's periodic work, queued by Celery beat (``desa beat``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery.schedules import crontab
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Tenant, TenantStatus
from ..tenancy import tenant_session
from .schedule import periodic
from .sweep import sweep

log = logging.getLogger(__name__)


@periodic("desa.jobs.sweep", timedelta(minutes=2))
def sweep_jobs() -> str:
    """Fail (or queue again) jobs whose worker went silent; re-queue jobs no worker picked up."""
    return str(sweep())


@periodic("desa.kit.snapshots", crontab(minute=30, hour=23))
def take_snapshots() -> int:
    """This month's indicator snapshot of every active village (daily: the month's row stays current,
    the last day's figures are the month's)."""
    from ..kit import snapshots

    stored = 0
    for tenant in db.session.scalars(select(Tenant).where(Tenant.status == TenantStatus.ACTIVE)):
        try:
            stored += snapshots.take(tenant)
        except Exception:  # noqa: BLE001 - one village's failing plugin must not stop the others
            log.exception("snapshot of %s failed", tenant.slug)
    return stored


@periodic("desa.documents.purge", crontab(minute=45, hour=2))
def purge_documents() -> int:
    """Remove documents deleted longer ago than ``DOCUMENT_RETENTION_DAYS``, village by village."""
    from ..services.document_upkeep import purge_deleted

    days = int(current_app.config.get("DOCUMENT_RETENTION_DAYS", 30))
    purged = 0
    for tenant in list(db.session.scalars(select(Tenant))):
        try:
            with tenant_session(tenant.id) as session:
                purged += len(purge_deleted(tenant, session, older_than_days=days))
        except Exception:  # noqa: BLE001 - storage down for one village: the next run tries again
            log.exception("purge of %s failed", tenant.slug)
    return purged


@periodic("desa.auth.throttle_purge", crontab(minute=15, hour=3))
def purge_login_throttles() -> int:
    """Delete sign-in throttle rows with no lock and no failure for a day (they only slow guessing)."""
    from ..services import login_throttle

    purged = login_throttle.purge(db.session)
    db.session.commit()
    return purged


@periodic("desa.auth.session_purge", crontab(minute=20, hour=3))
def purge_user_sessions() -> int:
    """Delete browser-session rows ended a week ago or past their absolute lifetime by a week."""
    from ..auth import sessions

    purged = sessions.purge(db.session)
    db.session.commit()
    return purged
