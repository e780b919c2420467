"""Registry import: time and peak memory of the dry run and the commit of N residents.

    .venv/bin/python bench/registry_import.py [--rows 100000] [--tracemalloc]
    .venv/bin/python bench/registry_import.py --database-url postgresql+psycopg://app@host/db \\
        --owner-url postgresql+psycopg://owner@host/db --app-role app

Standalone: SQLite in a temporary folder by default; PostgreSQL when ``--database-url`` (or
``DESA_TEST_DATABASE_URL`` with ``DESA_TEST_MIGRATION_DATABASE_URL`` and ``DESA_TEST_DB_APP_ROLE``, as
``deploy/pg-test-db.sh create NAME`` prints) is given. The database is migrated (core and every
plugin) and EMPTIED (use a throwaway database), then the village Menanga gets hamlets and the plugin.
The file is the platform template as CSV, families of four with valid NIKs (kecamatan 510701 + birth
date, women +40, + a serial unique per date) and KK numbers.

Time is wall time without tracing. Memory is the process's peak RSS after each step (``ru_maxrss``:
it includes the application, and only ever grows); ``--tracemalloc`` also gives the peak of Python
allocations per step, at the cost of a much slower run.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

CODE = "51.07.01.2003"  # Menanga, kecamatan Rendang (510701)
DISTRICT = "510701"
HAMLETS = ("Kaja", "Kelod", "Kangin", "Kauh", "Tengah", "Pura", "Sari", "Lebah")


def generate(path: Path, rows: int) -> None:
    from smart_government.importing import sample

    sample.write(path, rows, DISTRICT, HAMLETS)


def database_options(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--database-url", default=env("DESA_TEST_DATABASE_URL"), help="default: SQLite")
    parser.add_argument("--owner-url", default=env("DESA_TEST_MIGRATION_DATABASE_URL"))
    parser.add_argument("--app-role", default=env("DESA_TEST_DB_APP_ROLE"))


def build_app(root: Path, args: argparse.Namespace):  # noqa: ANN201
    """A migrated, emptied database with the village Menanga (hamlets, plugin enabled)."""
    from desacerdas.testing import support

    if args.database_url:
        urls = (args.database_url, args.owner_url or args.database_url)
    else:
        urls = (f"sqlite:///{root / 'bench.db'}",) * 2
    config = support.app_config(urls, root, DB_APP_ROLE=args.app_role if args.database_url else None)
    app = support.create_test_app(config)
    logging.disable(logging.INFO)
    try:
        support.migrate(app)
        support.wipe(app)
    finally:
        logging.disable(logging.NOTSET)
    village = support.make_village(app, CODE, hamlets=HAMLETS, enable=("smart_government",))
    return app, village


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, fn: Callable[[], Any], trace: bool = False) -> Any:
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
    traced = f"   python peak {peak / 2**20:6.1f} MiB" if peak is not None else ""
    print(f"{label:<10} {elapsed:8.1f} s   peak RSS {rss_mib():7.1f} MiB{traced}   {result.summary()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slow)")
    database_options(parser)
    args = parser.parse_args()
    from smart_government import importing

    from desacerdas.extensions import db
    from desacerdas.models import Tenant
    from desacerdas.tenancy import tenant_session

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "residents.csv"
        generate(path, args.rows)
        app, village = build_app(root, args)
        engine = "postgresql" if args.database_url else "sqlite"
        print(f"{args.rows} residents, {path.stat().st_size / 2**20:.1f} MiB CSV, {engine}")
        print(f"start      peak RSS {rss_mib():7.1f} MiB")
        trace = args.tracemalloc
        with app.app_context():
            tenant = db.session.get(Tenant, village.id)
            with tenant_session(village.id) as session:
                plan = measure(
                    "dry run", lambda: importing.plan_import(session, tenant, path, path.name), trace
                )
                assert plan.ok, plan.problems[:5]
            with tenant_session(village.id) as session:
                measure("commit", lambda: importing.commit_import(session, tenant, path, path.name), trace)
            with tenant_session(village.id) as session:
                again = measure(
                    "again", lambda: importing.plan_import(session, tenant, path, path.name), trace
                )
                assert again.residents.skip == args.rows


if __name__ == "__main__":
    main()
