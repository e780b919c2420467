"""The social-aid API's request and response schemas (marshmallow; their names are unique in the
platform's OpenAPI document, hence ``Aid…``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, validate, validates_schema
from marshmallow import fields as mf

from desacerdas.api.documents import FileField
from desacerdas.api.schemas import UtcDateTime
from desacerdas.kit import tabular
from desacerdas.services.i18n import _

from . import service
from .models import (
    Benefit,
    EndReason,
    Proof,
    Schedule,
    Source,
    Unit,
)

SOURCES = [s.value for s in Source]
MASKED = "Masked for a regency admin or facilitator, e.g. 5107********0001."
OTHER_VILLAGE_FIELDS = ("kind", "source", "period_start", "period_end")


# -- schemas ---------------------------------------------------------------------------------------


class AidProgrammeSchema(Schema):
    id = mf.UUID()
    name = mf.String()
    source = mf.String(metadata={"description": "blt_dd, pkh, bpnt, sembako, province, regency, other"})
    benefit = mf.String(metadata={"description": "cash or goods"})
    amount = mf.Integer(allow_none=True, metadata={"description": "Rupiah each time (cash)"})
    goods = mf.String(allow_none=True, metadata={"description": "What is handed over (goods)"})
    schedule = mf.String(metadata={"description": "monthly, quarterly or one_off"})
    period_start = mf.Date()
    period_end = mf.Date()
    quota = mf.Integer(allow_none=True)
    unit = mf.String(metadata={"description": "family (a KK) or person"})
    criteria = mf.String(allow_none=True)
    excludes = mf.List(mf.String(), metadata={"description": "The sources this programme excludes"})
    active = mf.Boolean(metadata={"description": "Open for new candidates"})
    counts = mf.Dict(
        keys=mf.String(),
        values=mf.Integer(),
        metadata={"description": "Candidates by state in the whole village: proposed, recipient, …"},
    )
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class AidDecisionSchema(Schema):
    id = mf.UUID()
    programme_id = mf.UUID()
    held_on = mf.Date()
    decree_number = mf.String(allow_none=True)
    note = mf.String(allow_none=True)
    minutes_document_id = mf.UUID(allow_none=True)
    decree_document_id = mf.UUID(allow_none=True)
    approved = mf.Integer()
    refused = mf.Integer()
    recorded_by = mf.Integer(allow_none=True)
    recorded_at = UtcDateTime()


class AidProgrammeDetailSchema(AidProgrammeSchema):
    decisions = mf.List(mf.Nested(AidDecisionSchema), metadata={"description": "Newest first"})


class AidProgrammeChangeSchema(Schema):
    """Every field of a programme; PATCH sends those it changes (the others stay)."""

    name = mf.String(validate=validate.Length(min=service.NAME_MIN, max=service.NAME_MAX))
    source = mf.String(validate=validate.OneOf(SOURCES))
    benefit = mf.String(validate=validate.OneOf([b.value for b in Benefit]))
    amount = mf.Integer(
        allow_none=True,
        validate=validate.Range(1, service.MAX_AMOUNT),
        metadata={"description": "Rupiah each time; required for cash"},
    )
    goods = mf.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"description": "Required for goods"}
    )
    schedule = mf.String(validate=validate.OneOf([s.value for s in Schedule]))
    unit = mf.String(validate=validate.OneOf([u.value for u in Unit]))
    period_start = mf.Date()
    period_end = mf.Date()
    quota = mf.Integer(allow_none=True, validate=validate.Range(min=1))
    criteria = mf.String(allow_none=True, validate=validate.Length(max=service.TEXT_MAX))
    excludes = mf.List(
        mf.String(validate=validate.OneOf(SOURCES)),
        metadata={"description": "The sources whose recipients may not receive this one"},
    )
    active = mf.Boolean()


class AidProgrammeCreateSchema(AidProgrammeChangeSchema):
    name = mf.String(required=True, validate=validate.Length(min=service.NAME_MIN, max=service.NAME_MAX))
    source = mf.String(required=True, validate=validate.OneOf(SOURCES))
    benefit = mf.String(required=True, validate=validate.OneOf([b.value for b in Benefit]))
    schedule = mf.String(required=True, validate=validate.OneOf([s.value for s in Schedule]))
    unit = mf.String(required=True, validate=validate.OneOf([u.value for u in Unit]))
    period_start = mf.Date(required=True)
    period_end = mf.Date(required=True)


class AidProgrammeQuerySchema(Schema):
    source = mf.String(validate=validate.OneOf(SOURCES))
    active = mf.Boolean()
    q = mf.String(metadata={"description": "Part of the name"})
    sort = mf.String(metadata={"description": "newest (default) or name; a leading - reverses"})


class AidConflictSchema(Schema):
    kind = mf.String(metadata={"description": "same_programme, excluded or other_village"})
    source = mf.String(metadata={"description": "The source of the other aid"})
    period_start = mf.Date()
    period_end = mf.Date()
    other_programme = mf.String(
        allow_none=True, metadata={"description": "This village's other programme (never another village's)"}
    )
    found_at = UtcDateTime(metadata={"description": "Not given for another village's conflict"})


class AidStepSchema(Schema):
    action = mf.String()
    from_state = mf.String(allow_none=True)
    to_state = mf.String()
    actor_name = mf.String(allow_none=True)
    note = mf.String(allow_none=True)
    at = UtcDateTime()


class AidReceiptSchema(Schema):
    id = mf.UUID()
    recipient_id = mf.UUID()
    period = mf.String(metadata={"description": "2026-01 (monthly), 2026-Q1 (quarterly) or once"})
    received_on = mf.Date()
    amount = mf.Integer(allow_none=True)
    goods = mf.String(allow_none=True)
    handed_by = mf.String()
    proof = mf.String(metadata={"description": "signature or photo"})
    photo_document_id = mf.UUID(allow_none=True)
    recorded_by = mf.Integer(allow_none=True)
    recorded_at = UtcDateTime()


class AidCandidateSchema(Schema):
    id = mf.UUID()
    programme_id = mf.UUID()
    status = mf.String(metadata={"description": "proposed, recipient, refused or deactivated"})
    resident_id = mf.UUID()
    family_id = mf.UUID(allow_none=True)
    nik = mf.String(metadata={"description": MASKED})
    name = mf.String()
    kk_number = mf.String(allow_none=True, metadata={"description": MASKED})
    hamlet_id = mf.UUID(allow_none=True)
    criteria_met = mf.String(allow_none=True)
    proposed_by = mf.Integer(allow_none=True)
    decision_id = mf.UUID(allow_none=True)
    refusal_reason = mf.String(allow_none=True)
    end_reason = mf.String(allow_none=True, metadata={"description": "moved, died, not_eligible, other"})
    ended_on = mf.Date(allow_none=True)
    open_conflicts = mf.Integer(metadata={"description": "Conflicts found and not resolved"})
    created_at = UtcDateTime()


class AidCandidateDetailSchema(AidCandidateSchema):
    conflicts = mf.List(
        mf.Nested(AidConflictSchema),
        metadata={"description": "Open conflicts; another village's gives kind, source and period only"},
    )
    steps = mf.List(mf.Nested(AidStepSchema))
    receipts = mf.List(mf.Nested(AidReceiptSchema))
    allowed_actions = mf.List(mf.String())


class AidCandidateQuerySchema(Schema):
    status = mf.String(
        validate=validate.OneOf(service.STATUS_CHOICES), metadata={"description": "all (default)"}
    )
    conflict = mf.Boolean(metadata={"description": "Only candidates with an open conflict"})
    q = mf.String(metadata={"description": "Part of the name, or the first digits of the NIK"})
    sort = mf.String(metadata={"description": "name (default) or newest; a leading - reverses"})


class AidProposeSchema(Schema):
    resident_id = mf.UUID(load_default=None, metadata={"description": "The resident (or nik)"})
    nik = mf.String(
        load_default=None, validate=validate.Regexp(r"^\d{16}$"), metadata={"description": "Or the NIK"}
    )
    criteria_met = mf.String(load_default=None, validate=validate.Length(max=service.TEXT_MAX))

    @validates_schema
    def _one_person(self, data: dict, **kwargs: Any) -> None:
        if (data.get("resident_id") is None) == (data.get("nik") is None):
            raise ValidationError(_("Give either resident_id or nik."), "resident_id")


class AidDecideSchema(Schema):
    held_on = mf.Date(required=True, metadata={"description": "The day of the Musdes (not in the future)"})
    decree_number = mf.String(load_default=None, validate=validate.Length(max=80))
    note = mf.String(load_default=None, validate=validate.Length(max=service.TEXT_MAX))
    approve = mf.List(mf.UUID(), load_default=list, metadata={"description": "Candidates approved"})
    refuse = mf.Dict(
        keys=mf.UUID(),
        values=mf.String(validate=validate.Length(min=1, max=service.REASON_MAX)),
        load_default=dict,
        metadata={"description": "Candidates refused: id → the reason"},
    )
    minutes_document_id = mf.UUID(
        load_default=None, metadata={"description": "The minutes, uploaded first (documents API)"}
    )
    decree_document_id = mf.UUID(
        load_default=None, metadata={"description": "The head's decree (SK), uploaded first"}
    )


class AidHeldSchema(Schema):
    id = mf.UUID()
    name = mf.String()
    why = mf.String(metadata={"description": "conflict or quota_reached: the candidate stays proposed"})


class AidDecisionResultSchema(Schema):
    decision = mf.Nested(AidDecisionSchema)
    approved = mf.List(mf.Nested(AidCandidateSchema))
    refused = mf.List(mf.Nested(AidCandidateSchema))
    held = mf.List(mf.Nested(AidHeldSchema))


class AidEndSchema(Schema):
    reason = mf.String(required=True, validate=validate.OneOf([r.value for r in EndReason]))
    on = mf.Date(load_default=None, metadata={"description": "The last day (default: today)"})
    note = mf.String(load_default=None, validate=validate.Length(max=service.REASON_MAX))


class AidReceiptCreateSchema(Schema):
    period = mf.String(required=True, metadata={"description": "One of the programme's periods"})
    handed_by = mf.String(required=True, validate=validate.Length(min=1, max=120))
    proof = mf.String(
        load_default=Proof.SIGNATURE.value,
        validate=validate.OneOf([Proof.SIGNATURE.value]),
        metadata={"description": "signature (on the printed list); a photo is added on the page"},
    )
    received_on = mf.Date(load_default=None, metadata={"description": "Default: today"})
    amount = mf.Integer(
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": "Default: the programme's"},
    )
    goods = mf.String(load_default=None, validate=validate.Length(max=200))


class AidPeriodSchema(Schema):
    key = mf.String()
    label = mf.String(metadata={"description": "In the request's language"})
    current = mf.Boolean(metadata={"description": "The period of today (or the nearest one)"})


class AidReportLineSchema(Schema):
    candidate_id = mf.UUID()
    name = mf.String()
    nik = mf.String(metadata={"description": MASKED})
    hamlet = mf.String(allow_none=True)
    status = mf.String()
    receipt = mf.Nested(AidReceiptSchema, allow_none=True)


class AidReportSchema(Schema):
    programme_id = mf.UUID()
    period = mf.String()
    label = mf.String()
    recipients = mf.Integer()
    received = mf.Integer()
    waiting = mf.Integer()
    amount = mf.Integer(metadata={"description": "Rupiah handed over in the period"})
    lines = mf.List(mf.Nested(AidReportLineSchema))


class AidImportQuerySchema(Schema):
    apply = mf.Boolean(
        load_default=False, metadata={"description": "false (default): check only; true: import"}
    )


class AidImportSchema(Schema):
    file = FileField(required=True, metadata={"description": "CSV or XLSX with a NIK column (and NAMA)"})
    apply = mf.Boolean(load_default=False, metadata={"description": "As the query's apply"})


class AidImportRowSchema(Schema):
    line = mf.Integer()
    nik = mf.String()
    name = mf.String(allow_none=True)
    outcome = mf.String(metadata={"description": "imported, unmatched, already, conflict or invalid"})
    detail = mf.String()


class AidImportResultSchema(Schema):
    dry_run = mf.Boolean()
    summary = mf.Dict(keys=mf.String(), values=mf.Integer(), metadata={"description": "Rows by outcome"})
    rows = mf.List(mf.Nested(AidImportRowSchema))


class AidExportQuerySchema(Schema):
    format = mf.String(load_default=tabular.CSV, validate=validate.OneOf(list(tabular.FORMATS)))
    status = mf.String(load_default="all", validate=validate.OneOf(service.STATUS_CHOICES))
