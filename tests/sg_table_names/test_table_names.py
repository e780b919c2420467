"""Revision smart_government_0005 renames the pillar's sg_* tables (and their indexes and
constraints) to smart_government_*: it keeps a village's data and its letters' verification links,
and afterwards the database matches the models exactly (alembic's autogenerate finds nothing).

Runs on the suite's database (SQLite, or PostgreSQL with RLS in the PostgreSQL lane): it moves the
pillar's branch back to sg_0004 with a demo village in it and up again, and leaves it at head.
"""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from smart_government.plugin import MODELS
from sqlalchemy import inspect, text

from desacerdas.cli import cli
from desacerdas.models.base import Base
from desacerdas.tenancy import tenant_session
from desacerdas.testing import support

from .migrating import migrate as _migrate
from .migrating import owner_engine as _owner_engine

TABLES = (
    "families",
    "residents",
    "civil_events",
    "letter_sequences",
    "letter_types",
    "letter_requests",
    "letter_request_steps",
    "letters",
    "resident_accounts",
    "registrations",
)
# Renamed by 0005, then moved into the core's table by smart_government_0006 (the kit's numbering).
MOVED = {"letter_sequences": "SELECT count(*) FROM sequences WHERE namespace = 'smart_government.letters'"}
OURS = {m.__table__.name for m in MODELS}


def _counts(app, village, prefix: str) -> dict[str, int]:  # noqa: ANN001
    """Rows per table; at head (``smart_government_``) a moved table's rows are counted where they went."""

    def query(table: str) -> str:
        if prefix == "smart_government_" and table in MOVED:
            return MOVED[table]
        return f'SELECT count(*) FROM "{prefix}{table}"'  # noqa: S608

    with app.app_context(), tenant_session(village.id) as s:
        return {t: s.execute(text(query(t))).scalar_one() for t in TABLES}


def _tokens(app, village, prefix: str) -> list[str]:  # noqa: ANN001
    with app.app_context(), tenant_session(village.id) as s:
        query = f'SELECT token FROM "{prefix}letters" WHERE revoked_at IS NULL ORDER BY seq'  # noqa: S608
        return list(s.execute(text(query)).scalars())


def _names(app) -> set[str]:  # noqa: ANN001
    """Every table, index and constraint name of the pillar's tables, as the database holds them."""
    engine = _owner_engine(app)
    try:
        insp = inspect(engine)
        names = set()
        for table in insp.get_table_names():
            if not table.startswith(("sg_", "smart_government_")):
                continue
            names.add(table)
            names.add(insp.get_pk_constraint(table)["name"])
            names.update(fk["name"] for fk in insp.get_foreign_keys(table))
            names.update(uq["name"] for uq in insp.get_unique_constraints(table))
            names.update(ix["name"] for ix in insp.get_indexes(table))
        return {n for n in names if n}
    finally:
        engine.dispose()


def _differences(app) -> list:  # noqa: ANN001
    engine = _owner_engine(app)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    def table_of(entry) -> str | None:  # noqa: ANN001
        item = entry[-1] if isinstance(entry, list) else entry
        for obj in item[1:] if isinstance(item, tuple) else ():
            name = getattr(obj, "name", None) if not isinstance(obj, str) else obj
            table = getattr(getattr(obj, "table", None), "name", None)
            for candidate in (table, name):
                if isinstance(candidate, str) and candidate.startswith(("sg_", "smart_government_")):
                    return candidate
        return None

    return [d for d in diff if table_of(d) is not None]


def test_the_database_matches_the_models_after_the_rename(app):
    names = _names(app)
    assert {f"smart_government_{t}" for t in TABLES if t not in MOVED} == OURS
    assert names >= OURS
    assert [n for n in names if re.search(r"(^|_)sg_", n)] == []
    assert _differences(app) == []


def test_the_rename_keeps_a_demo_village_and_its_letters_verify(app, client, make_village):
    village = make_village()
    support.enable_plugins(app, village, "smart_government")
    runner = app.test_cli_runner()
    done = runner.invoke(cli, ["plugins", "demo", "smart_government", "--tenant", village.slug])
    assert done.exit_code == 0, done.output
    before = _counts(app, village, "smart_government_")
    assert before["residents"] > 100 and before["letters"] >= 3 and before["letter_request_steps"] > 0

    _migrate(app, "sg_0004", down=True)  # the layout every database had before this revision
    try:
        assert _counts(app, village, "sg_") == before
        old_names = _names(app)
        assert {f"sg_{t}" for t in TABLES} <= old_names
        assert not any(n.startswith("smart_government_") for n in old_names)
        tokens = _tokens(app, village, "sg_")
        assert _differences(app) != []  # the comparison sees a database that does not match
    finally:
        _migrate(app, "smart_government@head")

    assert _counts(app, village, "smart_government_") == before
    assert _tokens(app, village, "smart_government_") == tokens
    for token in tokens:
        page = client.get(f"/desa/{village.slug}/smart_government/verify/{token}")
        assert page.status_code == 200
    assert _differences(app) == []
    # The pillar still works on the renamed tables: the demo runs again without adding anything.
    again = runner.invoke(cli, ["plugins", "demo", "smart_government", "--tenant", village.slug])
    assert again.exit_code == 0, again.output
    assert _counts(app, village, "smart_government_") == before


def test_a_rename_that_stopped_half_way_on_sqlite_carries_on(app, make_village):
    """SQLite runs the rename's DDL outside a transaction: a failure leaves tables renamed and a
    temporary copy behind, and the next ``desa db upgrade`` must finish the job, not fail."""
    engine = _owner_engine(app)
    if engine.dialect.name != "sqlite":
        engine.dispose()
        pytest.skip("SQLite lane: PostgreSQL runs the whole revision in one transaction")
    village = make_village()
    support.enable_plugins(app, village, "smart_government")
    demo = ["plugins", "demo", "smart_government", "--tenant", village.slug]
    done = app.test_cli_runner().invoke(cli, demo)
    assert done.exit_code == 0, done.output
    before = _counts(app, village, "smart_government_")
    _migrate(app, "sg_0004", down=True)
    try:
        with engine.begin() as conn:  # what a run that failed on its third table leaves behind
            conn.execute(text('ALTER TABLE "sg_families" RENAME TO "smart_government_families"'))
            conn.execute(text('ALTER TABLE "sg_residents" RENAME TO "smart_government_residents"'))
            conn.execute(text('CREATE TABLE "_rename_smart_government_families" (x INTEGER)'))
    finally:
        engine.dispose()
        _migrate(app, "smart_government@head")
    assert _counts(app, village, "smart_government_") == before
    assert not any(n.startswith(("sg_", "_rename_")) for n in _names(app))
    assert _differences(app) == []
