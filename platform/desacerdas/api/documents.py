"""``/api/v1/desa/<slug>/documents``: a village's documents (files with versions) in the API.

Access follows the documents service (``services/documents.py``): staff of the village see every
document within their role, anyone else in the village sees their own documents and the public ones.

- A document the caller may not read answers **404**, exactly like an id that does not exist or
  belongs to another village: nothing tells the caller that it exists.
- A document the caller may read but not change (a facilitator's read-only access, a resident and a
  public notice) answers **403** to ``POST …/versions`` and ``DELETE``.
- Uploads are ``multipart/form-data``: the fields ``title``, ``kind``, ``visibility`` and the file
  part ``file``. Form fields and the file are validated by one schema (422 with ``details.form``).
  The file is spooled and hashed by the service while it is read: memory stays flat.
- Downloads are streamed with ``ETag`` (the SHA-256), conditional requests (304) and ranges (206);
  with ``DESA_STORAGE_PRESIGN`` and S3 storage they answer 302 to a presigned URL valid for a minute,
  made only after the app has found the document in this village and checked the caller may read it.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_smorest.fields import Upload
from flask_smorest.pagination import PaginationParameters
from marshmallow import fields, validate
from sqlalchemy import and_, not_, or_
from sqlalchemy.orm import selectinload
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from ..auth.permissions import can
from ..models import Document, DocumentVersion, Tenant, User, Visibility
from ..services import NotFound
from ..services import documents as service
from ..services.i18n import _
from ..services.personal_data import needs_masking
from ..web.downloads import send_version
from ..web.tenant import current_tenant
from .pagination import PAGINATION, page_of
from .schemas import QuerySchema, UtcDateTime, _Enum
from .security import ApiError, api_user, require, village_blueprint

blp = village_blueprint(
    "Documents",
    __name__,
    "A village's documents: upload, versions, download (streamed, ranges, presigned URLs), delete.",
)

VISIBILITIES = [v.value for v in Visibility]


class FormAndFilesParser(FlaskParser):
    """``location="form"`` reads the form fields *and* the file parts of a multipart request.

    flask-smorest documents one request body per operation; reading both from one location lets a
    single schema validate the whole upload and document it as one ``multipart/form-data`` body.
    """

    def load_form(self, req, schema):  # noqa: ANN001, ANN201
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


blp.ARGUMENTS_PARSER = FormAndFilesParser()


# -- schemas ---------------------------------------------------------------------------------------


class FileField(Upload):
    """The uploaded file part; a plain form value (no file name) is refused with 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage) or not value.filename:
            raise ma.ValidationError(_("Send the file as a file part of a multipart/form-data request."))
        return value


class DocumentVersionSchema(ma.Schema):
    number = fields.Int(metadata={"description": "1 for the first upload, then 2, 3 …"})
    filename = fields.Str(
        metadata={"description": "Sanitised name, ending in the detected type's extension."}
    )
    content_type = fields.Str(metadata={"description": "Decided by the content (magic bytes)."})
    size = fields.Int(metadata={"description": "Bytes."})
    sha256 = fields.Str(metadata={"description": "Hex SHA-256 of the bytes; also the download's ETag."})
    uploaded_by = fields.Int(allow_none=True)
    created_at = UtcDateTime()
    download_url = fields.Method("_download_url", metadata={"description": "Download this version."})

    def _download_url(self, v: DocumentVersion) -> str:
        return url_for("Documents.DocumentDownload", document_id=v.document_id, version=v.number)


class DocumentLinksSchema(ma.Schema):
    self = fields.Str()
    download = fields.Str(metadata={"description": "The current version's bytes."})
    versions = fields.Str(metadata={"description": "POST a new file here."})


class DocumentSchema(ma.Schema):
    id = fields.UUID(metadata={"description": "Random, not guessable."})
    title = fields.Str()
    kind = fields.Str(metadata={"description": "See `GET …/documents/kinds`."})
    visibility = _Enum(metadata={"enum": VISIBILITIES})
    plugin = fields.Str(metadata={"description": "Who owns it: `core` or a plugin's name."})
    object_id = fields.Str(allow_none=True, metadata={"description": "The plugin's object it belongs to."})
    owner_id = fields.Int(allow_none=True)
    uploaded_by = fields.Int(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    current_version = fields.Nested(DocumentVersionSchema, attribute="current")
    links = fields.Nested(DocumentLinksSchema)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "links":
            return {
                "self": url_for("Documents.DocumentItem", document_id=obj.id),
                "download": url_for("Documents.DocumentDownload", document_id=obj.id),
                "versions": url_for("Documents.DocumentVersions", document_id=obj.id),
            }
        return super().get_attribute(obj, attr, default)


class DocumentDetailSchema(DocumentSchema):
    versions = fields.List(fields.Nested(DocumentVersionSchema), metadata={"description": "Oldest first."})


class DocumentQuerySchema(QuerySchema):
    kind = fields.Str(validate=validate.Length(max=60))
    q = fields.Str(validate=validate.Length(max=200), metadata={"description": "Part of the title."})
    plugin = fields.Str(validate=validate.Length(max=60), metadata={"description": "`core` or a plugin."})
    object_id = fields.Str(validate=validate.Length(max=80), metadata={"description": "A plugin's object."})


def _known_kind(value: str) -> None:
    kinds = service.kinds_for(current_tenant())
    if value not in kinds:
        raise ma.ValidationError(
            _("Unknown document kind %(kind)s. Known: %(known)s.", kind=value, known=", ".join(sorted(kinds)))
        )


def _title(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError(_("A document needs a title."))


class DocumentUploadSchema(ma.Schema):
    """A new document: the form fields and the file, in one ``multipart/form-data`` request."""

    title = fields.Str(required=True, validate=[validate.Length(min=1, max=200), _title])
    kind = fields.Str(
        load_default="general",
        validate=_known_kind,
        metadata={"description": "One of the village's kinds (`GET …/documents/kinds`); default `general`."},
    )
    visibility = fields.Str(
        validate=validate.OneOf(VISIBILITIES),
        metadata={
            "description": "`staff`, `owner` or `public`. Default: `staff` for village staff, `owner` "
            "for everyone else, who may only choose `owner`."
        },
    )
    file = FileField(required=True, metadata={"description": "The file; its type is decided by its content."})


class DocumentNewVersionSchema(ma.Schema):
    file = FileField(required=True, metadata={"description": "The new file; older versions stay readable."})


class DocumentDownloadQuerySchema(QuerySchema):
    version = fields.Int(
        validate=validate.Range(min=1), metadata={"description": "A version number; default the current."}
    )


class DocumentKindSchema(ma.Schema):
    key = fields.Str()
    label = fields.Str(metadata={"description": "In the request's language."})
    content_types = fields.List(fields.Str(), metadata={"description": "Accepted types (by content)."})


# -- helpers ---------------------------------------------------------------------------------------


def _not_found() -> ApiError:
    return ApiError(404, _("No such document."), "not_found")


# Documents with residents' personal data (KTP/KK scans, a registration selfie, issued letters): a
# regency admin or a facilitator (masked viewers) neither list nor download them (issue 11).
PERSONAL_KINDS = frozenset({"identity", "letter"})
PERSONAL_PLUGIN_KINDS = frozenset({("smart_government", "photo")})


def is_personal(document: Document) -> bool:
    return document.kind in PERSONAL_KINDS or (document.plugin, document.kind) in PERSONAL_PLUGIN_KINDS


def personal_refused(user: User | None, tenant: Tenant, document: Document) -> bool:
    """Whether ``user`` is refused ``document`` as personal data (their own uploads stay theirs)."""
    if not is_personal(document) or not needs_masking(user, tenant):
        return False
    return user is None or document.uploaded_by != user.id


def personal_clause(user: User | None, tenant: Tenant) -> Any:
    """A where clause keeping personal documents out of a masked viewer's list (``None``: no filter)."""
    if not needs_masking(user, tenant):
        return None
    personal = or_(
        Document.kind.in_(PERSONAL_KINDS),
        *(and_(Document.plugin == p, Document.kind == k) for p, k in PERSONAL_PLUGIN_KINDS),
    )
    return or_(not_(personal), Document.uploaded_by == user.id)


def personal_forbidden() -> ApiError:
    return ApiError(
        403,
        _("This document holds a resident's personal data; your role sees it only masked."),
        "personal_data",
    )


def _readable(document_id: uuid.UUID) -> tuple[Tenant, User, Document]:
    """The document if it is in this village and the caller may read it; otherwise 404."""
    tenant, user = current_tenant(), api_user()
    try:
        document = service.get(document_id)
    except NotFound:
        raise _not_found() from None
    if not service.readable_by(user, tenant, document):
        raise _not_found()  # the same answer as for an id that does not exist
    if personal_refused(user, tenant, document):
        raise personal_forbidden()
    return tenant, user, document


def _writable(document_id: uuid.UUID) -> tuple[Tenant, User, Document]:
    tenant, user, document = _readable(document_id)
    if not service.writable_by(user, tenant, document):
        raise ApiError(403, _("You may read this document but not change it."), "forbidden")
    return tenant, user, document


def _visibility(user: User, tenant: Tenant, asked: str | None) -> Visibility:
    if can(user, "documents.manage", tenant):
        return Visibility(asked or Visibility.STAFF)
    if asked not in (None, Visibility.OWNER.value):
        raise ApiError(
            403,
            _("Only village staff may upload documents for staff only or for the public."),
            "visibility_not_allowed",
        )
    return Visibility.OWNER


_DOWNLOAD_RESPONSES = {
    "200": {
        "description": "The bytes, streamed; `ETag` is the SHA-256, `Accept-Ranges: bytes`.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "206": {"description": "A `Range` request: the part asked for, with `Content-Range`."},
    "302": {
        "description": "With `DESA_STORAGE_PRESIGN` and S3 storage: `Location` is a presigned URL "
        "valid for 60 seconds."
    },
    "304": {"description": "`If-None-Match` matched the ETag."},
    "404": {"description": "No such document or version here, or not readable by the caller."},
    "416": {"description": "The range is outside the file."},
    "503": {"description": "Document storage is unavailable (`storage_unavailable`)."},
}
_UPLOAD_ERRORS = (
    (413, "`too_large` (over `DESA_DOCUMENT_MAX_MB`) or `quota_exceeded` (the village's quota)."),
    (415, "`unsupported_type`: the content is not an accepted type; the message names what it is."),
    (503, "`storage_unavailable`: nothing was saved."),
)


def _upload_errors(forbidden: str):  # noqa: ANN202
    def decorate(func):  # noqa: ANN001, ANN202
        for status, description in ((403, forbidden), *_UPLOAD_ERRORS):
            func = blp.alt_response(status, description=description)(func)
        return func

    return decorate


# -- routes ----------------------------------------------------------------------------------------


@blp.route("/documents")
class Documents(MethodView):
    @blp.arguments(DocumentQuerySchema, location="query")
    @blp.response(200, DocumentSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[Document]:
        """The documents the caller may see here, most recently changed first. Paginated.

        Staff (and facilitators, read-only) see every document; everyone else their own and the
        public ones. Filters: ``kind``, ``q`` (part of the title), ``plugin``, ``object_id``.
        """
        user, tenant = api_user(), current_tenant()
        stmt = service.visible_query(
            user,
            tenant,
            kind=args.get("kind"),
            q=args.get("q"),
            plugin=args.get("plugin"),
            object_id=args.get("object_id"),
        ).options(selectinload(Document.versions))
        personal = personal_clause(user, tenant)
        if personal is not None:
            stmt = stmt.where(personal)
        return page_of(stmt, pagination_parameters)

    @blp.arguments(DocumentUploadSchema, location="form", content_type="multipart/form-data", required=True)
    @blp.response(201, DocumentSchema)
    @_upload_errors(
        "No `documents.upload` here, or a visibility only staff may choose (`visibility_not_allowed`)."
    )
    def post(self, data: dict) -> tuple[Document, int, dict[str, str]]:
        """Upload a new document (``documents.upload``): ``multipart/form-data`` with ``file``.

        The type is decided by the content, not the name, and must be one the kind accepts.
        Residents' uploads are visible to themselves and the village staff (``owner``).
        """
        tenant = current_tenant()
        user = require("documents.upload", tenant)
        upload: FileStorage = data["file"]
        document = service.store(
            tenant,
            service.NewFile(upload.stream, upload.filename),
            title=data["title"],
            kind=data["kind"],
            visibility=_visibility(user, tenant, data.get("visibility")),
            owner=user,
            actor=user,
        )
        location = url_for("Documents.DocumentItem", document_id=document.id)
        return document, 201, {"Location": location}


@blp.route("/documents/kinds")
class DocumentKinds(MethodView):
    @blp.response(200, DocumentKindSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The document kinds of this village (the core's and its enabled plugins'), with accepted types."""
        kinds = service.kinds_for(current_tenant())
        return [
            {"key": k.key, "label": k.label, "content_types": sorted(service.allowed_types(k))}
            for k in sorted(kinds.values(), key=lambda k: k.key)
        ]


@blp.route("/documents/<uuid:document_id>")
class DocumentItem(MethodView):
    @blp.response(200, DocumentDetailSchema)
    @blp.alt_response(404, description="No such document here, or not readable by the caller.")
    def get(self, document_id: uuid.UUID) -> Document:
        """One document with all its versions."""
        return _readable(document_id)[2]

    @blp.response(204)
    @blp.alt_response(403, description="Readable by the caller but not theirs to delete.")
    @blp.alt_response(404, description="No such document here, or not readable by the caller.")
    def delete(self, document_id: uuid.UUID) -> None:
        """Delete a document: hidden now, its files purged after the retention period."""
        tenant, user, document = _writable(document_id)
        service.soft_delete(tenant, document, actor=user)


@blp.route("/documents/<uuid:document_id>/versions")
class DocumentVersions(MethodView):
    @blp.arguments(
        DocumentNewVersionSchema, location="form", content_type="multipart/form-data", required=True
    )
    @blp.response(201, DocumentDetailSchema)
    @_upload_errors("Readable by the caller but not theirs to change.")
    @blp.alt_response(404, description="No such document here, or not readable by the caller.")
    def post(self, data: dict, document_id: uuid.UUID) -> tuple[Document, int]:
        """Upload a new file to a document; it becomes the current version, older ones stay readable."""
        tenant, user, document = _writable(document_id)
        upload: FileStorage = data["file"]
        service.add_version(tenant, document, service.NewFile(upload.stream, upload.filename), actor=user)
        return document, 201


@blp.route("/documents/<uuid:document_id>/download")
class DocumentDownload(MethodView):
    @blp.arguments(DocumentDownloadQuerySchema, location="query")
    @blp.doc(responses=_DOWNLOAD_RESPONSES)
    def get(self, args: dict, document_id: uuid.UUID):  # noqa: ANN201
        """Download the current version, or ``?version=N``.

        Streamed with ``ETag``, ``If-None-Match`` (304), ``Range``/``If-Range`` (206) and a safe
        ``Content-Disposition``. With presigned downloads enabled on S3 storage: 302 to the storage.
        """
        _tenant, _user, document = _readable(document_id)
        try:
            wanted = service.version(document, args.get("version"))
        except NotFound:
            raise ApiError(
                404, _("This document has no version %(number)s.", number=args["version"]), "not_found"
            ) from None
        return send_version(wanted, document.visibility)
