"""letters move onto the kit: their sequences into the core ``sequences``, every letter into ``verifications``

Revision ID: smart_government_0006
Revises: smart_government_0005
Create Date: 2026-12-03 09:00:00.000000

Upgrade: each row of ``smart_government_letter_sequences`` becomes a ``sequences`` row of the
namespace ``smart_government.letters`` (same village, scope and year, the same last value, so the
next letter takes the next number), and each letter gets its ``verifications`` row (same token,
SHA-256, document and dates, revocation included), so letters issued before still verify, on the
pillar's address and on the core one. Then the old table goes.

Downgrade: the old table comes back with the letters' sequences (removed from ``sequences``), and
the letters' ``verifications`` rows go (the ``smart_government_letters`` rows keep everything they
hold, revocation included).

Row-Level Security is FORCEd on these tables, for their owner too: the rows are read and written one
village at a time with the village set as the session's (``desa.tenant_id``), as the policies ask.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from desacerdas.tenancy.context import PG_SETTING
from desacerdas.tenancy.rls import disable_rls, enable_rls

# revision identifiers, used by Alembic.
revision = "smart_government_0006"
down_revision = "smart_government_0005"
branch_labels = None
depends_on = "0004_kit"

OLD = "smart_government_letter_sequences"
NAMESPACE = "smart_government.letters"
PLUGIN, KIND = "smart_government", "letter"

ID, TEXT, NUMBER = sa.Uuid(), sa.String(), sa.Integer()
WHEN, DAY = sa.DateTime(timezone=True), sa.Date()


def _table(name: str, columns: str, kinds: dict[str, sa.types.TypeEngine]) -> sa.TableClause:
    """A lightweight table for the data moves; a column is text unless ``kinds`` says otherwise."""
    return sa.table(name, *(sa.column(c, kinds.get(c, TEXT)) for c in columns.split()))


STAMPS = {"tenant_id": NUMBER, "id": ID, "created_at": WHEN, "updated_at": WHEN}
COUNTER = {**STAMPS, "year": NUMBER, "last_value": NUMBER}
PAPER = {"document_id": ID, "issued_at": WHEN, "valid_until": DAY, "revoked_at": WHEN, "revoked_by": NUMBER}
old_sequences = _table(OLD, "tenant_id id scope_key year last_value created_at updated_at", COUNTER)
sequences = _table(
    "sequences", "tenant_id id namespace scope_key year last_value created_at updated_at", COUNTER
)
letters = _table(
    "smart_government_letters",
    "tenant_id request_id type_title number token document_id sha256 resident_name signer_name"
    " signer_title issued_at valid_until revoked_at revoked_reason revoked_by",
    {**STAMPS, **PAPER, "request_id": ID},
)
verifications = _table(
    "verifications",
    "tenant_id id token plugin kind object_id document_id sha256 title number holder_name issuer_name"
    " issuer_title issued_at valid_until revoked_at revoked_reason revoked_by created_at updated_at",
    {**STAMPS, **PAPER},
)
tenants = _table("tenants", "id", {"id": NUMBER})


def _villages(bind: sa.Connection):  # noqa: ANN202 - the village ids, one at a time as the session's
    """Each village's id, with the session set to that village for the rows read and written next
    (PostgreSQL's policies; SQLite has none). The setting is cleared afterwards."""
    ids = list(bind.execute(sa.select(tenants.c.id).order_by(tenants.c.id)).scalars())
    postgresql = bind.dialect.name == "postgresql"
    try:
        for tenant_id in ids:
            if postgresql:
                bind.execute(sa.select(sa.func.set_config(PG_SETTING, str(tenant_id), True)))
            yield tenant_id
    finally:
        if postgresql:
            bind.execute(sa.select(sa.func.set_config(PG_SETTING, "", True)))


def _now() -> datetime:
    return datetime.now(UTC)


def _sequences_up(bind: sa.Connection, tenant_id: int) -> None:
    mine = sequences.c.tenant_id == tenant_id
    taken = {
        (r.scope_key, r.year): r.last_value
        for r in bind.execute(sa.select(sequences).where(mine, sequences.c.namespace == NAMESPACE))
    }
    for row in bind.execute(sa.select(old_sequences).where(old_sequences.c.tenant_id == tenant_id)):
        key = (row.scope_key, row.year)
        if key in taken:  # already there (an interrupted upgrade): keep the higher value, never go back
            bind.execute(
                sequences.update()
                .where(mine, sequences.c.namespace == NAMESPACE)
                .where(sequences.c.scope_key == row.scope_key, sequences.c.year == row.year)
                .values(last_value=max(taken[key], row.last_value), updated_at=_now())
            )
            continue
        bind.execute(
            sequences.insert().values(
                tenant_id=tenant_id,
                id=uuid.uuid4(),
                namespace=NAMESPACE,
                scope_key=row.scope_key,
                year=row.year,
                last_value=row.last_value,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )


def _verifications_up(bind: sa.Connection, tenant_id: int) -> None:
    known = set(
        bind.execute(sa.select(verifications.c.token).where(verifications.c.tenant_id == tenant_id)).scalars()
    )
    rows = [
        {
            "tenant_id": tenant_id,
            "id": uuid.uuid4(),
            "token": r.token,
            "plugin": PLUGIN,
            "kind": KIND,
            "object_id": str(r.request_id),
            "document_id": r.document_id,
            "sha256": r.sha256,
            "title": (r.type_title or "")[:200],
            "number": r.number,
            "holder_name": r.resident_name,
            "issuer_name": r.signer_name,
            "issuer_title": r.signer_title,
            "issued_at": r.issued_at,
            "valid_until": r.valid_until,
            "revoked_at": r.revoked_at,
            "revoked_reason": r.revoked_reason,
            "revoked_by": r.revoked_by,
            "created_at": r.issued_at,
            "updated_at": r.revoked_at or r.issued_at,
        }
        for r in bind.execute(sa.select(letters).where(letters.c.tenant_id == tenant_id))
        if r.token not in known
    ]
    if rows:
        bind.execute(verifications.insert(), rows)


def upgrade() -> None:
    bind = op.get_bind()
    for tenant_id in _villages(bind):
        _sequences_up(bind, tenant_id)
        _verifications_up(bind, tenant_id)
    disable_rls(op, OLD)
    op.drop_table(OLD)


def _create_old_table() -> None:
    op.create_table(
        OLD,
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope_key", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_smart_government_letter_sequences_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_smart_government_letter_sequences")),
        sa.UniqueConstraint(
            "tenant_id",
            "scope_key",
            "year",
            name=op.f("uq_smart_government_letter_sequences_tenant_id_scope_key_year"),
        ),
    )
    enable_rls(op, OLD)


def downgrade() -> None:
    _create_old_table()
    bind = op.get_bind()
    for tenant_id in _villages(bind):
        ours = sa.and_(sequences.c.tenant_id == tenant_id, sequences.c.namespace == NAMESPACE)
        rows = [
            {
                "tenant_id": tenant_id,
                "id": uuid.uuid4(),
                "scope_key": r.scope_key,
                "year": r.year,
                "last_value": r.last_value,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
            for r in bind.execute(sa.select(sequences).where(ours))
            if len(r.scope_key) <= 20  # the old column's width (letter type codes always fit)
        ]
        if rows:
            bind.execute(old_sequences.insert(), rows)
        bind.execute(sequences.delete().where(ours))
        bind.execute(
            verifications.delete().where(
                verifications.c.tenant_id == tenant_id,
                verifications.c.plugin == PLUGIN,
                verifications.c.kind == KIND,
            )
        )
