"""smart_society: social aid — programmes, decisions, candidates and recipients, their timeline,
conflicts found, receipts

Revision ID: smart_society_0004
Revises: smart_society_0003
Create Date: 2026-12-07 23:55:00

Six tables owned by the village (keys and foreign keys include ``tenant_id``; Row-Level Security
on PostgreSQL). The cross-village ledger is the core's (``0014_aid_ledger``).
"""

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.rls import disable_rls, enable_rls

revision = "smart_society_0004"
down_revision = "smart_society_0003"
branch_labels = None
depends_on = "0014_aid_ledger"

PROGRAMMES = "smart_society_aid_programmes"
DECISIONS = "smart_society_aid_decisions"
RECIPIENTS = "smart_society_aid_recipients"
STEPS = "smart_society_aid_recipient_steps"
CONFLICTS = "smart_society_aid_conflicts"
RECEIPTS = "smart_society_aid_receipts"
TABLES = (PROGRAMMES, DECISIONS, RECIPIENTS, STEPS, CONFLICTS, RECEIPTS)


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Integer(), sa.ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False
    )


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Uuid(), nullable=False)


def _of(column: str, table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table(
        PROGRAMMES,
        _tenant(),
        _id(),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("benefit", sa.String(20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("goods", sa.String(200), nullable=True),
        sa.Column("schedule", sa.String(20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.Column("excludes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "name", "period_start"),
    )
    op.create_index("ix_smart_society_aid_programmes_period", PROGRAMMES, ["tenant_id", "period_start"])
    op.create_table(
        DECISIONS,
        _tenant(),
        _id(),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("decree_number", sa.String(80), nullable=True),
        sa.Column("minutes_document_id", sa.Uuid(), nullable=True),
        sa.Column("decree_document_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("approved", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        _user("recorded_by"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("programme_id", PROGRAMMES),
    )
    op.create_index(
        "ix_smart_society_aid_decisions_programme", DECISIONS, ["tenant_id", "programme_id", "held_on"]
    )
    op.create_table(
        RECIPIENTS,
        _tenant(),
        _id(),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kk_number", sa.String(16), nullable=True),
        sa.Column("hamlet_id", sa.Uuid(), nullable=True),
        sa.Column("criteria_met", sa.Text(), nullable=True),
        _user("proposed_by"),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("refusal_reason", sa.String(500), nullable=True),
        sa.Column("end_reason", sa.String(20), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("programme_id", PROGRAMMES),
        _of("decision_id", DECISIONS, "SET NULL"),
    )
    op.create_index(
        "ix_smart_society_aid_recipients_programme", RECIPIENTS, ["tenant_id", "programme_id", "status"]
    )
    op.create_index("ix_smart_society_aid_recipients_resident", RECIPIENTS, ["tenant_id", "resident_id"])
    op.create_index("ix_smart_society_aid_recipients_family", RECIPIENTS, ["tenant_id", "family_id"])
    op.create_table(
        STEPS,
        _tenant(),
        _id(),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(30), nullable=True),
        sa.Column("to_state", sa.String(30), nullable=False),
        sa.Column("actor_name", sa.String(120), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _user("actor_id"),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("record_id", RECIPIENTS),
    )
    op.create_index("ix_smart_society_aid_recipient_steps_record", STEPS, ["tenant_id", "record_id", "at"])
    op.create_table(
        CONFLICTS,
        _tenant(),
        _id(),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("other_programme", sa.String(160), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("recipient_id", RECIPIENTS),
    )
    op.create_index("ix_smart_society_aid_conflicts_recipient", CONFLICTS, ["tenant_id", "recipient_id"])
    op.create_index("ix_smart_society_aid_conflicts_found", CONFLICTS, ["tenant_id", "found_at"])
    op.create_table(
        RECEIPTS,
        _tenant(),
        _id(),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=True),
        sa.Column("goods", sa.String(200), nullable=True),
        sa.Column("handed_by", sa.String(120), nullable=False),
        sa.Column("proof", sa.String(20), nullable=False),
        sa.Column("photo_document_id", sa.Uuid(), nullable=True),
        _user("recorded_by"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id"),
        _of("programme_id", PROGRAMMES),
        _of("recipient_id", RECIPIENTS),
        sa.UniqueConstraint("tenant_id", "recipient_id", "period"),
    )
    op.create_index("ix_smart_society_aid_receipts_period", RECEIPTS, ["tenant_id", "programme_id", "period"])
    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_rls(op, table)
        op.drop_table(table)
