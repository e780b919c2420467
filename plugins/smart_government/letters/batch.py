"""A batch of issued letters' PDFs as one ZIP document, made by a job
(``smart_government.letters_pdf_batch``): staff choose letters on the queue page, the job page
links the ZIP. Only letters the starter may see are packed (a hamlet head: their hamlet's); the
PDFs are the stored ones, byte for byte (the SHA-256 on each verification page still matches).
"""

from __future__ import annotations

import re
import tempfile
import uuid
import zipfile
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from desacerdas.jobs import JobContext, JobFailed, job_kind, output, submit
from desacerdas.kit.verification import stored_version
from desacerdas.models import Job, Tenant, User
from desacerdas.services import documents
from desacerdas.services.i18n import N_, _

from ..permissions import LETTERS_VIEW
from . import issuing
from .models import Letter

BATCH = "smart_government.letters_pdf_batch"
BATCH_OBJECT = "letters-batch"  # the object_id of the ZIP documents
MAX_LETTERS = 500
NONE_CHOSEN = N_("Choose at least one issued letter.")
NONE_FOUND = N_("None of the chosen letters can be found.")


def _ids(values: list[Any]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return list(dict.fromkeys(found))[:MAX_LETTERS]


def letters_of_requests(
    session: Session, tenant: Tenant, user: User, request_ids: list[Any]
) -> list[uuid.UUID]:
    """The issued letters of the chosen requests that ``user`` may see."""
    ids = _ids(request_ids)
    if not ids:
        return []
    stmt = issuing.letters_query(session, tenant, user).where(Letter.request_id.in_(ids))
    return [letter.id for letter in session.scalars(stmt)]


def start(session: Session, tenant: Tenant, user: User, letter_ids: list[Any]) -> Job:
    """Submit the batch job for ``letter_ids`` (commits ``session``)."""
    return submit(session, tenant, BATCH, {"letters": [str(i) for i in _ids(letter_ids)]}, user)


def _member_name(letter: Letter) -> str:
    number = re.sub(r"[^A-Za-z0-9._-]+", "-", letter.number).strip("-") or str(letter.id)
    return f"{number}.pdf"


@job_kind(
    BATCH,
    title=_l("Letters as one ZIP file"),
    retry_safe=True,  # a retry finds the ZIP an earlier attempt stored (jobs.output)
    permission=LETTERS_VIEW,
    all_or_nothing=False,
)
def pdf_batch(ctx: JobContext) -> dict[str, Any]:
    """Params: ``letters`` (ids). Letters the starter may not see, or unknown ids, are left out."""
    ids = _ids(ctx.params.get("letters") or [])
    if ctx.user is None or not ids:
        raise JobFailed(NONE_CHOSEN)
    session, tenant = ctx.session, ctx.tenant
    stmt = issuing.letters_query(session, tenant, ctx.user).where(Letter.id.in_(ids))
    letters = list(session.scalars(stmt.order_by(None).order_by(Letter.issued_at, Letter.number)))
    if not letters:
        raise JobFailed(NONE_FOUND)
    name = f"letters-{tenant.slug}-{date.today().isoformat()}.zip"
    earlier = output.stored_output(ctx)
    if earlier is not None:  # a retry: the first attempt stored the ZIP before its worker stopped
        ctx.attach(earlier)
        ctx.output_kept = True
        return {"letters": len(letters), "document_id": str(earlier.id), "filename": name}
    ctx.progress(0, len(letters), "packing")
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as out:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for n, letter in enumerate(letters, 1):
                ctx.check_cancelled()
                data = b"".join(documents.open_version(stored_version(session, letter)))
                archive.writestr(_member_name(letter), data)
                ctx.progress(n, len(letters), "packing")
        out.seek(0)
        document = output.store_output(  # commits the document (and the audit event)
            ctx,
            out,
            name,
            title=_("%(count)s letters, %(date)s", count=len(letters), date=date.today().isoformat()),
            kind="archive",
            plugin="smart_government",
            object_id=BATCH_OBJECT,
            event="letter.batch_downloaded",
            target=f"job:{ctx.job.id}",
            letters=len(letters),
        )
    return {"letters": len(letters), "document_id": str(document.id), "filename": name}


__all__ = ["BATCH", "letters_of_requests", "pdf_batch", "start"]
