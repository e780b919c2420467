"""The double-receipt check of one aid candidate (``smart_society.aid.rules.find``) on PostgreSQL
with 1,000 villages, 100,000 residents and 20,000 recipients of 50 programmes on the aid ledger,
against the bare ledger lookup (one indexed SQL query), rounds interleaved.

    .venv/bin/python bench/aid_conflicts.py [--rounds 500] [--villages 1000] [--residents 100000]
        [--recipients 20000] [--programmes 50] [--seed 7]
    .venv/bin/python bench/aid_conflicts.py --database-url … --owner-url … --app-role … --super-url …

**Set-up.** Its own database ``desa_bench_aid_<pid>`` from ``deploy/pg-test-db.sh`` (an owner role
and an application role that neither owns the tables nor bypasses Row-Level Security), dropped at
the end, on failure and on SIGTERM too; or the database of ``--database-url`` (application role),
``--owner-url`` and ``--super-url`` (a superuser, for the bulk load), which must be a throwaway one
and is left in place. The core is migrated and smart_society (with smart_government) installed;
Menanga is provisioned through the services with both pillars enabled and a village head; the
other 999 villages are inserted in bulk (``bench/bare_pages/platform_setup.add_villages``). Then,
with COPY as the superuser (one statement per table, RLS not in the way): 100 residents per
village in families of four; the 50 programmes (seven sources, whole years, halves and quarters;
BLT-DD excludes PKH and BPNT), each village running four of them (PKH always: the national one,
so villages share source types); 20 recipients per village (families or persons, 5% still
candidates, i.e. pending claims), each with its ledger rows (one per NIK the claim covers, the
NIK as ``aid_ledger.fingerprint``, computed in an app context); 300 people moved between villages
(the same NIK in two registries, a PKH recipient in the new one), 8 of them from Menanga. Then
VACUUM ANALYZE.

**Platform side.** In an app context connected as the application role (so every statement goes
through RLS), a ``tenant_session`` of Menanga, as its head: ``rules.find()`` for a random resident
of Menanga proposed for Menanga's BLT-DD (families, excluding PKH and BPNT) — the in-village
query, the household's NIKs, ``aid_ledger.conflicts`` (fingerprints, the platform session's
ledger query) and its audit event. Timed: the call; then, apart, the call and the commit that
writes its audit event (``aid.ledger_checked``).

**Bare side.** The same ledger lookup for the same candidate (the household's fingerprints computed
beforehand) as one SQL statement on a plain psycopg connection (the superuser, autocommit: no RLS).

**Prints.** The volumes, p50/p95/max in ms of both sides over ``--rounds`` interleaved rounds (the
order alternating, after 30 warm-up rounds), the ratio platform/bare of p50 and p95, the SQL
statements per check, how many candidates had another village's conflict (and whether both sides
agree on every one), and "goal p95 < 20 ms: met/not met" (the check without the commit). About
a minute in all.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import pg_scratch  # noqa: E402
from bare_pages import platform_setup as setup  # noqa: E402
from pg_scratch import pct, pg_create, plain  # noqa: E402

GOAL_MS = 20.0
WARMUP = 30
MEMBERS = 4  # a family
MOVED, MOVED_FROM_MENANGA = 300, 8
PENDING_SHARE = 0.05
PROGRAMMES_PER_VILLAGE = 4
YEAR = date.today().year
SOURCES = ("pkh", "bpnt", "sembako", "blt_dd", "province", "regency", "other")
EXCLUDES = {"blt_dd": ["bpnt", "pkh"]}
BARE_SQL = (
    "SELECT source, period_start, period_end FROM aid_ledger"
    " WHERE nik_hash = ANY(%(hashes)s) AND tenant_id <> %(tenant)s AND NOT pending"
    " AND period_start <= %(end)s AND period_end >= %(start)s"
    " AND (source = ANY(%(excludes)s) OR source = %(source)s"
    "      OR position(%(marked)s in ',' || excludes || ',') > 0)"
    " LIMIT 50"
)


# -- the programmes and the population -------------------------------------------------------------


def programme_defs(count: int) -> list[dict]:
    """``count`` programmes: #0 the national PKH of the year; then the seven sources in turn over
    whole years, halves and quarters, some for families and some for persons."""
    periods = [
        (date(YEAR, 1, 1), date(YEAR, 12, 31)),
        (date(YEAR, 1, 1), date(YEAR, 6, 30)),
        (date(YEAR, 7, 1), date(YEAR, 12, 31)),
        *[(date(YEAR, m, 1), date(YEAR, m + 2, 28 if m + 2 == 2 else 30)) for m in (1, 4, 7, 10)],
        (date(YEAR - 1, 1, 1), date(YEAR - 1, 12, 31)),
    ]
    defs = []
    for n in range(count):
        source = "pkh" if n == 0 else SOURCES[n % len(SOURCES)]
        start, end = periods[0] if n == 0 else periods[n % len(periods)]
        defs.append(
            {
                "name": "PKH Nasional" if n == 0 else f"Program {n:02d} {source.upper()}",
                "source": source,
                "unit": "person" if n % 5 == 4 else "family",
                "period_start": start,
                "period_end": end,
                "excludes": EXCLUDES.get(source, []),
                "schedule": "quarterly" if source in ("pkh", "bpnt") else "monthly",
            }
        )
    return defs


class Copy:
    """Rows for one table, sent with COPY at the end."""

    def __init__(self, table: str, columns: tuple[str, ...]) -> None:
        self.table, self.columns, self.rows = table, columns, []

    def add(self, *values: object) -> None:
        self.rows.append(values)

    def send(self, conn) -> None:  # noqa: ANN001 - a psycopg connection
        cols = ", ".join(self.columns)
        with conn.cursor() as cur, cur.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
            for row in self.rows:
                copy.write_row(row)


def populate(app, menanga_id: int, village_ids: list[int], args, rng: random.Random) -> dict:  # noqa: ANN001, C901, PLR0915
    """Every row of the registry, the programmes, the recipients and the ledger, as COPY buffers;
    returns what the measurement needs about Menanga (its BLT-DD programme, its households)."""
    from desacerdas.services import aid_ledger

    now = datetime.now(UTC)
    per_village = args.residents // len(village_ids)
    families_per_village = max(1, per_village // MEMBERS)
    recipients_per_village = args.recipients // len(village_ids)
    defs = programme_defs(args.programmes)

    families = Copy(
        "smart_government_families",
        ("tenant_id", "id", "kk_number", "kk_temporary", "created_at", "updated_at"),
    )
    residents = Copy(
        "smart_government_residents",
        (
            "tenant_id",
            "id",
            "nik",
            "nik_temporary",
            "family_id",
            "name",
            "name_search",
            "birth_date",
            "sex",
            "citizenship",
            "status",
            "created_at",
            "updated_at",
        ),
    )
    programmes = Copy(
        "smart_society_aid_programmes",
        (
            "tenant_id",
            "id",
            "name",
            "source",
            "benefit",
            "amount",
            "schedule",
            "period_start",
            "period_end",
            "unit",
            "excludes",
            "active",
            "created_at",
            "updated_at",
        ),
    )
    recipients = Copy(
        "smart_society_aid_recipients",
        (
            "tenant_id",
            "id",
            "programme_id",
            "status",
            "resident_id",
            "family_id",
            "nik",
            "name",
            "kk_number",
            "created_at",
            "updated_at",
        ),
    )
    ledger = Copy(
        "aid_ledger",
        (
            "tenant_id",
            "record_id",
            "nik_hash",
            "source",
            "excludes",
            "period_start",
            "period_end",
            "programme",
            "pending",
            "recorded_at",
        ),
    )

    # households[v][f] = [(resident id, nik, name)] ; family ids[v][f]
    households: dict[int, list[list[list]]] = {}
    family_ids: dict[int, list[uuid.UUID]] = {}
    kk: dict[int, list[str]] = {}
    for vi, v in enumerate(village_ids):
        households[v], family_ids[v], kk[v] = [], [], []
        for f in range(families_per_village):
            family_ids[v].append(uuid.uuid4())
            kk[v].append(f"52{vi:05d}{f:04d}00000")
            households[v].append(
                [
                    [uuid.uuid4(), f"52{vi:05d}{f:04d}{m + 1:05d}", f"I Warga {vi:05d}-{f:04d}-{m}"]
                    for m in range(MEMBERS)
                ]
            )
    # people who moved: the same NIK in a family of another village (replacing its last member's)
    others = [v for v in village_ids if v != menanga_id]
    moved_into: dict[int, set[int]] = {v: set() for v in village_ids}  # families holding one
    moved_from_menanga = 0
    niks_of = {v: {m[1] for members in households[v] for m in members} for v in village_ids}
    for k in range(MOVED):
        source_v = menanga_id if k < MOVED_FROM_MENANGA else rng.choice(village_ids)
        target_v = rng.choice([v for v in others if v != source_v])
        person = rng.choice(rng.choice(households[source_v]))
        free = [f for f in range(families_per_village) if f not in moved_into[target_v]]
        if not free:
            continue
        if person[1] in niks_of[target_v]:
            continue  # already there
        f = rng.choice(free)
        niks_of[target_v].discard(households[target_v][f][-1][1])
        niks_of[target_v].add(person[1])
        households[target_v][f][-1][1] = person[1]
        moved_into[target_v].add(f)
        moved_from_menanga += source_v == menanga_id
    for v in village_ids:
        for f, members in enumerate(households[v]):
            families.add(v, family_ids[v][f], kk[v][f], False, now, now)
            for m, (rid, nik, name) in enumerate(members):
                residents.add(
                    v,
                    rid,
                    nik,
                    False,
                    family_ids[v][f],
                    name,
                    name.lower(),
                    date(1960 + (f + m * 7) % 45, 1 + m, 1 + f % 28),
                    "male" if m % 2 == 0 else "female",
                    "WNI",
                    "living",
                    now,
                    now,
                )

    # programmes: every village runs PKH and three more of the 50; Menanga also its BLT-DD
    menanga_blt = uuid.uuid4()
    village_programmes: dict[int, list[tuple[uuid.UUID, dict]]] = {}
    for v in village_ids:
        chosen = [defs[0], *rng.sample(defs[1:], min(len(defs) - 1, PROGRAMMES_PER_VILLAGE - 1))]
        village_programmes[v] = [(uuid.uuid4(), d) for d in chosen]
    blt_def = {
        "name": "BLT Dana Desa",
        "source": "blt_dd",
        "unit": "family",
        "period_start": date(YEAR, 1, 1),
        "period_end": date(YEAR, 12, 31),
        "excludes": EXCLUDES["blt_dd"],
        "schedule": "monthly",
    }
    for v, rows in village_programmes.items():
        extra = [(menanga_blt, blt_def)] if v == menanga_id else []
        for pid, d in rows + extra:
            programmes.add(
                v,
                pid,
                d["name"],
                d["source"],
                "cash",
                300_000,
                d["schedule"],
                d["period_start"],
                d["period_end"],
                d["unit"],
                json.dumps(d["excludes"]),
                True,
                now,
                now,
            )

    # recipients: families holding a moved person first (in PKH), then at random; never twice in one
    ledger_rows = pending = 0
    for v in village_ids:
        pkh_id, pkh_def = village_programmes[v][0]
        taken: set[tuple[uuid.UUID, int]] = set()
        picks = [(pkh_id, pkh_def, f) for f in sorted(moved_into[v])][:recipients_per_village]
        while len(picks) < recipients_per_village:
            pid, d = rng.choice(village_programmes[v])
            f = rng.randrange(families_per_village)
            if (pid, f) not in taken and (pid, f) not in {(p, g) for p, _d, g in picks}:
                picks.append((pid, d, f))
        for pid, d, f in picks:
            taken.add((pid, f))
            members = households[v][f]
            is_pending = rng.random() < PENDING_SHARE
            rep = members[-1] if f in moved_into[v] and pid == pkh_id else members[0]
            record = uuid.uuid4()
            recipients.add(
                v,
                record,
                pid,
                "proposed" if is_pending else "recipient",
                rep[0],
                family_ids[v][f],
                rep[1],
                rep[2],
                kk[v][f],
                now,
                now,
            )
            covered = [m[1] for m in members] if d["unit"] == "family" else [rep[1]]
            for nik in covered:
                ledger.add(
                    v,
                    record,
                    aid_ledger.fingerprint(nik),
                    d["source"],
                    ",".join(sorted(d["excludes"])),
                    d["period_start"],
                    d["period_end"],
                    d["name"],
                    is_pending,
                    now,
                )
                ledger_rows += 1
            pending += is_pending

    return {
        "copies": [families, residents, programmes, recipients, ledger],
        "blt": menanga_blt,
        "blt_def": blt_def,
        "households": [(family_ids[menanga_id][f], m) for f, m in enumerate(households[menanga_id])],
        "counts": {
            "villages": len(village_ids),
            "residents": len(residents.rows),
            "families": len(families.rows),
            "programme definitions": len(defs),
            "programme rows": len(programmes.rows),
            "recipients": len(recipients.rows),
            "pending candidates": pending,
            "ledger rows": ledger_rows,
            "moved people": MOVED,
            "moved from Menanga": moved_from_menanga,
        },
    }


# -- the run ---------------------------------------------------------------------------------------


def main() -> int:  # noqa: C901, PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--programmes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    pg_scratch.add_database_args(parser)
    args = parser.parse_args()

    return pg_scratch.run_on_own_database(args, "aid", run)


def run(args, own: str | None, tmp: Path) -> int:  # noqa: ANN001, C901, PLR0915
    import psycopg

    started = time.perf_counter()
    if own:
        env = pg_create(own)
        app_url, owner_url, role = (
            env["DESA_TEST_DATABASE_URL"],
            env["DESA_TEST_MIGRATION_DATABASE_URL"],
            env["DESA_TEST_DB_APP_ROLE"],
        )
        host = f"{os.environ.get('PGHOST', '127.0.0.1')}:{os.environ.get('PGPORT', '5432')}"
        super_url = f"postgresql://{os.environ.get('PGSUPERUSER', 'postgres')}@{host}/{own}"
    else:
        app_url, owner_url, role = args.database_url, args.owner_url or args.database_url, args.app_role
        super_url = args.super_url or re.sub(r"//[^@/]+@", "//postgres@", plain(args.database_url))
    config = setup.config_for(tmp, app_url, owner_url, role)
    config["SECRET_KEY"] = "bench-aid-" + "x" * 40

    from flask_migrate import upgrade
    from smart_society.aid import rules
    from smart_society.aid.models import AidProgramme, ConflictKind
    from sqlalchemy import event, func, select, text

    from desacerdas.extensions import db
    from desacerdas.models import AuditEvent, Role, Tenant, User
    from desacerdas.services import aid_ledger, rollout
    from desacerdas.services import tenants as tenant_svc
    from desacerdas.services import users as user_svc
    from desacerdas.tenancy import tenant_session

    app = setup.create_app(config)
    with app.app_context():
        upgrade(revision="core@head")
        rollout.install("smart_society")
        menanga = tenant_svc.create_tenant(setup.MENANGA, slug=setup.SLUG)
        rollout.enable(menanga, "smart_society", override_reason="benchmark")
        head = user_svc.create_user("Perbekel Bench", email="head@bench.test", password=setup.PASSWORD)
        user_svc.grant(head, Role.VILLAGE_HEAD, tenant=menanga)
        db.session.commit()
        menanga_id, head_id = menanga.id, head.id
        db.session.remove()
        db.engine.dispose()
    setup.add_villages(app, args.villages - 1)
    with app.app_context():
        village_ids = sorted(db.session.scalars(select(Tenant.id)))
        rng = random.Random(args.seed)
        data = populate(app, menanga_id, village_ids, args, rng)
        households = data["households"]
        db.session.remove()
    with psycopg.connect(super_url, autocommit=True) as conn:
        with conn.transaction():
            for copy in data["copies"]:
                copy.send(conn)
        for table in [c.table for c in data["copies"]] + ["tenants"]:
            conn.execute(f"VACUUM ANALYZE {table}")
    print(
        f"set-up {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in data["counts"].items())
    )

    # the candidates: random residents of Menanga (with replacement), and their household's NIKs
    rounds = WARMUP + args.rounds
    picks = [rng.choice(households) for _ in range(rounds)]
    people = [(family_id, rng.choice(members)) for family_id, members in picks]
    blt = data["blt_def"]
    statements = {"n": 0}

    def count(*_a) -> None:  # noqa: ANN002
        statements["n"] += 1

    with app.app_context():
        hashes = [[aid_ledger.fingerprint(m[1]) for m in members] for _f, members in picks]
        with db.engine.connect() as conn:
            who = conn.execute(
                text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            ).one()
        print(
            f"platform connects as {who[0]} (superuser {who[1]}, bypasses RLS {who[2]}); "
            f"bare as {plain(super_url).split('//')[1].split('@')[0]} (no RLS)"
        )
        event.listen(db.engine, "before_cursor_execute", count)
        bare = psycopg.connect(super_url, autocommit=True)
        find_ms: list[float] = []
        with_commit_ms: list[float] = []
        bare_ms: list[float] = []
        per_check: list[int] = []
        hits = disagree = 0
        try:
            with tenant_session(menanga_id) as s:
                s.expire_on_commit = False
                tenant, user = s.get(Tenant, menanga_id), s.get(User, head_id)
                programme = s.get(AidProgramme, (menanga_id, data["blt"]))
                s.commit()

                def platform_check(i: int) -> tuple[float, float, set]:
                    family_id, (resident_id, _nik, _name) = people[i]
                    before = statements["n"]
                    t0 = time.perf_counter()
                    found = rules.find(
                        s, tenant, programme, resident_id=resident_id, family_id=family_id, actor=user
                    )
                    t1 = time.perf_counter()
                    s.commit()  # the audit event of the check
                    t2 = time.perf_counter()
                    per_check.append(statements["n"] - before)
                    other = {
                        (f.source, f.period_start, f.period_end)
                        for f in found
                        if f.kind == ConflictKind.OTHER_VILLAGE
                    }
                    return (t1 - t0) * 1000, (t2 - t0) * 1000, other

                def bare_lookup(i: int) -> tuple[float, set]:
                    t0 = time.perf_counter()
                    rows = bare.execute(
                        BARE_SQL,
                        {
                            "hashes": hashes[i],
                            "tenant": menanga_id,
                            "start": blt["period_start"],
                            "end": blt["period_end"],
                            "excludes": blt["excludes"],
                            "source": blt["source"],
                            "marked": f",{blt['source']},",
                        },
                    ).fetchall()
                    return (time.perf_counter() - t0) * 1000, {tuple(r) for r in rows}

                for i in range(rounds):
                    if i % 2 == 0:
                        f_ms, c_ms, other = platform_check(i)
                        b_ms, rows = bare_lookup(i)
                    else:
                        b_ms, rows = bare_lookup(i)
                        f_ms, c_ms, other = platform_check(i)
                    if i < WARMUP:
                        per_check.pop()
                        continue
                    find_ms.append(f_ms)
                    with_commit_ms.append(c_ms)
                    bare_ms.append(b_ms)
                    hits += bool(other)
                    disagree += other != rows
                checked = s.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "aid.ledger_checked")
                )
        finally:
            bare.close()
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
        db.engine.dispose()

    n = len(find_ms)
    print(
        f"\nrules.find() for one candidate of Menanga (BLT-DD, families), {n} interleaved rounds "
        f"after {WARMUP} warm-up, ms:"
    )
    print(f"{'':<34} {'p50':>7} {'p95':>7} {'max':>7}")
    for label, values in (
        ("platform rules.find()", find_ms),
        ("platform rules.find() + commit", with_commit_ms),
        ("bare ledger query", bare_ms),
    ):
        print(f"{label:<34} {statistics.median(values):>7.2f} {pct(values, 0.95):>7.2f} {max(values):>7.2f}")
    print(
        f"ratio platform/bare: p50 {statistics.median(find_ms) / statistics.median(bare_ms):.1f}x, "
        f"p95 {pct(find_ms, 0.95) / pct(bare_ms, 0.95):.1f}x (rules.find(), without the commit)"
    )
    print(f"SQL statements per check (with the commit): median {statistics.median(per_check):.0f}")
    print(f"candidates with another village's conflict: {hits}/{n}; platform and bare disagree on {disagree}")
    print(f"audit events aid.ledger_checked written in Menanga: {checked}")
    met = pct(find_ms, 0.95) < GOAL_MS
    print(f"goal p95 < {GOAL_MS:.0f} ms: {'met' if met else 'not met'} ({pct(find_ms, 0.95):.2f} ms)")
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0 if met and disagree == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
