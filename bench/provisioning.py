"""Provision every village of the dataset (83,762) through ``desa tenants apply`` on PostgreSQL.

    .venv/bin/python bench/provisioning.py [--limit N] [--chunk 10000]

Starts its own database (deploy/pg-test-db.sh: owner role + application role, RLS on), migrates
it and installs every plugin, generates the manifest with ``desa tenants manifest --all`` and
applies it chunk by chunk (10,000 villages per ``desa tenants apply``, each a new process, on a
platform that keeps growing), so the rate per chunk shows whether the cost per village grows with
the count. Interleaved with each chunk, the bare baseline inserts the same rows into a copy of
the ``tenants`` table with plain multi-row INSERTs (psycopg executemany, one transaction per
chunk). Then the whole manifest is applied again (must change nothing, < 60 s) and the rows are
counted. Prints the rate per chunk each side, the ratio, the total and the re-apply time; exits 1
when a goal fails (all villages in < 10 minutes, re-apply < 1 minute, re-apply wrote nothing).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESA = str(Path(sys.executable).with_name("desa"))
DB_NAME = "desa_bench_provisioning"


def _sh(args: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    result = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT, **kw)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return result


def _create_db(env: dict[str, str]) -> dict[str, str]:
    out = _sh(["bash", "deploy/pg-test-db.sh", "create", DB_NAME], env).stdout
    found = dict(re.findall(r"export (\w+)=(\S+)", out))
    return {
        "DESA_DATABASE_URL": found["DESA_TEST_DATABASE_URL"],
        "DESA_MIGRATION_DATABASE_URL": found["DESA_TEST_MIGRATION_DATABASE_URL"],
        "DESA_DB_APP_ROLE": found["DESA_TEST_DB_APP_ROLE"],
    }


def _blocks(manifest: str) -> tuple[str, list[str]]:
    """The header comments and one text block per ``[[village]]``."""
    head, *blocks = manifest.split("[[village]]\n")
    return head, ["[[village]]\n" + b for b in blocks]


def _bare_rows(blocks: list[str]) -> list[tuple]:
    """The same tenants rows the platform writes (names from the dataset), for plain INSERTs."""
    sys.path.insert(0, str(ROOT / "platform"))
    from desacerdas.services.regions import lookup_village

    rows = []
    for block in blocks:
        code = re.search(r'code = "([^"]+)"', block).group(1)
        r = lookup_village(code)
        slug = re.sub(r"[^a-z0-9]+", "-", f"{r.name} {code}".lower()).strip("-")
        profile = f'{{"postal_code": "{r.postal_code}"}}' if r.postal_code else "{}"
        rows.append(
            (
                r.code,
                slug,
                r.name,
                r.kind,
                r.district_code,
                r.district_name,
                r.regency_code,
                r.regency_name,
                r.province_code,
                r.province_name,
                "active",
                profile,
            )
        )
    return rows


# The audit table is under RLS for its owner too: count in a platform context, as the platform does.
PLATFORM = "SELECT set_config('desa.platform', 'on', false)"

BARE_INSERT = (
    "INSERT INTO bare_tenants (code, slug, name, kind, district_code, district_name, regency_code, "
    "regency_name, province_code, province_name, status, profile, plugins_stamp, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, md5(random()::text), now(), now())"
)


def main() -> int:  # noqa: C901, PLR0915
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="Only the first N villages (default: all).")
    parser.add_argument("--chunk", type=int, default=10_000, help="Villages per `desa tenants apply`.")
    args = parser.parse_args()

    import psycopg

    # Stopped with SIGTERM (or SIGINT, ignored by a background job): still drop the database.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(130))
    tmp = Path(tempfile.mkdtemp(prefix="desa-bench-provisioning-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESA_")}
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    try:
        env.update(_create_db(env))
        env.update({"DESA_INSTANCE_PATH": str(tmp / "instance"), "DESA_BROKER_URL": "memory://"})
        _sh([DESA, "db", "upgrade"], env)
        _sh([DESA, "plugins", "install", "--all"], env)
        owner_url = env["DESA_MIGRATION_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")

        started = time.perf_counter()
        _sh([DESA, "tenants", "manifest", "--all", "-o", str(tmp / "all.toml")], env)
        generate_s = time.perf_counter() - started
        head, blocks = _blocks((tmp / "all.toml").read_text(encoding="utf-8"))
        if args.limit:
            blocks = blocks[: args.limit]
        full = tmp / "manifest.toml"
        full.write_text(head + "".join(blocks), encoding="utf-8")
        parts = [blocks[i : i + args.chunk] for i in range(0, len(blocks), args.chunk)]
        bare_rows = _bare_rows(blocks)

        with psycopg.connect(owner_url, autocommit=True) as bare:
            bare.execute("CREATE TABLE bare_tenants (LIKE tenants INCLUDING INDEXES INCLUDING CONSTRAINTS)")
            bare.execute("ALTER TABLE bare_tenants ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")

        print(
            f"generated the manifest of {len(blocks)} villages in {generate_s:.1f} s (desa tenants manifest)"
        )
        print(
            f"{'chunk':>5} {'villages':>9} {'total':>7} | {'apply s':>8} {'/s':>7} {'in cmd':>7} | "
            f"{'bare s':>7} {'/s':>8} | ratio"
        )
        total_s = bare_total_s = command_s = 0.0
        rates: list[float] = []
        inside_rates: list[float] = []  # full chunks only, without the process start
        done = 0
        for k, part in enumerate(parts, start=1):
            path = tmp / f"chunk-{k:02d}.toml"
            path.write_text(head + "".join(part), encoding="utf-8")
            t0 = time.perf_counter()
            result = _sh([DESA, "tenants", "apply", str(path)], env)
            apply_s = time.perf_counter() - t0
            inside = re.search(r"committed \(([\d.]+) s\)", result.stderr)
            inside_s = float(inside.group(1)) if inside else float("nan")
            command_s += inside_s
            if len(part) == args.chunk:
                inside_rates.append(len(part) / inside_s)
            rows = bare_rows[done : done + len(part)]
            t0 = time.perf_counter()
            with psycopg.connect(owner_url) as bare, bare.cursor() as cur:
                cur.executemany(BARE_INSERT, rows)
            bare_s = time.perf_counter() - t0
            done += len(part)
            total_s += apply_s
            bare_total_s += bare_s
            rate, bare_rate = len(part) / apply_s, len(part) / bare_s
            rates.append(rate)
            print(
                f"{k:>5} {len(part):>9} {done:>7} | {apply_s:>8.1f} {rate:>7.0f} {inside_s:>7.1f} | "
                f"{bare_s:>7.1f} {bare_rate:>8.0f} | {rate / bare_rate:.2f}x",
                flush=True,
            )

        with psycopg.connect(owner_url) as c:
            c.execute(PLATFORM)
            audit_before = c.execute("SELECT count(*) FROM audit_events").fetchone()[0]
            stamp_before = c.execute("SELECT max(updated_at) FROM tenants").fetchone()[0]
        t0 = time.perf_counter()
        again = _sh([DESA, "tenants", "apply", str(full)], env).stdout
        reapply_s = time.perf_counter() - t0
        with psycopg.connect(owner_url) as c:
            c.execute(PLATFORM)
            tenants = c.execute("SELECT count(*) FROM tenants").fetchone()[0]
            provisioned = c.execute(
                "SELECT count(*) FROM audit_events WHERE action = 'tenant.provisioned'"
            ).fetchone()[0]
            audit_after = c.execute("SELECT count(*) FROM audit_events").fetchone()[0]
            stamp_after = c.execute("SELECT max(updated_at) FROM tenants").fetchone()[0]
        n = len(blocks)
        print(
            f"total: {n} villages in {total_s:.1f} s through `desa tenants apply` ({n / total_s:.0f}/s, "
            f"each chunk's process start included); "
            f"bare INSERTs {bare_total_s:.1f} s ({n / bare_total_s:.0f}/s); "
            f"ratio {bare_total_s / total_s:.2f}x"
        )
        print(
            f"of which inside the command (manifest load + apply + commit, without the process start): "
            f"{command_s:.1f} s ({n / command_s:.0f}/s)"
        )
        if len(inside_rates) > 1:
            print(
                "rate inside the command, last full chunk / first (1.00 = flat as the platform grows): "
                f"{inside_rates[-1] / inside_rates[0]:.2f}"
            )
        unchanged = "No changes" in again and audit_after == audit_before and stamp_after == stamp_before
        print(
            f"re-apply of all {n}: {reapply_s:.1f} s, "
            f"{'changed nothing' if unchanged else 'CHANGED SOMETHING'} (audit events {audit_before} -> "
            f"{audit_after}); rows: {tenants} tenants, {provisioned} tenant.provisioned audit events"
        )
        goals = [
            ("every village provisioned", tenants == n and provisioned == n),
            ("re-apply changes nothing", unchanged),
            ("re-apply < 60 s", reapply_s < 60),
        ]
        if n >= 83_000:
            goals.append(("all villages < 600 s", total_s < 600))
        for name, ok in goals:
            print(f"goal {'met' if ok else 'FAILED'}: {name}")
        return 0 if all(ok for _, ok in goals) else 1
    finally:
        subprocess.run(["bash", "deploy/pg-test-db.sh", "drop", DB_NAME], env=env, cwd=ROOT, check=False)  # noqa: S603, S607
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
