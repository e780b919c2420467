"""docs/scaling.md lists the Citus distribution commands for every table; this keeps the list true.

Every tenant-owned table (the core's and every loaded plugin's ``TenantScoped`` models) is
distributed by ``tenant_id`` and colocated with the first one, every other table is a reference
table, nothing is listed that is not a table, and a table comes after every table it references
(Citus refuses a foreign key to a table that is not distributed or a reference table yet). The key
rules colocation needs (tenant_id in every primary, unique and foreign key) are
tests/test_schema_contract.py's."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import MetaData

from desacerdas.models import Base
from desacerdas.tenancy.contract import tenant_tables

DOC = Path(__file__).resolve().parents[1] / "docs" / "scaling.md"
BLOCK = re.compile(r"<!-- citus:begin -->(.*?)<!-- citus:end -->", re.S)
COMMAND = re.compile(
    r"SELECT\s+(create_reference_table|create_distributed_table)\(\s*'(\w+)'"
    r"(?:\s*,\s*'(\w+)')?(?:\s*,\s*colocate_with\s*=>\s*'(\w+)')?\s*\)\s*;"
)


def citus_commands(text: str) -> list[tuple[str, str, str | None, str | None]]:
    """``(function, table, column, colocate_with)`` per command of the marked block, in order."""
    found = BLOCK.search(text)
    assert found, "docs/scaling.md lacks the <!-- citus:begin --> … <!-- citus:end --> block"
    block = found.group(1)
    statements = [s.strip() for s in re.sub(r"--[^\n]*", "", block).replace("```sql", "").split(";")]
    commands = COMMAND.findall(block)
    assert len(commands) == len([s for s in statements if s and s != "```"]), "a statement is malformed"
    return [(f, t, c or None, w or None) for f, t, c, w in commands]


def citus_problems(text: str, metadata: MetaData, owned: set[str]) -> list[str]:
    """What is wrong with the documented commands for these tables (empty when right)."""
    commands = citus_commands(text)
    problems: list[str] = []
    tables = metadata.tables
    seen: set[str] = set()
    distributed = [c for c in commands if c[0] == "create_distributed_table"]
    anchor = distributed[0][1] if distributed else None
    for function, table, column, colocate in commands:
        if table in seen:
            problems.append(f"{table}: listed twice")
        if table not in tables:
            problems.append(f"{table}: listed but no such table in the models")
            seen.add(table)
            continue
        if function == "create_distributed_table":
            if table not in owned:
                problems.append(f"{table}: a platform table must be a reference table, not distributed")
            if column != "tenant_id":
                problems.append(f"{table}: distributed by {column}, not tenant_id")
            if table != anchor and colocate != anchor:
                problems.append(f"{table}: colocate_with => {colocate!r}, not {anchor!r}")
            if table == anchor and colocate is not None:
                problems.append(f"{table}: the first distributed table sets the colocation group")
        elif table in owned:
            problems.append(f"{table}: tenant-owned, must be distributed by tenant_id")
        for fk in tables[table].foreign_key_constraints:
            target = fk.referred_table.name
            if target != table and target not in seen:
                problems.append(f"{table}: listed before {target}, which it references")
        seen.add(table)
    for table in sorted(set(tables) - seen):
        kind = "create_distributed_table" if table in owned else "create_reference_table"
        problems.append(f"{table}: missing, add `SELECT {kind}('{table}', …);`")
    return problems


def test_docs_list_every_table_for_citus(app):
    """``app``: the platform with every plugin loaded, so their models are in the metadata."""
    owned = tenant_tables()
    assert {"hamlets", "smart_government_residents"} <= owned  # the core's and a plugin's
    assert citus_problems(DOC.read_text(), Base.metadata, owned) == []


def _distributed(table: str) -> str:
    return f"SELECT create_distributed_table('{table}', 'tenant_id', colocate_with => 'hamlets');"


def test_the_check_catches_a_missing_a_misplaced_and_an_unknown_table(app):
    owned = tenant_tables()
    text = DOC.read_text()
    line, residents = _distributed("smart_government_letters"), _distributed("smart_government_residents")
    assert line in text and residents in text
    missing = citus_problems(text.replace(line, ""), Base.metadata, owned)
    assert missing == [
        "smart_government_letters: missing, add "
        "`SELECT create_distributed_table('smart_government_letters', …);`"
    ]
    early = text.replace(residents, "").replace(line, line + "\n" + residents)
    problems = citus_problems(early, Base.metadata, owned)
    assert (
        "smart_government_civil_events: listed before smart_government_residents, which it references"
        in problems
    )
    unknown = text.replace(line, line + "\nSELECT create_reference_table('no_such_table');")
    assert citus_problems(unknown, Base.metadata, owned) == [
        "no_such_table: listed but no such table in the models"
    ]
    wrong = text.replace("SELECT create_reference_table('users');", _distributed("users"))
    problems = citus_problems(wrong, Base.metadata, owned)
    assert "users: a platform table must be a reference table, not distributed" in problems
