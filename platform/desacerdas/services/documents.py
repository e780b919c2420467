"""Documents: the one place that writes a village's files and their rows.

A document row exists only if its object exists: the object is written first, the row is
committed second, and if the commit fails the object is removed. Uploads are spooled to a
temporary file (memory stays flat) while their SHA-256 is computed and their size limited; the type
is decided by the content before anything reaches storage.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.utils import secure_filename

from ..auth.permissions import can
from ..extensions import db
from ..models import Document, DocumentVersion, Tenant, User, Visibility
from ..plugin_system.state import enabled_for, plugins
from ..plugin_system.types import DocumentKind
from ..storage import ObjectMissing, StorageError, StorageUnavailable, storage
from ..storage.s3 import PART_SIZE
from ..web.formatting import format_figure
from . import NotFound, ServiceError, audit, document_restrictions
from .filetypes import DEFAULT_ALLOWED, HEAD_BYTES, FileType, describe, detect, extension_of
from .i18n import _

SPOOL_IN_MEMORY = 1024 * 1024
CHUNK = 256 * 1024


class TooLarge(ServiceError):
    def __init__(self, message: str, code: str = "too_large") -> None:
        super().__init__(message, code, 413)


class UnsupportedType(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "unsupported_type", 415)


class Unavailable(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            _("Document storage is not available right now; nothing was saved. Please try again later."),
            "storage_unavailable",
            503,
        )


@dataclass
class Spooled:
    """An upload copied to a temporary file, measured and hashed on the way."""

    file: BinaryIO
    size: int
    sha256: str
    md5: str  # the ETag of a single-part S3 upload
    multipart_etag: str  # the ETag S3 gives an upload in PART_SIZE parts
    head: bytes

    def expected_etag(self) -> str:
        return self.md5 if self.size <= PART_SIZE else self.multipart_etag


def spool(stream: BinaryIO, limit: int) -> Spooled:
    """Copy ``stream`` to a temporary file (in memory up to 1 MiB), refusing more than ``limit`` bytes."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed to the caller
    sha, md5, size, head = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0, b""
    part, part_size, part_digests = hashlib.md5(usedforsecurity=False), 0, []
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            out.close()
            raise TooLarge(
                _("The file is larger than the limit of %(mb)s MB.", mb=format_figure(limit / 1024 / 1024))
            )
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        sha.update(chunk)
        md5.update(chunk)
        rest = chunk
        while rest:
            take = rest[: PART_SIZE - part_size]
            part.update(take)
            part_size += len(take)
            rest = rest[len(take) :]
            if part_size == PART_SIZE:
                part_digests.append(part.digest())
                part, part_size = hashlib.md5(usedforsecurity=False), 0
        out.write(chunk)
    if part_size:
        part_digests.append(part.digest())
    multipart = (
        f"{hashlib.md5(b''.join(part_digests), usedforsecurity=False).hexdigest()}-{len(part_digests)}"
    )
    out.seek(0)
    return Spooled(out, size, sha.hexdigest(), md5.hexdigest(), multipart, head)


# -- kinds and types ------------------------------------------------------------------------------


def kinds_for(tenant: Tenant) -> dict[str, DocumentKind]:
    """Document kinds usable in a village: the core's and those of its enabled plugins."""
    groups = plugins().hook_for(enabled_for(tenant.id)).desa_document_kinds()
    return {k.key: k for group in groups for k in group or []}


def allowed_types(kind: DocumentKind) -> frozenset[str]:
    return frozenset(kind.content_types) or DEFAULT_ALLOWED


def check_type(spooled: Spooled, kind: DocumentKind) -> FileType:
    found = detect(spooled.head, spooled.file)
    spooled.file.seek(0)
    if spooled.size == 0:
        raise UnsupportedType(_("The file is empty."))
    allowed = allowed_types(kind)
    if found is None or found.mime not in allowed:
        detected = found.mime if found else describe(spooled.head)
        raise UnsupportedType(
            _(
                "This kind of file is not accepted here (detected: %(detected)s). Accepted: %(allowed)s.",
                detected=detected,
                allowed=", ".join(sorted(extension_of(t) for t in allowed)),
            )
        )
    return found


def safe_filename(name: str | None, filetype: FileType) -> str:
    """An ASCII file name for Content-Disposition, ending in the detected type's extension."""
    name = unicodedata.normalize("NFKC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = secure_filename(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name))[:100] or "document"
    return f"{stem}.{filetype.extension}"


# -- limits ---------------------------------------------------------------------------------------


def max_bytes() -> int:
    return current_app.config["DOCUMENT_MAX_BYTES"]


def quota_bytes(tenant: Tenant) -> int:
    return int(
        (tenant.profile or {}).get("document_quota_bytes") or current_app.config["DOCUMENT_QUOTA_BYTES"]
    )


def used_bytes(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.sum(DocumentVersion.size), 0))) or 0


# -- writing --------------------------------------------------------------------------------------


def _key(tenant: Tenant, plugin: str, document_id: uuid.UUID, number: int) -> str:
    return f"{tenant.code}/{plugin}/{document_id}/v{number}-{uuid.uuid4().hex[:8]}"


def _put(key: str, spooled: Spooled, content_type: str) -> None:
    """Write the object and check that what is stored is what was sent."""
    store = storage()
    try:
        info = store.put(key, spooled.file, spooled.size, content_type)
        stored = store.stat(key)
    except StorageUnavailable as exc:
        current_app.logger.error("storage unavailable while writing %s: %s", key, exc)
        forget_object(key)
        raise Unavailable() from exc
    if stored.size != spooled.size or (info.etag and info.etag != spooled.expected_etag()):
        forget_object(key)
        raise StorageError(f"integrity check failed for {key}: stored {stored.size} bytes, etag {info.etag}")


def forget_object(key: str) -> None:
    """Remove an object, logging (not raising) a failure: reconciliation cleans up later."""
    try:
        storage().delete(key)
    except StorageError as exc:  # left for `desa documents check --fix`
        current_app.logger.error("could not remove object %s: %s", key, exc)


@dataclass
class NewFile:
    stream: BinaryIO
    filename: str | None = None


@dataclass
class NewDocument:
    """One new document for :func:`store_all`: the file and what :func:`store` takes with it."""

    upload: NewFile
    title: str
    kind: str = "general"
    plugin: str = "core"
    object_id: str | None = None
    owner: User | None = None
    visibility: Visibility = Visibility.STAFF
    document_id: uuid.UUID | None = None


def _prepare(
    tenant: Tenant, session: Session, kind: DocumentKind, upload: NewFile, also: int = 0
) -> tuple[Spooled, FileType, str]:
    """Spool and check one file; ``also`` counts bytes of the same batch against the quota."""
    spooled = spool(upload.stream, max_bytes())
    try:
        filetype = check_type(spooled, kind)
        if used_bytes(session) + also + spooled.size > quota_bytes(tenant):
            raise TooLarge(_("This village has used up its storage space for documents."), "quota_exceeded")
    except ServiceError:
        spooled.file.close()
        raise
    return spooled, filetype, safe_filename(upload.filename, filetype)


def _put_version(session, tenant, document, number, spooled, filetype, filename, actor) -> str:  # noqa: ANN001
    """Write the object, then attach its (uncommitted) version row; returns the storage key."""
    key = _key(tenant, document.plugin, document.id, number)
    _put(key, spooled, filetype.mime)
    document.versions.append(
        DocumentVersion(
            document_id=document.id,
            number=number,
            filename=filename,
            content_type=filetype.mime,
            size=spooled.size,
            sha256=spooled.sha256,
            storage_key=key,
            uploaded_by=actor.id if actor else None,
        )
    )
    document.current_version = number
    return key


def _commit_or_forget(session: Session, write: Callable[[list[str]], None]) -> None:
    """Run ``write`` (which writes objects and records their keys), then commit; on any failure
    roll back and remove the objects already written: no row without its object, and no object
    without its row."""
    keys: list[str] = []
    try:
        write(keys)
        session.commit()
    except BaseException:
        session.rollback()  # the pending rows must not be committed later by the caller
        for key in keys:
            forget_object(key)
        raise


def store(
    tenant: Tenant,
    upload: NewFile,
    *,
    title: str,
    kind: str = "general",
    plugin: str = "core",
    object_id: str | None = None,
    owner: User | None = None,
    visibility: Visibility = Visibility.STAFF,
    actor: User | None = None,
    session: Session | None = None,
    document_id: uuid.UUID | None = None,
) -> Document:
    """Store a new document (version 1). Plugins call this to keep generated files (letters…).

    ``session`` must be bound to ``tenant`` (a request's ``db.session`` on a village page is); it is
    committed here, because the row may only exist together with its object. Whatever else the
    caller added to the session commits with it: a plugin that gives ``document_id`` can point its
    own row at the document beforehand and have both land together or not at all.
    """
    item = NewDocument(upload, title, kind, plugin, object_id, owner, visibility, document_id)
    return store_all(tenant, [item], actor=actor, session=session)[0]


def store_all(
    tenant: Tenant, items: Sequence[NewDocument], *, actor: User | None = None, session: Session | None = None
) -> list[Document]:
    """Store several new documents and commit them in one transaction, together with whatever
    else the caller added to the session: all of them or none.

    Every file is checked (kind, title, type, size, and the village's quota for the whole lot)
    before anything is written; then every object is written, then one commit.
    """
    s = session or db.session
    kinds = kinds_for(tenant)
    prepared: list[tuple[NewDocument, str, Spooled, FileType, str]] = []
    try:
        batch = 0
        for item in items:
            if item.kind not in kinds:
                raise ServiceError(_("Unknown document kind %(kind)s.", kind=item.kind), "unknown_kind")
            title = (item.title or "").strip()
            if not title:
                raise ServiceError(_("A document needs a title."), "title_required")
            spooled, filetype, filename = _prepare(tenant, s, kinds[item.kind], item.upload, batch)
            prepared.append((item, title, spooled, filetype, filename))
            batch += spooled.size
        documents: list[Document] = []

        def write(keys: list[str]) -> None:
            for item, title, spooled, filetype, filename in prepared:
                owner = item.owner or actor
                document = Document(
                    id=item.document_id or uuid.uuid4(),
                    title=title[:200],
                    kind=item.kind,
                    plugin=item.plugin,
                    object_id=item.object_id,
                    owner_id=owner.id if owner else None,
                    uploaded_by=actor.id if actor else None,
                    visibility=Visibility(item.visibility),
                )
                s.add(document)
                audit.record(
                    "document.created",
                    actor=actor,
                    tenant_id=tenant.id,
                    target=f"document:{document.id}",
                    session=s,
                    kind=item.kind,
                    size=spooled.size,
                )
                keys.append(_put_version(s, tenant, document, 1, spooled, filetype, filename, actor))
                documents.append(document)

        _commit_or_forget(s, write)
    finally:
        for _item, _title, spooled, _type, _name in prepared:
            spooled.file.close()
    return documents


def add_version(
    tenant: Tenant,
    document: Document,
    upload: NewFile,
    *,
    actor: User | None = None,
    session: Session | None = None,
) -> DocumentVersion:
    """Upload a new file to a document; older versions stay readable."""
    s = session or db.session
    kinds = kinds_for(tenant)
    kind = kinds.get(document.kind) or DocumentKind(document.kind, document.kind)
    spooled, filetype, filename = _prepare(tenant, s, kind, upload)
    with spooled.file:
        number = max((v.number for v in document.versions), default=0) + 1
        audit.record(
            "document.versioned",
            actor=actor,
            tenant_id=tenant.id,
            target=f"document:{document.id}",
            session=s,
            version=number,
            size=spooled.size,
        )
        _commit_or_forget(
            s,
            lambda keys: keys.append(
                _put_version(s, tenant, document, number, spooled, filetype, filename, actor)
            ),
        )
        return document.versions[-1]


# -- reading --------------------------------------------------------------------------------------


def get(document_id: uuid.UUID, session: Session | None = None, *, include_deleted: bool = False) -> Document:
    """A document of the session's village (another village's id is simply not found)."""
    s = session or db.session
    document = s.scalar(
        select(Document).where(Document.id == document_id).options(selectinload(Document.versions))
    )
    if document is None or (document.deleted_at is not None and not include_deleted):
        raise NotFound(_("No such document."))
    return document


def is_staff(user: User | None, tenant: Tenant) -> bool:
    return can(user, "documents.view", tenant)


def readable_by(user: User | None, tenant: Tenant, document: Document) -> bool:
    if not document_restrictions.allows(user, tenant, document):
        return False
    if document.visibility == Visibility.PUBLIC:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_staff(user, tenant):
        return True
    return document.visibility == Visibility.OWNER and user.id in (document.owner_id, document.uploaded_by)


def writable_by(user: User | None, tenant: Tenant, document: Document) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if can(user, "documents.manage", tenant):
        return True
    return document.visibility != Visibility.STAFF and user.id in (document.owner_id, document.uploaded_by)


def visible_query(
    user: User | None,
    tenant: Tenant,
    *,
    kind: str | None = None,
    q: str | None = None,
    plugin: str | None = None,
    object_id: str | None = None,
) -> Select:
    """Documents of the village this user may see, newest first, with optional filters."""
    stmt = select(Document).where(
        Document.deleted_at.is_(None), document_restrictions.visible_clause(user, tenant)
    )
    if not is_staff(user, tenant):
        mine = [Document.visibility == Visibility.PUBLIC]
        if user is not None and getattr(user, "is_authenticated", False):
            mine.append(
                (Document.visibility == Visibility.OWNER)
                & or_(Document.owner_id == user.id, Document.uploaded_by == user.id)
            )
        stmt = stmt.where(or_(*mine))
    if kind:
        stmt = stmt.where(Document.kind == kind)
    if q:
        stmt = stmt.where(func.lower(Document.title).contains(q.strip().lower(), autoescape=True))
    if plugin:
        stmt = stmt.where(Document.plugin == plugin)
    if object_id:
        stmt = stmt.where(Document.object_id == object_id)
    return stmt.order_by(Document.updated_at.desc(), Document.id)


def version(document: Document, number: int | None = None) -> DocumentVersion:
    wanted = number or document.current_version
    for v in document.versions:
        if v.number == wanted:
            return v
    raise NotFound(_("No such version."))


def open_version(v: DocumentVersion, offset: int = 0, length: int | None = None) -> Iterable[bytes]:
    try:
        return storage().open(v.storage_key, offset, length)
    except StorageUnavailable as exc:
        raise Unavailable() from exc
    except ObjectMissing:
        current_app.logger.error("document object missing: %s", v.storage_key)
        raise NotFound(_("The file of this document is missing; the village has been told.")) from None


# -- deleting -------------------------------------------------------------------------------------


def soft_delete(
    tenant: Tenant, document: Document, *, actor: User | None = None, session: Session | None = None
) -> None:
    """Hide a document now; its files are purged after the retention period."""
    s = session or db.session
    document.deleted_at = datetime.now(UTC)
    document.deleted_by = actor.id if actor else None
    audit.record(
        "document.deleted", actor=actor, tenant_id=tenant.id, target=f"document:{document.id}", session=s
    )
    s.commit()


def restore(
    tenant: Tenant, document: Document, *, actor: User | None = None, session: Session | None = None
) -> None:
    s = session or db.session
    document.deleted_at = None
    document.deleted_by = None
    audit.record(
        "document.restored", actor=actor, tenant_id=tenant.id, target=f"document:{document.id}", session=s
    )
    s.commit()
