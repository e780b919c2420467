"""The rollout matrix: villages by installed plugins, each cell enabled, ready or blocked.

A cell is *ready* only when the plugin and every plugin it requires that is not yet enabled pass
their readiness checks, exactly what ``rollout.enable`` will demand. Readiness is asked once per
village and plugin (``rollout.readiness``) and only for the rows shown, so a page of 25 villages
with six pillars costs at most 150 small reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ..kit import tabular
from ..models import Tenant
from ..plugin_system.pillar import shared_counts
from ..plugin_system.state import enabled_by_village, installed_names, plugins
from ..plugin_system.types import PluginInfo, ReadinessCheck
from ..services import ServiceError, rollout
from ..tenancy import tenant_session

ENABLED, READY, BLOCKED = "enabled", "ready", "blocked"


@dataclass
class Cell:
    plugin: str
    state: str
    failing: list[tuple[str, ReadinessCheck]] = field(default_factory=list)  # (plugin, check)


@dataclass
class Row:
    tenant: Tenant
    cells: list[Cell]


def columns() -> list[PluginInfo]:
    """Installed, working plugins in dependency and rollout order."""
    installed = installed_names()
    return [p.info for name, p in plugins().working().items() if name in installed and p.info]


def _unavailable(name: str) -> ReadinessCheck:
    return ReadinessCheck(
        "requirement",
        _("Requires %(name)s, which is not available on the platform.", name=name),
        False,
        _("Ask a platform admin to install or repair it."),
    )


def cells_for(
    tenant: Tenant,
    names: list[str],
    enabled: set[str] | frozenset[str],
    checks: dict[str, list[ReadinessCheck]] | None = None,
    connection: Connection | None = None,
) -> list[Cell]:
    """The village's cells; ``checks`` collects every plugin's readiness as it is asked (once each).
    With ``connection`` (the board's replica connection) the checks read there, inside its open
    transaction; otherwise in a session of its own on the primary (one for all the village's pillars)."""
    checks = {} if checks is None else checks
    with ExitStack() as stack:
        session: Session | None = None  # one for every pillar of the village, opened when needed

        def failing_of(name: str) -> list[ReadinessCheck]:
            nonlocal session
            if name not in checks:
                if session is None:
                    session = stack.enter_context(tenant_session(tenant.id, connection))
                checks[name] = rollout.readiness(tenant, name, session=session)
            return [c for c in checks[name] if not c.passed]

        cells = []
        for name in names:
            if name in enabled:
                cells.append(Cell(name, ENABLED))
                continue
            failing = failing_for(name, enabled, failing_of)
            cells.append(Cell(name, BLOCKED if failing else READY, failing))
    return cells


def failing_for(
    name: str, enabled: set[str] | frozenset[str], failing_of: Callable[[str], list[ReadinessCheck]]
) -> list[tuple[str, ReadinessCheck]]:
    """What keeps ``name`` from being enabled: the failing checks (``failing_of(plugin)``) of it and
    of what it requires that is not enabled yet, or one check naming a requirement the platform
    lacks. The board's cells and the facilitator's surface ask the same question."""
    try:
        needed = [n for n in rollout.closure(name) if n not in enabled]
    except ServiceError:
        missing = [n for n in plugins().loaded[name].requires if n not in plugins().working()]
        return [(name, _unavailable(", ".join(missing)))]
    return [(n, c) for n in needed for c in failing_of(n)]


def rows_for(
    tenants: Iterable[Tenant],
    names: list[str],
    session: Session | None = None,
    connection: Connection | None = None,
) -> list[Row]:
    """The board's rows; ``session`` (default the request's) reads which plugins are enabled.

    ``connection`` (the replica's, for the board and its CSV) runs the readiness checks there, one
    transaction per village, rolled back: the village a check binds for Row-Level Security ends
    with it. What the board shows is advice; enabling checks again on the primary.
    """
    from ..extensions import db

    tenants = list(tenants)
    enabled = enabled_by_village([t.id for t in tenants], session or db.session)
    rows = []
    with shared_counts():  # the board only reads: each village's kit counts once, not per pillar
        for t in tenants:
            if connection is None:
                rows.append(Row(t, cells_for(t, names, enabled[t.id])))
                continue
            transaction = connection.begin()
            try:
                rows.append(Row(t, cells_for(t, names, enabled[t.id], connection=connection)))
            finally:
                transaction.rollback()
    return rows


def state_label(state: str) -> str:
    return {ENABLED: _("enabled"), READY: _("ready"), BLOCKED: _("blocked")}.get(state, state)


def to_csv(rows: list[Row], infos: list[PluginInfo]) -> str:
    """One line per village, one column per plugin named by its identifier; states stay English
    words (enabled, ready, blocked) so that the file is machine-readable in every language. Text
    cells are kept from running as formulas (``kit.tabular``)."""
    header = ["code", "slug", "village", "district", "regency", *(i.name for i in infos), "blocked_by"]

    def lines() -> Iterator[list[str]]:
        for row in rows:
            t = row.tenant
            blocked = "; ".join(
                f"{cell.plugin}: {check.label}" for cell in row.cells for _p, check in cell.failing
            )
            yield [
                t.code,
                t.slug,
                t.name,
                t.district_name,
                t.regency_name,
                *(c.state for c in row.cells),
                blocked,
            ]

    return tabular.csv_text(header, lines())
