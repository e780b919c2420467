"""Registry import: time and peak memory of the dry run and the commit of N residents.

    .venv/bin/python bench/registry_import.py [--rows 100000]

Standalone: a temporary SQLite database (migrated to ``core@head``, then ``smart_government``
installed), the village Menanga with two hamlets and the plugin enabled (readiness overridden). The
file is the platform template as CSV, families of four with valid NIKs (kecamatan 510701 + birth
date, women +40, + serial) and KK numbers. Memory is the tracemalloc peak (Python allocations).
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

CODE = "51.07.01.2003"  # Menanga, kecamatan Rendang (510701)
DISTRICT = "510701"


def generate(path: Path, rows: int) -> None:
    from smart_government.importing import TEMPLATE_COLUMNS

    rng = random.Random(7)
    serial = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(TEMPLATE_COLUMNS)
        for i in range(rows):
            if i % 4 == 0:
                family = i // 4 + 1
                issued = f"{1 + family // 9999 % 28:02d}{1 + family // 279972 % 12:02d}20"
                kk = f"{DISTRICT}{issued}{family % 9999 + 1:04d}"
            serial = serial % 9999 + 1
            female = rng.random() < 0.5
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(30000))
            day = born.day + (40 if female else 0)
            nik = f"{DISTRICT}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
            row = {
                "kk_number": kk,
                "nik": nik,
                "name": f"{'Ni' if female else 'I'} Resident {i}",
                "birth_place": "Karangasem",
                "birth_date": born.isoformat(),
                "sex": "P" if female else "L",
                "religion": "Hindu",
                "hamlet": "Kaja" if i % 2 else "Kelod",
                "address": f"Jl. Raya {family}",
            }
            writer.writerow([row.get(c, "") for c in TEMPLATE_COLUMNS])


def build_app(root: Path):  # noqa: ANN201
    from flask_migrate import upgrade

    from desacerdas.app import create_app
    from desacerdas.services import rollout, tenants

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.db'}",
            "INSTANCE_PATH": str(root),
            "BABEL_DEFAULT_LOCALE": "en",
        }
    )
    with app.app_context():
        logging.disable(logging.INFO)
        try:
            upgrade(revision="core@head")
            rollout.install("smart_government")
        finally:
            logging.disable(logging.NOTSET)
        tenant = tenants.create_tenant(CODE)
        tenants.add_hamlet(tenant, "Kaja")
        tenants.add_hamlet(tenant, "Kelod")
        rollout.enable(tenant, "smart_government", override_reason="benchmark")
        return app, tenant.id


def measure(label: str, fn):  # noqa: ANN001, ANN201
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"{label:<10} {elapsed:8.1f} s   peak {peak / 2**20:7.1f} MiB   {result.summary()}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    from smart_government import importing

    from desacerdas.extensions import db
    from desacerdas.models import Tenant
    from desacerdas.tenancy import tenant_session

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "residents.csv"
        generate(path, args.rows)
        print(f"{args.rows} residents, {path.stat().st_size / 2**20:.1f} MiB CSV")
        app, tenant_id = build_app(root)
        with app.app_context():
            tenant = db.session.get(Tenant, tenant_id)
            with tenant_session(tenant_id) as session:
                plan = measure("dry run", lambda: importing.plan_import(session, tenant, path, path.name))
                assert plan.ok, plan.problems[:5]
            with tenant_session(tenant_id) as session:
                measure("commit", lambda: importing.commit_import(session, tenant, path, path.name))
            with tenant_session(tenant_id) as session:
                again = measure("again", lambda: importing.plan_import(session, tenant, path, path.name))
                assert again.residents.skip == args.rows


if __name__ == "__main__":
    main()
