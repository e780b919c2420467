"""Registry search on a village of N residents: p50/p95 of the list, filters, search, NIK lookup, a deep
page and the statistics, through the service functions and through the HTTP list page.

    .venv/bin/python bench/registry_search.py [--rows 100000] [--repeat 20]
    eval "$(bash deploy/pg-test-db.sh create bench_db)"   # then the same command runs on PostgreSQL
    .venv/bin/python bench/registry_search.py --database-url … --owner-url … --app-role …

SQLite in a temporary folder by default; PostgreSQL with ``--database-url`` or the
``DESA_TEST_DATABASE_URL`` / ``DESA_TEST_MIGRATION_DATABASE_URL`` / ``DESA_TEST_DB_APP_ROLE`` variables
(the database is migrated and EMPTIED: use a throwaway one). The village is filled with the batched
import (bench/registry_import.py's generator: families of four over eight hamlets, Balinese names,
some with accents); on PostgreSQL the tables are then vacuumed and analysed, as autovacuum would.

A "service" timing runs what a list page runs: ``registry.search`` → COUNT(*) of the filtered rows and
one page of 25 (``--page-size``); an "http" timing is the whole GET of the page with the Flask test
client, signed in as the village's operator (template rendering included).
"""

from __future__ import annotations

import argparse
import statistics as stats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from registry_import import build_app, database_options, generate  # noqa: E402


def percentiles(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm caches and statement compilation
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return stats.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=25)
    database_options(parser)
    args = parser.parse_args()

    from smart_government import importing, registry
    from smart_government.registry import statistics as population
    from smart_government.registry.models import Resident
    from sqlalchemy import create_engine, func, select, text

    from desacerdas.extensions import db
    from desacerdas.models import Hamlet, Tenant
    from desacerdas.tenancy import tenant_session
    from desacerdas.testing import support

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "residents.csv"
        generate(path, args.rows)
        app, village = build_app(root, args)
        app.config["PAGE_SIZE"] = args.page_size
        engine_name = "postgresql" if args.database_url else "sqlite"
        start = time.perf_counter()
        with app.app_context(), tenant_session(village.id) as session:
            importing.commit_import(session, db.session.get(Tenant, village.id), path, path.name)
        print(f"{engine_name}: {args.rows} residents imported in {time.perf_counter() - start:.1f} s")
        if args.database_url:
            owner = create_engine(args.owner_url or args.database_url, isolation_level="AUTOCOMMIT")
            with owner.connect() as conn:
                conn.execute(text("VACUUM ANALYZE smart_government_residents, smart_government_families"))
            owner.dispose()

        with app.app_context(), tenant_session(village.id) as session:
            kaja = session.scalar(select(Hamlet.id).where(Hamlet.name == "Kaja"))
            sample = session.scalars(select(Resident).order_by(Resident.nik).offset(args.rows // 2).limit(50))
            middle = max(sample, key=lambda r: len(r.name.split()[-1]))  # a long given name
            nik = middle.nik
            rare = registry.normalise_name(middle.name).split()[-1][1:]  # part of it: a rare term
            accented = "Kadék"

            def page(stmt, number: int = 1) -> int:  # noqa: ANN001
                total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
                session.scalars(stmt.limit(args.page_size).offset((number - 1) * args.page_size)).all()
                return total

            def matches(**kw) -> int:  # noqa: ANN003
                return page(registry.search(session, **kw))

            cases: list[tuple[str, Callable[[], object], str]] = [
                ("list page 1 (by name)", lambda: page(registry.search(session)), ""),
                ("hamlet filter", lambda: page(registry.search(session, hamlet_id=kaja)), f"hamlet={kaja}"),
                (
                    f"contains '{accented}'",
                    lambda: page(registry.search(session, q=accented)),
                    f"q={accented}",
                ),
                (f"contains '{rare}'", lambda: page(registry.search(session, q=rare)), f"q={rare}"),
                ("NIK exact (nik=)", lambda: page(registry.search(session, nik=nik)), ""),
                ("NIK typed in q", lambda: page(registry.search(session, q=nik)), f"q={nik}"),
                ("deep page 200", lambda: page(registry.search(session), 200), "page=200"),
                ("statistics", lambda: population.population(session, date.today()), None),
            ]
            print(
                f"matches: list {matches()}, hamlet {matches(hamlet_id=kaja)}, "
                f"'{accented}' {matches(q=accented)}, '{rare}' {matches(q=rare)}, NIK {matches(nik=nik)}"
            )
            print(f"{'service':<28} {'p50 ms':>8} {'p95 ms':>8}")
            for label, fn, _query in cases:
                p50, p95 = percentiles(fn, args.repeat)
                print(f"{label:<28} {p50:8.1f} {p95:8.1f}")

        operator = support.make_user(app, "operator", village)
        client = app.test_client()
        support.sign_in(client, operator)
        base = f"/desa/{village.slug}/smart_government"
        print(f"{'http (GET, rendered)':<28} {'p50 ms':>8} {'p95 ms':>8}")
        for label, _fn, query in cases:
            if query is None:
                url = f"{base}/statistics"
            else:
                url = f"{base}/residents" + (f"?{query}" if query else "")
                if label.startswith("NIK exact"):
                    continue  # the page has no exact-NIK field: a NIK is typed in q (next line)

            def get(url: str = url) -> None:
                resp = client.get(url)
                assert resp.status_code == 200, (url, resp.status_code)

            p50, p95 = percentiles(get, args.repeat)
            print(f"{label:<28} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
