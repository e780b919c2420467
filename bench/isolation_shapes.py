"""The ORM isolation hook: deciding per statement shape (cached) against walking every statement.

Executes the statements one API request of the residents list runs (token, user, village, plugin
rows, the page's count over a subquery and its rows), in a village session on SQLite, with the hook
as it is (the decision cached under the statement's cache key) and with the walk of the whole
statement tree on every execution after a look at every mapper (the code before, copied here as
:func:`needs_tenant_before`), rounds interleaved. Prints the median µs per
execution (hook, compile-cache lookup, SQL and fetch) of each statement and the ratio walk/shape.
The hook alone cannot be timed apart: the cache key it computes is the one SQLAlchemy reuses.

    .venv/bin/python bench/isolation_shapes.py [--rounds 5] [--n 2000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select


def _statements():  # noqa: ANN202
    from smart_government.registry.models import Resident

    from desacerdas.models import ApiToken, Membership, Tenant, User, VillagePlugin

    page = select(Resident).where(Resident.name_search.like("a%")).order_by(Resident.name_search)
    return {
        "token (no village)": lambda: select(ApiToken).where(ApiToken.token_hash == "x"),  # noqa: S105
        "user + roles": lambda: select(User).join(Membership).where(User.id == 1),
        "village": lambda: select(Tenant).where(Tenant.slug == "menanga"),
        "plugins of village": lambda: select(VillagePlugin.plugin).where(VillagePlugin.tenant_id == 1),
        "count over subquery": lambda: select(func.count()).select_from(page.order_by(None).subquery()),
        "page of residents": lambda: page.limit(20).offset(0),
    }


def needs_tenant_before(state) -> bool:  # noqa: ANN001
    """``tenancy/isolation.py``'s check before issue 12: every mapper, then the whole tree."""
    from sqlalchemy import Table
    from sqlalchemy.sql import visitors

    from desacerdas.models.base import is_tenant_scoped
    from desacerdas.tenancy import isolation

    if any(is_tenant_scoped(m.class_) for m in state.all_mappers):
        return True
    tables = isolation._tenant_tables()  # noqa: SLF001
    if not any(isinstance(e, Table) and e.name in tables for e in visitors.iterate(state.statement)):
        return False
    if state.statement._propagate_attrs.get("compile_state_plugin") != "orm":  # noqa: SLF001
        raise isolation.RawTenantTableQuery("plain Table")
    return True


def _time(session, make: Callable, n: int) -> float:  # noqa: ANN001
    start = time.perf_counter()
    for _ in range(n):
        session.execute(make()).all()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()

    from desacerdas.tenancy import isolation, tenant_session
    from desacerdas.testing import support

    root = Path(tempfile.mkdtemp(prefix="desa-bench-shapes-"))
    try:
        app = support.create_test_app(support.app_config(support.database_urls(root), root))
        support.migrate(app)
        village = support.make_village(app, support.MENANGA)
        current = isolation._needs_tenant  # noqa: SLF001
        modes = {"shape": current, "walk": needs_tenant_before}
        results: dict[tuple[str, str], list[float]] = {}
        with app.app_context(), tenant_session(village.id) as session:
            stmts = _statements()
            for _ in range(args.rounds):
                for mode, decide in modes.items():
                    isolation._needs_tenant = decide  # noqa: SLF001
                    try:
                        for name, make in stmts.items():
                            _time(session, make, 50)  # warm the compiled cache
                            results.setdefault((name, mode), []).append(_time(session, make, args.n))
                    finally:
                        isolation._needs_tenant = current  # noqa: SLF001
        print(f"{'statement':<22} {'walk µs':>9} {'shape µs':>9} {'ratio':>6}")
        totals = {"walk": 0.0, "shape": 0.0}
        for name in stmts:
            walk = statistics.median(results[(name, "walk")])
            shape = statistics.median(results[(name, "shape")])
            totals["walk"] += walk
            totals["shape"] += shape
            print(f"{name:<22} {walk:>9.1f} {shape:>9.1f} {walk / shape:>5.2f}×")
        w, s = totals["walk"], totals["shape"]
        print(f"{'all six (one request)':<22} {w:>9.1f} {s:>9.1f} {w / s:>5.2f}×")
        print(f"shape cache: {isolation.shape_stats}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
