"""The population registry's API, mounted by the platform at ``/api/v1/desa/<slug>/smart_government/``.

Same service and permissions as the pages: ``smart_government.residents.view`` to read,
``smart_government.residents.edit`` to register residents and record civil events; a hamlet head
is limited to their hamlet. An id of another village (or hamlet) is 404.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import request
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest.fields import Upload
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from desacerdas import jobs
from desacerdas.api.fastdump import FastDumpMixin
from desacerdas.api.pagination import PAGINATION, Blueprint
from desacerdas.api.security import ApiError, api_user
from desacerdas.extensions import db
from desacerdas.jobs.schemas import JobSchema, raw
from desacerdas.kit.access import Access, require_api
from desacerdas.services import personal_data
from desacerdas.services.i18n import _
from desacerdas.web.tenant import current_tenant

from ..permissions import RESIDENTS_EDIT, RESIDENTS_VIEW
from . import exporting, listing, statistics
from . import jobs as registry_jobs
from . import service as registry
from .models import CivilEvent, EventKind, Family, Resident, ResidentStatus, Sex

# The registry's endpoints; ``plugin.py`` nests them in the pillar's API blueprint (same paths).
blp = Blueprint("registry", __name__)


def _scope(permission: str) -> uuid.UUID | None:
    """The caller's hamlet (None: the whole village), by the kit's access rules: 404 ``not_found``
    to outsiders, 403 ``forbidden`` without the permission."""
    return require_api(permission).scope.staff_hamlet()


def _viewer(resident_ids: list[uuid.UUID] | None = None) -> personal_data.Viewer:
    """Who sees what in this request. A regency admin or facilitator who states a reason
    (``X-Access-Reason`` header or ``reason`` query) opens full data for ``personal_data.WINDOW``,
    logged for the village (like the page's form): for ``resident_ids`` only, or for the whole
    list when it is None."""
    tenant, user = current_tenant(), api_user()
    reason = request.headers.get("X-Access-Reason") or request.args.get("reason")
    if reason and personal_data.needs_masking(user, tenant):
        for rid in resident_ids if resident_ids is not None else [None]:
            personal_data.record_access(db.session, tenant, user, reason, resident_id=rid, channel="api")
        db.session.commit()
    return personal_data.Viewer(db.session, user, tenant)


def _seen(records: Any, resident_id: uuid.UUID | None = None) -> Any:
    """Records as the caller may see them: masked for a regency admin or facilitator unless a
    stated reason opens them (:func:`_viewer`; ``resident_id``: that resident, else the list)."""
    if not personal_data.needs_masking(api_user(), current_tenant()):
        return records
    viewer = _viewer(None if resident_id is None else [resident_id])
    if isinstance(records, list):
        return [viewer.show(r) for r in records]
    return viewer.show(records)


REASON_DOC = (
    "A regency admin or facilitator sees NIK/KK masked and no address, birth date or phone; "
    "stating a reason here (or in the `X-Access-Reason` header) shows full data "
    "and is logged for the village."
)

# -- schemas -----------------------------------------------------------------------------------------


class ResidentQuerySchema(Schema):
    q = fields.String(metadata={"description": "Part of the name (case and accents ignored) or NIK start"})
    hamlet_id = fields.UUID()
    sex = fields.String(validate=validate.OneOf([s.value for s in Sex]))
    age_band = fields.String(validate=validate.OneOf(list(statistics.AGE_BANDS)))
    status = fields.String(validate=validate.OneOf([s.value for s in ResidentStatus]))
    sort = fields.String(load_default="name", validate=validate.OneOf(list(listing.SORTS)))
    reason = fields.String(validate=validate.Length(max=300), metadata={"description": REASON_DOC})


class ResidentSchema(Schema):
    id = fields.UUID(dump_only=True)
    nik = fields.String(allow_none=True, validate=validate.Length(max=16))
    nik_temporary = fields.Boolean(dump_only=True)
    family_id = fields.UUID(allow_none=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    birth_place = fields.String(allow_none=True)
    birth_date = fields.Date(required=True)
    sex = fields.String(required=True, validate=validate.OneOf([s.value for s in Sex]))
    religion = fields.String(allow_none=True)
    marital_status = fields.String(allow_none=True)
    relationship_to_head = fields.String(allow_none=True)
    education = fields.String(allow_none=True)
    occupation = fields.String(allow_none=True)
    citizenship = fields.String(allow_none=True)
    blood_type = fields.String(allow_none=True)
    hamlet_id = fields.UUID(allow_none=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    father_name = fields.String(allow_none=True)
    father_nik = fields.String(allow_none=True)
    mother_name = fields.String(allow_none=True)
    mother_nik = fields.String(allow_none=True)
    status = fields.String(dump_only=True)


class ResidentChangesSchema(ResidentSchema):
    """A PATCH: only the fields sent change (its own class, so the OpenAPI document names it)."""


MASKED = "For a regency admin or facilitator without a stated reason: "


class ResidentOutSchema(FastDumpMixin, ResidentSchema):
    """A resident as answered (the body of a create or change stays :class:`ResidentSchema`, where
    the birth date is required and never null): a masked caller gets NIKs masked and the hidden
    fields (``personal_data``: birth date and place, address, phone) null. Dumped by a compiled
    function (:mod:`desacerdas.api.fastdump`): the same JSON without marshmallow's per-value calls."""

    nik = fields.String(allow_none=True, metadata={"description": MASKED + "masked, e.g. 5107********0001."})
    birth_date = fields.Date(required=True, allow_none=True, metadata={"description": MASKED + "null."})
    birth_place = fields.String(allow_none=True, metadata={"description": MASKED + "null."})
    address = fields.String(allow_none=True, metadata={"description": MASKED + "null."})
    phone = fields.String(allow_none=True, metadata={"description": MASKED + "null."})
    father_nik = fields.String(allow_none=True, metadata={"description": MASKED + "masked."})
    mother_nik = fields.String(allow_none=True, metadata={"description": MASKED + "masked."})


class EventSchema(FastDumpMixin, Schema):
    id = fields.UUID(dump_only=True)
    resident_id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in EventKind]))
    event_date = fields.Date(required=True)
    report_date = fields.Date(allow_none=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    recorded_by = fields.Integer(dump_only=True, allow_none=True)


class FamilySchema(Schema):
    id = fields.UUID()
    kk_number = fields.String(metadata={"description": MASKED + "masked, e.g. 5107********0001."})
    kk_temporary = fields.Boolean()
    hamlet_id = fields.UUID(allow_none=True)
    address = fields.String(allow_none=True, metadata={"description": MASKED + "null."})
    members = fields.List(fields.Nested(ResidentOutSchema))


class CountSchema(Schema):
    key = fields.String()
    count = fields.Integer()


class PyramidSchema(Schema):
    band = fields.String()
    male = fields.Integer()
    female = fields.Integer()


class StatisticsSchema(Schema):
    on = fields.Date()
    total = fields.Integer()
    living = fields.Integer()
    households = fields.Integer()
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_sex = fields.Dict(keys=fields.String(), values=fields.Integer())
    pyramid = fields.List(fields.Nested(PyramidSchema))
    by_hamlet = fields.List(fields.Nested(CountSchema))
    by_religion = fields.List(fields.Nested(CountSchema))
    by_education = fields.List(fields.Nested(CountSchema))
    by_occupation = fields.List(fields.Nested(CountSchema))
    by_marital_status = fields.List(fields.Nested(CountSchema))


# -- routes ------------------------------------------------------------------------------------------


@blp.route("/residents")
class Residents(MethodView):
    @blp.arguments(ResidentQuerySchema, location="query")
    @blp.response(200, ResidentOutSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[Resident]:
        """Residents, filtered like the registry's list page. Paginated (``X-Pagination``)."""
        access = require_api(RESIDENTS_VIEW)
        seen = _viewer() if personal_data.needs_masking(access.user, access.tenant) else None
        args = {k: v for k, v in args.items() if k != "reason"}
        if seen is not None and not seen.list_open:
            args = listing.masked_args(args)  # digits match nothing; no sort by birth date or NIK
        stmt = listing.visible(access.scope)
        found = list(listing.RESIDENTS.api_page(stmt, listing.api_args(args), pagination_parameters))
        return found if seen is None else [seen.show(r) for r in found]

    @blp.arguments(ResidentSchema)
    @blp.response(201, ResidentOutSchema)
    @blp.alt_response(400, description="The data is refused (e.g. an invalid NIK).")
    @blp.alt_response(409, description="The NIK is already registered in this village.")
    def post(self, data: dict) -> Resident:
        """Register a resident (``smart_government.residents.edit``). Without a NIK, a temporary number."""
        scope = _scope(RESIDENTS_EDIT)
        person = registry.create_resident(db.session, actor=api_user(), hamlet_scope=scope, **data)
        db.session.commit()
        return person


@blp.route("/residents/<uuid:resident_id>")
class ResidentById(MethodView):
    @blp.response(200, ResidentOutSchema)
    def get(self, resident_id: uuid.UUID) -> Resident:
        """One resident of this village (404 for another village's or hamlet's)."""
        person = registry.get_resident(db.session, resident_id, hamlet_scope=_scope(RESIDENTS_VIEW))
        return _seen(person, resident_id=person.id)

    @blp.arguments(ResidentChangesSchema(partial=True))
    @blp.response(200, ResidentOutSchema)
    @blp.alt_response(400, description="The data is refused (e.g. a NIK that does not match the birth date).")
    @blp.alt_response(409, description="The NIK is already registered to another resident.")
    def patch(self, data: dict, resident_id: uuid.UUID) -> Resident:
        """Change a resident's data (``smart_government.residents.edit``): only the fields sent.
        The status follows civil events, not this."""
        scope = _scope(RESIDENTS_EDIT)
        person = registry.get_resident(db.session, resident_id, hamlet_scope=scope)
        registry.update_resident(person, actor=api_user(), hamlet_scope=scope, **data)
        db.session.commit()
        return person


@blp.route("/residents/<uuid:resident_id>/events")
class ResidentEvents(MethodView):
    @blp.response(200, EventSchema(many=True))
    def get(self, resident_id: uuid.UUID) -> list[CivilEvent]:
        """The resident's civil events, most recent first. A regency admin or facilitator gets none
        unless the resident's full data is open (a birth event's date is the birth date)."""
        person = registry.get_resident(db.session, resident_id, hamlet_scope=_scope(RESIDENTS_VIEW))
        masking = personal_data.needs_masking(api_user(), current_tenant())
        if masking and not _viewer([person.id]).is_open(person.id):
            return []
        stmt = (
            select(CivilEvent)
            .where(CivilEvent.resident_id == person.id)
            .order_by(CivilEvent.event_date.desc(), CivilEvent.recorded_at.desc())
        )
        return list(db.session.scalars(stmt))

    @blp.arguments(EventSchema)
    @blp.response(201, EventSchema)
    @blp.alt_response(409, description="The resident is deceased: only a correction can be recorded.")
    def post(self, data: dict, resident_id: uuid.UUID) -> CivilEvent:
        """Record a civil event; the resident's status follows it (``smart_government.residents.edit``)."""
        scope = _scope(RESIDENTS_EDIT)
        person = registry.get_resident(db.session, resident_id, hamlet_scope=scope)
        event = registry.record_event(
            person,
            data["kind"],
            data["event_date"],
            data.get("report_date"),
            data.get("note"),
            api_user(),
            hamlet_scope=scope,
        )
        db.session.commit()
        return event


@blp.route("/families/<uuid:family_id>")
class FamilyById(MethodView):
    @blp.response(200, FamilySchema)
    def get(self, family_id: uuid.UUID) -> dict[str, Any]:
        """A family (Kartu Keluarga) with its members."""
        scope = _scope(RESIDENTS_VIEW)
        kk: Family = registry.get_family(db.session, family_id, hamlet_scope=scope)
        members = db.session.scalars(
            listing.search(db.session, family_id=kk.id, sort="birth_date", hamlet_scope=scope)
        ).all()
        if personal_data.needs_masking(api_user(), current_tenant()):
            ids = [m.id for m in members]
            viewer = _viewer(ids)  # a stated reason opens these members only, not the village list
            opened = viewer.list_open or bool(ids) and all(viewer.is_open(i) for i in ids)
            members = [viewer.show(m) for m in members]
            kk = kk if opened else viewer.show(kk)
        return {
            "id": kk.id,
            "kk_number": kk.kk_number,
            "kk_temporary": kk.kk_temporary,
            "hamlet_id": kk.hamlet_id,
            "address": kk.address,
            "members": members,
        }


def _counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"key": k, "count": v} for k, v in statistics.as_rows(counts)]


@blp.route("/statistics")
class Statistics(MethodView):
    @blp.response(200, StatisticsSchema)
    def get(self) -> dict[str, Any]:
        """Population figures from the one statistics layer every page and indicator uses. Breakdowns
        other than ``by_status`` count living residents; an empty key means "not recorded"."""
        pop = statistics.population(db.session, date.today(), hamlet_scope=_scope(RESIDENTS_VIEW))
        return {
            "on": pop.on,
            "total": pop.total,
            "living": pop.living,
            "households": pop.households,
            "by_status": pop.by_status,
            "by_sex": pop.by_sex,
            "pyramid": [{"band": b, "male": m, "female": f} for b, m, f in pop.pyramid],
            "by_hamlet": _counts(pop.by_hamlet),
            "by_religion": _counts(pop.by_religion),
            "by_education": _counts(pop.by_education),
            "by_occupation": _counts(pop.by_occupation),
            "by_marital_status": _counts(pop.by_marital_status),
        }


# -- NIK replacement --------------------------------------------------------------------------


class NikSchema(Schema):
    nik = fields.String(required=True, validate=validate.Length(min=1, max=20))


@blp.route("/residents/<uuid:resident_id>/nik")
class ResidentNik(MethodView):
    @blp.arguments(NikSchema)
    @blp.response(200, ResidentOutSchema)
    @blp.alt_response(409, description="Not a temporary number, or another record holds that NIK.")
    def post(self, data: dict, resident_id: uuid.UUID) -> Resident:
        """Replace a temporary number with the real NIK (``smart_government.residents.edit``)."""
        scope = _scope(RESIDENTS_EDIT)
        person = registry.get_resident(db.session, resident_id, hamlet_scope=scope)
        registry.replace_temporary_nik(
            person, data["nik"].replace(" ", ""), actor=api_user(), hamlet_scope=scope
        )
        db.session.commit()
        return person


# -- import and export -----------------------------------------------------------------------------


class ImportArgsSchema(Schema):
    dry_run = fields.Boolean(
        load_default=True, metadata={"description": "true (default): check only; false: import"}
    )


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX: the platform template or SIAK"})


class ExportQuerySchema(ResidentQuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(list(exporting.FORMATS)))


def _import_access() -> Access:
    access = require_api(RESIDENTS_EDIT)
    if not access.scope.village_wide:
        raise ApiError(
            403, _("An import writes anywhere in the village: a hamlet head cannot run it."), "forbidden"
        )
    return access


@blp.route("/residents/import")
class ResidentsImport(MethodView):
    @blp.arguments(ImportArgsSchema, location="form")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(202, JobSchema)
    @blp.alt_response(403, description="Without smart_government.residents.edit, or limited to a hamlet.")
    @blp.alt_response(415, description="Not a CSV or XLSX file.")
    def post(self, form: dict, files: dict) -> Any:
        """Import residents from a multipart upload (``file``), as a background job: **202** with the
        job (``Location``: its URL; poll it until ``finished``). ``dry_run=true`` (the default) only
        checks: the job's ``result`` is the report (what would be created, updated and skipped, and
        every problem per row and column). ``dry_run=false`` imports all or nothing; a file with
        problems makes the job ``failed`` with the reason in ``error`` and writes nothing. The upload
        is kept as a staff-only document (``result.document_id``)."""
        tenant, _scope_, user = _import_access()
        upload = files["file"]
        document = registry_jobs.store_upload(db.session, tenant, user, upload.stream, upload.filename)
        params = {"document_id": str(document.id), "dry_run": form["dry_run"], "locale": str(get_locale())}
        job = jobs.submit(db.session, tenant, registry_jobs.IMPORT, params, user)
        return raw(job), 202, {"Location": jobs.api_url(job)}


class ExportJobSchema(ResidentQuerySchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(list(exporting.FORMATS)))
    sort = fields.String(validate=validate.OneOf(list(listing.SORTS)))


@blp.route("/residents/export/all")
class ResidentsExportAll(MethodView):
    @blp.arguments(ExportJobSchema, location="json")
    @blp.response(202, JobSchema)
    @blp.alt_response(403, description="Without smart_government.residents.edit, or limited to a hamlet.")
    def post(self, data: dict) -> Any:
        """Every resident of the village (or those matching the list's filters, as in the GET) as a
        file (CSV or XLSX), made by a background job: **202** with the job; when it is done,
        ``document_id`` is the file (a staff-only document)."""
        tenant, _scope_, user = _import_access()
        fmt = data.pop("format")
        filters = listing.api_args({k: str(v) for k, v in data.items()})
        job = registry_jobs.submit_export(db.session, tenant, user, fmt, filters)
        return raw(job), 202, {"Location": jobs.api_url(job)}


@blp.route("/residents/export")
class ResidentsExport(MethodView):
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, description="The residents as CSV or XLSX, in the import template.")
    @blp.alt_response(202, schema=JobSchema, description="A long list: the file is made by a job.")
    @blp.alt_response(403, description="Without smart_government.residents.edit.")
    def get(self, args: dict) -> Any:
        """The residents matching the list's filters (and the caller's hamlet), as a file
        (``smart_government.residents.edit``: it is personal data of many people; audited). A list
        of more than 10,000 residents answers **202** with a job that makes the file instead."""
        tenant, scope, user = require_api(RESIDENTS_EDIT)
        fmt = args.pop("format")
        stmt = listing.RESIDENTS.query(listing.visible(scope), listing.api_args(args))
        filters = {k: str(v) for k, v in args.items()}
        if exporting.count(db.session, stmt) > registry_jobs.SYNC_EXPORT_MAX:
            job = registry_jobs.submit_export(db.session, tenant, user, fmt, listing.api_args(filters))
            return JobSchema().dump(raw(job)), 202, {"Location": jobs.api_url(job)}
        return exporting.response(db.session, tenant, stmt, fmt, actor=user, filters=filters)
