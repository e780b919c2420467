"""The social-aid API (``/api/v1/desa/<slug>/smart_society/aid…``): the same services and rules as
the pages. Staff keep programmes and record the village deliberation's decisions; a hamlet head
proposes candidates of their hamlet and records handovers there (and sees only their hamlet's
candidates); a facilitator reads, with NIK and KK numbers masked. A conflict found in another
village says only its kind, source and period."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import false, select

from desacerdas.api.documents import FormAndFilesParser
from desacerdas.api.pagination import PAGINATION
from desacerdas.api.security import api_user
from desacerdas.extensions import db
from desacerdas.kit import tabular
from desacerdas.kit.access import require_api
from desacerdas.services import NotFound, personal_data
from desacerdas.services.i18n import _
from desacerdas.web.tenant import current_tenant

from ..complaints.service import today_in
from ..permissions import AID_DECIDE, AID_DISTRIBUTE, AID_MANAGE, AID_PROPOSE, AID_VIEW
from . import deliberation, distribution, importing, service
from .api_schemas import (
    OTHER_VILLAGE_FIELDS,
    AidCandidateDetailSchema,
    AidCandidateQuerySchema,
    AidCandidateSchema,
    AidConflictSchema,
    AidDecideSchema,
    AidDecisionResultSchema,
    AidEndSchema,
    AidExportQuerySchema,
    AidImportQuerySchema,
    AidImportResultSchema,
    AidImportSchema,
    AidPeriodSchema,
    AidProgrammeChangeSchema,
    AidProgrammeCreateSchema,
    AidProgrammeDetailSchema,
    AidProgrammeQuerySchema,
    AidProgrammeSchema,
    AidProposeSchema,
    AidReceiptCreateSchema,
    AidReceiptSchema,
    AidReportSchema,
)
from .models import (
    AidConflict,
    AidProgramme,
    AidReceipt,
    AidRecipient,
    ConflictKind,
)
from .workflow import FLOW

blp = Blueprint("aid_api", __name__, description="Smart society: social aid without double receipt.")


blp.ARGUMENTS_PARSER = FormAndFilesParser()  # one multipart body: fields and files

# -- output ----------------------------------------------------------------------------------------


def _masking() -> bool:
    return personal_data.needs_masking(api_user(), current_tenant())


def _programme_out(item: AidProgramme, counts: dict[str, int], *, detail: bool = False) -> dict[str, Any]:
    out = {c: getattr(item, c) for c in AidProgrammeSchema._declared_fields if hasattr(item, c)}
    out["counts"] = counts
    if detail:
        out["decisions"] = deliberation.decisions(db.session, item)
    return out


def _conflict_out(row: AidConflict) -> dict[str, Any]:
    """Another village's conflict: its kind, source and period, nothing else."""
    if row.kind == ConflictKind.OTHER_VILLAGE:
        return {k: getattr(row, k) for k in OTHER_VILLAGE_FIELDS}
    return {k: getattr(row, k) for k in AidConflictSchema._declared_fields}


def _candidate_out(
    item: AidRecipient, *, conflicts: int | None = None, detail: bool = False, masked: bool | None = None
) -> dict[str, Any]:
    masked = _masking() if masked is None else masked
    out = {c: getattr(item, c) for c in AidCandidateSchema._declared_fields if hasattr(item, c)}
    if masked:
        out["nik"], out["kk_number"] = (
            personal_data.mask_nik(item.nik),
            personal_data.mask_nik(item.kk_number),
        )
    if detail:
        tenant, user = current_tenant(), api_user()
        open_rows = service.conflicts_of(db.session, item, open_only=True)
        out["conflicts"] = [_conflict_out(c) for c in open_rows]
        out["steps"] = FLOW.timeline(db.session, item)
        out["receipts"] = list(
            db.session.scalars(
                select(AidReceipt)
                .where(AidReceipt.recipient_id == item.id)
                .order_by(AidReceipt.period, AidReceipt.id)
            )
        )
        out["allowed_actions"] = [a.name for a in FLOW.allowed_actions(db.session, tenant, user, item)]
        conflicts = len(open_rows)
    out["open_conflicts"] = (
        conflicts if conflicts is not None else service.open_conflicts(db.session, [item.id]).get(item.id, 0)
    )
    return out


def _programme(permission: str, programme_id: uuid.UUID):  # noqa: ANN202 - (tenant, user, programme)
    tenant, _scope, user = require_api(permission)
    return tenant, user, service.get_programme(db.session, tenant, user, programme_id)


def _candidate(permission: str, candidate_id: uuid.UUID):  # noqa: ANN202 - (tenant, user, candidate)
    tenant, _scope, user = require_api(permission)
    return tenant, user, service.get_candidate(db.session, tenant, user, candidate_id)


# -- programmes ------------------------------------------------------------------------------------


@blp.route("/aid/programmes")
class AidProgrammes(MethodView):
    @blp.arguments(AidProgrammeQuerySchema, location="query")
    @blp.response(200, AidProgrammeSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(self, args: dict, pagination_parameters: PaginationParameters) -> list[dict[str, Any]]:
        """The village's aid programmes, newest period first (``smart_society.aid.view``)."""
        tenant, _scope, user = require_api(AID_VIEW)
        stmt = service.programmes(db.session, tenant, user)
        items = service.PROGRAMMES.api_page(stmt, args, pagination_parameters)
        counts = service.counts_by_programme(db.session, [p.id for p in items])
        return [_programme_out(p, counts[p.id]) for p in items]

    @blp.arguments(AidProgrammeCreateSchema)
    @blp.response(201, AidProgrammeDetailSchema)
    @blp.alt_response(400, description="A field the service refuses (amount for cash, goods, period).")
    @blp.alt_response(409, description="A programme of that name and period exists (`duplicate`).")
    def post(self, data: dict) -> dict[str, Any]:
        """Add a programme (``smart_society.aid.manage``); ``excludes`` are its exclusion rules."""
        tenant, _scope, user = require_api(AID_MANAGE)
        item = service.save_programme(db.session, tenant, user, **data)
        db.session.commit()
        return _programme_out(item, {}, detail=True)


@blp.route("/aid/programmes/<uuid:programme_id>")
class AidProgrammeById(MethodView):
    @blp.response(200, AidProgrammeDetailSchema)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """One programme with its candidates' counts and the deliberations' decisions."""
        _tenant, _user, item = _programme(AID_VIEW, programme_id)
        return _programme_out(item, service.counts_by_programme(db.session, [item.id])[item.id], detail=True)

    @blp.arguments(AidProgrammeChangeSchema)
    @blp.response(200, AidProgrammeDetailSchema)
    @blp.alt_response(400, description="A field the service refuses.")
    @blp.alt_response(409, description="`duplicate`, or `period_locked` once there are recipients.")
    def patch(self, data: dict, programme_id: uuid.UUID) -> dict[str, Any]:
        """Change a programme (``smart_society.aid.manage``): the fields sent, the others kept."""
        tenant, user, item = _programme(AID_MANAGE, programme_id)
        fields = {k: getattr(item, k) for k in AidProgrammeChangeSchema._declared_fields}
        fields = {k: getattr(v, "value", v) for k, v in fields.items()}
        fields.update(data)
        service.save_programme(db.session, tenant, user, item, **fields)
        db.session.commit()
        return _programme_out(item, service.counts_by_programme(db.session, [item.id])[item.id], detail=True)


# -- candidates ------------------------------------------------------------------------------------


@blp.route("/aid/programmes/<uuid:programme_id>/candidates")
class AidCandidates(MethodView):
    @blp.arguments(AidCandidateQuerySchema, location="query")
    @blp.response(200, AidCandidateSchema(many=True))
    @blp.paginate(**PAGINATION)
    def get(
        self, args: dict, pagination_parameters: PaginationParameters, programme_id: uuid.UUID
    ) -> list[dict[str, Any]]:
        """The programme's candidates and recipients (a hamlet head: their hamlet's), by name."""
        tenant, user, programme = _programme(AID_VIEW, programme_id)
        stmt = service.candidates(db.session, tenant, user, programme)
        masked = _masking()
        if masked and str(args.get("q") or "").strip().isdigit():
            stmt = stmt.where(false())  # a masked reader does not search by NIK
        items = service.CANDIDATES.api_page(stmt, args, pagination_parameters)
        conflicts = service.open_conflicts(db.session, [c.id for c in items])
        return [_candidate_out(c, conflicts=conflicts.get(c.id, 0), masked=masked) for c in items]

    @blp.arguments(AidProposeSchema)
    @blp.response(201, AidCandidateDetailSchema)
    @blp.alt_response(403, description="A hamlet head proposes residents of their hamlet only.")
    @blp.alt_response(404, description="No such programme, or no such resident in the registry.")
    @blp.alt_response(
        409, description="`already_in`, `programme_closed`, `not_living`, `no_nik`, `no_family`."
    )
    def post(self, data: dict, programme_id: uuid.UUID) -> dict[str, Any]:
        """Propose a resident (``resident_id`` or ``nik``; for a family programme, their family);
        the conflicts found (another programme, another village) come with the candidate."""
        tenant, user, programme = _programme(AID_PROPOSE, programme_id)
        resident_id = data["resident_id"]
        if resident_id is None:
            resident = service.resident_by_nik(db.session, data["nik"])
            if resident is None:
                raise NotFound(_("No such resident in this village's registry."))
            resident_id = resident.id
        made = service.propose(db.session, tenant, user, programme, resident_id, data["criteria_met"])
        db.session.commit()
        return _candidate_out(made.candidate, detail=True)


@blp.route("/aid/candidates/<uuid:candidate_id>")
class AidCandidateById(MethodView):
    @blp.response(200, AidCandidateDetailSchema)
    def get(self, candidate_id: uuid.UUID) -> dict[str, Any]:
        """One candidate with their open conflicts, timeline, receipts and the moves allowed."""
        _tenant, _user, item = _candidate(AID_VIEW, candidate_id)
        return _candidate_out(item, detail=True)


@blp.route("/aid/candidates/<uuid:candidate_id>/end")
class AidCandidateEnd(MethodView):
    @blp.arguments(AidEndSchema)
    @blp.response(200, AidCandidateDetailSchema)
    @blp.alt_response(409, description="Not a recipient now.")
    def post(self, data: dict, candidate_id: uuid.UUID) -> dict[str, Any]:
        """End a recipient's aid (``smart_society.aid.decide``): moved, died, no longer eligible;
        off the ledger from ``on``."""
        tenant, user, item = _candidate(AID_DECIDE, candidate_id)
        service.end_aid(
            db.session,
            tenant,
            user,
            item,
            reason=data["reason"],
            on=data["on"],
            note=(data["note"] or "").strip() or None,
        )
        db.session.commit()
        return _candidate_out(item, detail=True)


@blp.route("/aid/candidates/<uuid:candidate_id>/receipts")
class AidCandidateReceipts(MethodView):
    @blp.arguments(AidReceiptCreateSchema)
    @blp.response(201, AidReceiptSchema)
    @blp.alt_response(400, description="Unknown proof, no giver, a day in the future.")
    @blp.alt_response(404, description="No such candidate, or no such period (`unknown_period`).")
    @blp.alt_response(409, description="Not a recipient now, or received this period already.")
    def post(self, data: dict, candidate_id: uuid.UUID) -> Any:
        """Record that a recipient received one period's aid (``smart_society.aid.distribute``;
        a hamlet head: in their hamlet), signed on the printed list."""
        tenant, user, item = _candidate(AID_DISTRIBUTE, candidate_id)
        return distribution.record_receipt(db.session, tenant, user, item, **data)  # commits


# -- the deliberation's decision -------------------------------------------------------------------


@blp.route("/aid/programmes/<uuid:programme_id>/decisions")
class AidDecisions(MethodView):
    @blp.arguments(AidDecideSchema)
    @blp.response(201, AidDecisionResultSchema)
    @blp.alt_response(400, description="Nothing decided, a refusal without reason, a day in the future.")
    @blp.alt_response(404, description="A candidate or document not of this programme or village.")
    @blp.alt_response(409, description="A candidate was decided on already (`wrong_state`).")
    def post(self, data: dict, programme_id: uuid.UUID) -> dict[str, Any]:
        """Record a village deliberation (Musdes) and its decision (``smart_society.aid.decide``).
        The minutes and the decree are uploaded first through the documents API. A candidate still
        in conflict, or beyond the quota, is held back (stays proposed) and named in ``held``."""
        tenant, user, programme = _programme(AID_DECIDE, programme_id)
        result = deliberation.decide(db.session, tenant, user, programme, **data)  # commits
        masked = _masking()
        return {
            "decision": result.decision,
            "approved": [_candidate_out(c, conflicts=0, masked=masked) for c in result.approved],
            "refused": [_candidate_out(c, masked=masked) for c in result.refused],
            "held": [{"id": c.id, "name": c.name, "why": why} for c, why in result.held],
        }


# -- periods and their reports ---------------------------------------------------------------------


@blp.route("/aid/programmes/<uuid:programme_id>/periods")
class AidPeriods(MethodView):
    @blp.response(200, AidPeriodSchema(many=True))
    def get(self, programme_id: uuid.UUID) -> list[dict[str, Any]]:
        """The programme's periods, first to last: ``2026-01``, ``2026-Q1`` or ``once``."""
        tenant, _user, programme = _programme(AID_VIEW, programme_id)
        locale, now = str(get_locale() or "id"), distribution.current_period(programme, today_in(tenant))
        return [
            {"key": k, "label": distribution.period_label(k, locale), "current": k == now}
            for k in distribution.periods(programme)
        ]


@blp.route("/aid/programmes/<uuid:programme_id>/periods/<string:period>")
class AidPeriodReport(MethodView):
    @blp.response(200, AidReportSchema)
    @blp.alt_response(404, description="No such programme, or no such period (`unknown_period`).")
    def get(self, programme_id: uuid.UUID, period: str) -> dict[str, Any]:
        """Who should receive this period's aid and who did (a hamlet head: their hamlet's)."""
        tenant, user, programme = _programme(AID_VIEW, programme_id)
        rep = distribution.report(db.session, tenant, user, programme, period)
        masked = _masking()
        return {
            "programme_id": programme.id,
            "period": rep.period,
            "label": distribution.period_label(rep.period, str(get_locale() or "id")),
            "recipients": rep.recipients,
            "received": rep.received,
            "waiting": rep.waiting,
            "amount": rep.amount,
            "lines": [
                {
                    "candidate_id": line.recipient.id,
                    "name": line.recipient.name,
                    "nik": personal_data.mask_nik(line.recipient.nik) if masked else line.recipient.nik,
                    "hamlet": line.hamlet,
                    "status": line.recipient.status,
                    "receipt": line.receipt,
                }
                for line in rep.lines
            ],
        }


# -- the ministry's lists in and out ---------------------------------------------------------------


@blp.route("/aid/programmes/<uuid:programme_id>/import")
class AidImport(MethodView):
    @blp.arguments(AidImportQuerySchema, location="query")
    @blp.arguments(AidImportSchema, location="form", content_type="multipart/form-data", required=True)
    @blp.response(200, AidImportResultSchema)
    @blp.alt_response(400, description="Not readable as CSV or XLSX, no rows, no NIK column, too many rows.")
    def post(self, args: dict, form: dict, programme_id: uuid.UUID) -> dict[str, Any]:
        """Check a ministry's recipient list (``file``, matched by NIK) against the registry and the
        conflicts, row by row (``smart_society.aid.manage``). ``apply=true`` (query or form) imports
        the rows that can be imported as recipients, in one transaction; without it nothing is
        written but the audit of the conflict checks."""
        tenant, user, programme = _programme(AID_MANAGE, programme_id)
        upload = form["file"]
        result = importing.import_list(
            db.session,
            tenant,
            user,
            programme,
            upload.stream,
            upload.filename or "",
            dry_run=not (args["apply"] or form["apply"]),
        )
        # A dry run writes nothing but the audit events of its cross-village checks: kept.
        db.session.commit()
        return {
            "dry_run": result.dry_run,
            "summary": result.summary,
            "rows": [
                {"line": r.line, "nik": r.nik, "name": r.name, "outcome": r.outcome.value, "detail": r.detail}
                for r in result.rows
            ],
        }


@blp.route("/aid/programmes/<uuid:programme_id>/export")
class AidExport(MethodView):
    @blp.arguments(AidExportQuerySchema, location="query")
    @blp.response(200, description="The programme's candidates and recipients as CSV or XLSX.")
    def get(self, args: dict, programme_id: uuid.UUID) -> Any:
        """The programme's list (``status``: all by default) as CSV or XLSX, in Indonesian words as
        the ministry's lists are (``smart_society.aid.manage``; audited)."""
        tenant, user, programme = _programme(AID_MANAGE, programme_id)
        fmt = args["format"]
        rows = list(importing.export_rows(db.session, programme, args["status"]))
        importing.record_export(db.session, tenant, user, programme, fmt, len(rows))
        db.session.commit()
        name = f"bansos-{programme.period_start:%Y}-{programme.id.hex[:8]}.{fmt}"
        return tabular.response(importing.EXPORT_HEADER, rows, fmt, name)
