"""Keeping a village's documents and their stored objects in step: purging what was deleted long
ago, and reconciling rows with objects (``desa documents purge`` and ``desa documents check``).

Writing, reading and access live in :mod:`desacerdas.services.documents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Document, DocumentVersion, Tenant
from ..storage import ObjectMissing, StorageUnavailable, storage
from . import audit
from .documents import Unavailable, forget_object


def purge_deleted(
    tenant: Tenant, session: Session, *, older_than_days: int, dry_run: bool = False
) -> list[str]:
    """Delete the rows and objects of documents deleted more than ``older_than_days`` ago."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    doomed = session.scalars(
        select(Document)
        .where(Document.deleted_at.is_not(None), Document.deleted_at < cutoff)
        .options(selectinload(Document.versions))
    ).all()
    purged = [str(d.id) for d in doomed]
    if dry_run or not doomed:
        return purged
    keys = [v.storage_key for d in doomed for v in d.versions]
    for d in doomed:
        session.delete(d)
    audit.record("document.purged", tenant_id=tenant.id, target=f"{len(doomed)} documents", session=session)
    session.commit()
    for key in keys:  # rows first: an object without a row is found and removed by `check --fix`
        forget_object(key)
    return purged


@dataclass
class CheckReport:
    village: str
    rows: int = 0
    objects: int = 0
    missing_objects: list[str] = field(default_factory=list)  # rows whose object is gone
    orphan_objects: list[str] = field(default_factory=list)  # objects no row points at
    fixed: bool = False

    @property
    def clean(self) -> bool:
        return not self.missing_objects and not self.orphan_objects


def _recent(key: str) -> bool:
    grace = timedelta(seconds=current_app.config.get("DOCUMENT_ORPHAN_GRACE_SECONDS", 600))
    if not grace:
        return False
    try:
        modified = storage().stat(key).modified
    except ObjectMissing:
        return True  # gone already
    return modified is not None and datetime.now(UTC) - modified < grace


def check(tenant: Tenant, session: Session, *, fix: bool = False) -> CheckReport:
    """Compare a village's rows with its objects; with ``fix``, remove orphans and hide broken docs."""
    report = CheckReport(tenant.slug)
    versions = session.scalars(select(DocumentVersion)).all()
    by_key = {v.storage_key: v for v in versions}
    report.rows = len(versions)
    try:
        keys = set(storage().keys(f"{tenant.code}/"))
    except StorageUnavailable as exc:
        raise Unavailable() from exc
    report.objects = len(keys)
    report.missing_objects = sorted(set(by_key) - keys)
    # An object written in the last minutes may belong to an upload whose row is being committed.
    report.orphan_objects = sorted(k for k in keys - set(by_key) if not _recent(k))
    if fix and not report.clean:
        for key in report.orphan_objects:
            forget_object(key)
        broken = {by_key[key].document_id for key in report.missing_objects}
        for document in session.scalars(select(Document).where(Document.id.in_(broken))):
            if document.deleted_at is None:
                document.deleted_at = datetime.now(UTC)
        audit.record(
            "document.reconciled",
            tenant_id=tenant.id,
            session=session,
            orphans=len(report.orphan_objects),
            missing=len(report.missing_objects),
        )
        session.commit()
        report.fixed = True
    return report
