"""Letter issuance: p50/p95 of issuing one letter (number + PDF with QR + SHA-256 + stored document
+ commit), one clerk after another, and with several clerks at once.

    .venv/bin/python bench/letter_issuance.py [--letters 200] [--clerks 4]

SQLite always: a temporary database (migrated to ``core@head``, ``smart_government`` installed), the
village Menanga with its letter types seeded, documents in a temporary folder. PostgreSQL too when
``DESA_BENCH_DATABASE_URL`` (the application role) is set, with ``DESA_BENCH_MIGRATION_DATABASE_URL``
(the tables' owner) and ``DESA_BENCH_DB_APP_ROLE`` as ``deploy/pg-test-db.sh`` prints them for
tests (``DESA_TEST_*`` are used when the ``DESA_BENCH_*`` are not set but ``--pg`` is given). The
PostgreSQL database must be a throwaway one: it is emptied before and after.

Each letter is issued through ``smart_government.letters.issuing.issue`` from a signed request, exactly as
the "Issue" button does. The PDF rendering alone is measured too, to see what the database and the
storage add.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

CODE = "51.07.01.2003"  # Menanga


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def build_app(root: Path, url: str | None, owner: str | None, role: str | None):  # noqa: ANN201
    from flask_migrate import upgrade

    from desacerdas.app import create_app
    from desacerdas.extensions import db
    from desacerdas.models import Role
    from desacerdas.services import rollout, tenants, users
    from desacerdas.testing import support

    config = {
        "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{root / 'bench.db'}",
        "MIGRATION_DATABASE_URL": owner or url or f"sqlite:///{root / 'bench.db'}",
        "DB_APP_ROLE": role,
        "INSTANCE_PATH": str(root),
        "STORAGE_URL": f"file://{root / 'documents'}",
        "BABEL_DEFAULT_LOCALE": "en",
        "SERVER_NAME": "desa.example.id",
        "PREFERRED_URL_SCHEME": "https",
    }
    app = create_app(config)
    if url:
        support.wipe(app)  # a throwaway database: start empty
    with app.app_context():
        logging.disable(logging.INFO)
        try:
            upgrade(revision="core@head")
            rollout.install("smart_government")
        finally:
            logging.disable(logging.NOTSET)
        tenant = tenants.create_tenant(CODE)
        kaja = tenants.add_hamlet(tenant, "Kaja").id
        rollout.enable(tenant, "smart_government", override_reason="benchmark")
        clerk = users.create_user(
            "Bench Operator",
            email="operator@bench.test",
            password=uuid.uuid4().hex,  # never signs in
        )
        users.grant(clerk, Role.OPERATOR, tenant=tenant)
        db.session.commit()
        return app, tenant.id, kaja, clerk.id


def signed_requests(app, tenant_id: int, kaja: uuid.UUID, n: int) -> list[uuid.UUID]:  # noqa: ANN001
    from smart_government.letters.models import Channel, LetterRequest, LetterType, RequestStatus
    from smart_government.registry import create_resident
    from smart_government.registry.models import Sex
    from sqlalchemy import select

    from desacerdas.tenancy import tenant_session

    ids = []
    with app.app_context(), tenant_session(tenant_id) as s:
        skd = s.scalar(select(LetterType.id).where(LetterType.code == "SKD"))
        for i in range(n):
            person = create_resident(
                s,
                name=f"I Wayan Warga {i}",
                birth_place="Karangasem",
                birth_date=date(1980 + i % 30, 1 + i % 12, 1 + i % 28),
                sex=Sex.MALE,
                hamlet_id=kaja,
                address=f"Jl. Raya Menanga {i}",
            )
            s.flush()
            req = LetterRequest(
                type_id=skd,
                resident_id=person.id,
                hamlet_id=kaja,
                channel=Channel.COUNTER,
                status=RequestStatus.SIGNED,
                purpose="Persyaratan melamar pekerjaan",
                data={},
                attachments={},
                signer_name="I Nyoman Perbekel",
                signer_title_lines=["Kepala Desa Menanga"],
            )
            s.add(req)
            s.flush()
            ids.append(req.id)
        s.commit()
    return ids


def issue_all(app, tenant_id: int, clerk_id: int, ids: list[uuid.UUID]) -> list[float]:  # noqa: ANN001
    from smart_government.letters import issuing
    from smart_government.letters.models import LetterRequest
    from sqlalchemy import select

    from desacerdas.models import Tenant, User
    from desacerdas.tenancy import tenant_session

    times = []
    with app.app_context(), tenant_session(tenant_id) as s:
        tenant = s.get(Tenant, tenant_id)
        clerk = s.get(User, clerk_id)
        for rid in ids:
            req = s.scalar(select(LetterRequest).where(LetterRequest.id == rid))
            start = time.perf_counter()
            issuing.issue(s, tenant, req, clerk)
            times.append(time.perf_counter() - start)
    return times


def render_only(n: int) -> list[float]:
    from datetime import UTC, datetime

    from smart_government.letters.pdf import LetterDocument, Letterhead, Signer, render_letter

    times = []
    for i in range(n):
        doc = LetterDocument(
            letterhead=Letterhead("Karangasem", "Rendang", "DESA MENANGA", "Menanga, Rendang, Karangasem"),
            title="Surat Keterangan Domisili",
            number=f"SKD/{i + 1:03}/5107012003/XII/2026",
            body=["Yang bertanda tangan di bawah ini menerangkan bahwa ...", [("Nama", f"Warga {i}")]],
            place="Menanga",
            issued_at=datetime(2026, 12, 5, tzinfo=UTC),
            signer=Signer("I Nyoman Perbekel", ("Kepala Desa Menanga",)),
            verify_url=f"https://desa.example.id/desa/menanga/smart_government/verify/{uuid.uuid4().hex[:22]}",
            purpose="Persyaratan melamar pekerjaan",
        )
        start = time.perf_counter()
        render_letter(doc)
        times.append(time.perf_counter() - start)
    return times


def line(label: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"{label:<34} n={len(ms):<4} p50 {percentile(ms, 50):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms"
        f"   max {max(ms):7.1f} ms"
    )


def run(
    name: str, root: Path, args: argparse.Namespace, url: str | None, owner: str | None, role: str | None
) -> None:
    app, tenant_id, kaja, clerk_id = build_app(root, url, owner, role)
    try:
        ids = signed_requests(app, tenant_id, kaja, args.letters * 2)
        sequential = issue_all(app, tenant_id, clerk_id, ids[: args.letters])
        print(line(f"{name}: issue, one clerk", sequential))
        rest = ids[args.letters :]
        batches = [rest[i :: args.clerks] for i in range(args.clerks)]
        results: list[list[float]] = [[] for _ in batches]
        errors: list[BaseException] = []

        def clerk(i: int) -> None:
            try:
                results[i] = issue_all(app, tenant_id, clerk_id, batches[i])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        started = time.perf_counter()
        threads = [threading.Thread(target=clerk, args=(i,)) for i in range(args.clerks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        if errors:
            raise errors[0]
        together = [t for r in results for t in r]
        print(
            line(f"{name}: issue, {args.clerks} clerks at once", together)
            + f"   {len(together) / wall:.0f} letters/s"
        )
    finally:
        if url:
            from desacerdas.testing import support

            support.wipe(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=200, help="letters per measurement")
    parser.add_argument("--clerks", type=int, default=4, help="threads issuing at once")
    parser.add_argument(
        "--pg", action="store_true", help="also PostgreSQL (DESA_BENCH_* or DESA_TEST_* URLs)"
    )
    args = parser.parse_args()
    print(line("PDF rendering alone", render_only(args.letters)))
    with tempfile.TemporaryDirectory(prefix="desa-bench-") as tmp:
        run("SQLite", Path(tmp) / "sqlite", args, None, None, None)
        url = os.environ.get("DESA_BENCH_DATABASE_URL") or (
            os.environ.get("DESA_TEST_DATABASE_URL") if args.pg else None
        )
        if url:
            owner = os.environ.get("DESA_BENCH_MIGRATION_DATABASE_URL") or os.environ.get(
                "DESA_TEST_MIGRATION_DATABASE_URL"
            )
            role = os.environ.get("DESA_BENCH_DB_APP_ROLE") or os.environ.get("DESA_TEST_DB_APP_ROLE")
            run("PostgreSQL", Path(tmp) / "pg", args, url, owner, role)


if __name__ == "__main__":
    main()
