"""``/api/v1/desa/<slug>/terms``: the village's local terms and letterhead, read and changed.

Reading needs ``village.dashboard.view`` (any staff of the village); changing needs
``village.profile.manage``. A village outside the caller's roles answers 404 (the village
blueprint's preprocessor), a missing permission 403.

``POST …/terms/logo`` uploads the letterhead logo (``multipart/form-data``, the file part ``logo``)
with the terms page's own checks (``terms_views.store_logo``: PNG or JPEG, the upload size limit,
the pixel limit, resized to fit the letterhead, stored as a staff document of the village);
``DELETE …/terms/logo`` removes it from the letterhead. Both answer with the terms.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from werkzeug.datastructures import FileStorage

from ..api.documents import FileField  # a file part, or 422 in words
from ..api.security import require, village_blueprint
from ..models import Tenant
from ..web.tenant import current_tenant
from . import terms
from .terms_views import store_logo

blp = village_blueprint(
    "VillageTerms", __name__, "A village's local terms (perbekel, banjar dinas…) and its letterhead."
)


class TermsValuesSchema(ma.Schema):
    village_head = ma.fields.String(metadata={"example": "Perbekel"})
    hamlet = ma.fields.String(metadata={"example": "Banjar Dinas"})
    hamlet_head = ma.fields.String(metadata={"example": "Kelian Banjar Dinas"})
    office_name = ma.fields.String(metadata={"example": "DESA MENANGA"})
    office_address = ma.fields.String(
        metadata={"example": "Menanga, Kecamatan Rendang, Kabupaten Karangasem"}
    )
    letter_place = ma.fields.String(metadata={"example": "Menanga"})
    logo_document_id = ma.fields.UUID(allow_none=True)


class LetterheadSchema(ma.Schema):
    lines = ma.fields.List(
        ma.fields.String(),
        metadata={
            "description": "The three centred lines of the kop surat.",
            "example": ["PEMERINTAH KABUPATEN KARANGASEM", "KECAMATAN RENDANG", "DESA MENANGA"],
        },
    )
    address = ma.fields.String()
    place = ma.fields.String(metadata={"description": "Written before the date under a letter."})
    logo_document_id = ma.fields.UUID(allow_none=True)


class VillageTermsSchema(ma.Schema):
    village = ma.fields.String(metadata={"description": "Desa or Kelurahan.", "example": "Desa"})
    values = ma.fields.Nested(TermsValuesSchema, metadata={"description": "What pages and paper use."})
    own = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Only what the village set itself; every other field is its default."},
    )
    defaults = ma.fields.Nested(TermsValuesSchema, metadata={"description": "This village's defaults."})
    letterhead = ma.fields.Nested(LetterheadSchema)


class LogoUploadSchema(ma.Schema):
    logo = FileField(
        required=True,
        metadata={"description": "A PNG or JPEG picture; it is resized to fit the letterhead."},
    )


def _body(tenant: Tenant) -> dict[str, Any]:
    head = terms.letterhead_for(tenant)
    return {
        "village": terms.terms_for(tenant).village,
        "values": terms.values_for(tenant),
        "own": terms.own_values(tenant),
        "defaults": terms.defaults_for(tenant),
        "letterhead": {
            "lines": list(head.lines()),
            "address": head.address,
            "place": head.place,
            "logo_document_id": head.logo_document_id,
        },
    }


@blp.route("/terms")
class VillageTerms(MethodView):
    @blp.response(200, VillageTermsSchema)
    def get(self) -> dict[str, Any]:
        """The village's terms and letterhead: the values in use, its own, its defaults."""
        tenant = current_tenant()
        require(terms.VIEW, tenant)
        return _body(tenant)

    @blp.arguments(terms.TermsChangeSchema)
    @blp.response(200, VillageTermsSchema)
    @blp.alt_response(400, description="The logo is not a photo document of this village.")
    def patch(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some fields (``village.profile.manage``); ``null`` returns a field to its default.

        A value equal to the default is not stored: the field keeps following the default."""
        tenant = current_tenant()
        user = require(terms.MANAGE, tenant)
        terms.update(tenant, changes, actor=user)
        return _body(tenant)


@blp.route("/terms/logo")
class VillageTermsLogo(MethodView):
    @blp.arguments(LogoUploadSchema, location="files")
    @blp.response(200, VillageTermsSchema)
    @blp.alt_response(
        400,
        description="`invalid_logo`: not a PNG or JPEG picture that opens; "
        "`image_too_large`: more pixels than the letterhead logo may have.",
    )
    @blp.alt_response(
        413, description="`logo_too_large`: larger than the upload limit (`DESA_DOCUMENT_MAX_MB`)."
    )
    @blp.alt_response(503, description="`storage_unavailable`: document storage is down; nothing was saved.")
    @blp.alt_response(403, description="`forbidden`: the caller may not change the village's letterhead.")
    @blp.alt_response(404, description="`not_found`: no such village, or none the caller holds a role in.")
    def post(self, upload: dict[str, Any]) -> dict[str, Any]:
        """Upload the letterhead logo (``village.profile.manage``), replacing the one before.

        The same checks as the terms page: a PNG or JPEG within the upload and pixel limits, resized
        to fit the letterhead, without metadata, stored as a staff document of the village
        (``letterhead.logo_document_id`` in the answer)."""
        tenant = current_tenant()
        user = require(terms.MANAGE, tenant)
        file: FileStorage = upload["logo"]
        logo_id = store_logo(tenant, file.stream, file.filename, user)
        terms.update(tenant, {"logo_document_id": logo_id}, actor=user)
        return _body(tenant)

    @blp.response(200, VillageTermsSchema)
    @blp.alt_response(403, description="`forbidden`: the caller may not change the village's letterhead.")
    @blp.alt_response(404, description="`not_found`: no such village, or none the caller holds a role in.")
    def delete(self) -> dict[str, Any]:
        """Take the logo off the letterhead (``village.profile.manage``); the document itself stays
        in the village's documents. Without a logo this changes nothing."""
        tenant = current_tenant()
        user = require(terms.MANAGE, tenant)
        terms.update(tenant, {"logo_document_id": None}, actor=user)
        return _body(tenant)
