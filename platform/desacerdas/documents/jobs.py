"""Document reconciliation as a job: ``documents.check`` compares one village's document rows with
the objects in storage (and, with ``fix``, removes objects without a row and hides documents whose
file is gone). ``desa documents check`` runs it village by village in its own process
(``run_inline``); beat queues it for every village once a week (report only).
"""

from __future__ import annotations

import logging
from typing import Any

from celery.schedules import crontab
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..jobs import JobContext, JobFailed, job_kind, submit
from ..jobs.schedule import periodic
from ..models import Document, DocumentVersion, Tenant
from ..services import document_upkeep as upkeep
from ..services import documents as svc
from ..services.i18n import N_
from ..storage import StorageUnavailable

log = logging.getLogger(__name__)

CHECK = "documents.check"
WEEKLY = "desa.documents.check_all"
SHOWN_KEYS = 20  # per side in the result; the counts are always complete
OK, FIXED, PROBLEMS = "ok", "fixed", "problems"
STORAGE_DOWN = N_(
    "The document storage could not be reached; nothing was changed. Run the check again later."
)


def hidden_keys(session: Session, keys: list[str]) -> set[str]:
    """Those of ``keys`` whose document is already hidden (deleted): known, purged after retention."""
    if not keys:
        return set()
    return set(
        session.scalars(
            select(DocumentVersion.storage_key)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.storage_key.in_(keys), Document.deleted_at.is_not(None))
        )
    )


def reconcile(tenant: Tenant, session: Session, *, fix: bool) -> dict[str, Any]:
    """Check (and with ``fix`` repair) one village; the outcome as plain values. Raises
    ``svc.Unavailable`` / ``StorageUnavailable`` when the storage cannot be reached."""
    report = upkeep.check(tenant, session)
    known = hidden_keys(session, report.missing_objects)
    missing = [k for k in report.missing_objects if k not in known]
    broken = remains = bool(missing or report.orphan_objects)
    if fix and broken:
        upkeep.check(tenant, session, fix=True)  # commits the repair
        after = upkeep.check(tenant, session)  # what is left (an object that would not go)
        remains = bool(after.orphan_objects) or bool(
            set(after.missing_objects) - hidden_keys(session, after.missing_objects)
        )
    return {
        "rows": report.rows,
        "objects": report.objects,
        "missing": missing[:SHOWN_KEYS],
        "missing_count": len(missing),
        "orphans": report.orphan_objects[:SHOWN_KEYS],
        "orphan_count": len(report.orphan_objects),
        "known_missing": len(known),
        "fix": fix,
        "status": OK if not broken else (PROBLEMS if remains else FIXED),
    }


def summary(result: dict[str, Any]) -> list[tuple[str, Any]]:
    """The check's result in words for the job page (the weekly report)."""
    status = {
        OK: _("Every document has its file, and every file its document."),
        FIXED: _("Problems were found and repaired."),
        PROBLEMS: _("Problems were found; run the check with repair to fix them."),
    }
    lines: list[tuple[str, Any]] = [
        (_("Outcome"), status.get(result.get("status"), "")),
        (_("Documents checked"), int(result.get("rows") or 0)),
        (_("Files in storage"), int(result.get("objects") or 0)),
        (_("Documents whose file is missing"), int(result.get("missing_count") or 0)),
        (_("Files without a document"), int(result.get("orphan_count") or 0)),
        (_("Deleted documents whose file is gone"), int(result.get("known_missing") or 0)),
    ]
    return lines


@job_kind(
    CHECK,
    title=_l("Check documents against storage"),
    retry_safe=True,  # the check again after a repair finds less to do: it cannot repair twice
    permission="documents.manage",
    all_or_nothing=False,  # a repair (``fix``) changes storage and commits on its way
    summary=summary,
)
def check_job(ctx: JobContext) -> dict[str, Any]:
    """Params: ``fix`` (default false). The storage being down fails the job, changing nothing."""
    ctx.progress(0, 1, "checking")
    try:
        result = reconcile(ctx.tenant, ctx.session, fix=bool(ctx.params.get("fix")))
    except (svc.Unavailable, StorageUnavailable):
        raise JobFailed(STORAGE_DOWN) from None
    ctx.progress(1, 1)
    return result


@periodic(WEEKLY, crontab(day_of_week="sun", hour=2, minute=30))
def check_every_village() -> int:
    """Once a week: a report-only ``documents.check`` job per village (its page shows what is wrong;
    ``desa documents check --fix`` repairs). Archived villages too: their files are still stored."""
    tenants = list(db.session.scalars(select(Tenant).order_by(Tenant.code)))
    started = 0
    for tenant in tenants:
        try:
            submit(None, tenant, CHECK, {"fix": False}, None)
            started += 1
        except Exception:  # noqa: BLE001 - one village must not stop the others
            log.exception("weekly document check not queued for %s", tenant.slug)
    return started
