"""Are the pages flat as villages accumulate? The same platform with 20 and with 20,000 villages.

Builds two instances side by side (``bench/bare_pages/platform_setup.py``: Menanga with the six
pillars and a demo registry, plus bare villages inserted in bulk), then serves a list of pages and
endpoints through each app's test client in-process, rounds interleaved (small, large, small, …),
and prints the p50 per path on each side and their ratio (goal ≤ 1.10 for every path).

    .venv/bin/python bench/scale_flat.py [--villages 20000] [--rounds 7] [--requests 40]
    .venv/bin/python bench/scale_flat.py --db postgres   # own databases via deploy/pg-test-db.sh, RLS on

In-process (no gunicorn, no wrk): the noise of a shared 2-core machine is lower, and what grows with
the village count is the SQL, which a test client measures as well as a socket does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bare_pages import platform_setup as setup  # noqa: E402

PATHS = {
    "start page /": ("anon", "/"),
    "start page search": ("anon", "/?q=menanga"),
    "village home": ("anon", f"/desa/{setup.SLUG}/"),
    "residents page": ("operator", f"/desa/{setup.SLUG}/smart_government/residents"),
    "residents API": ("token", f"/api/v1/desa/{setup.SLUG}/smart_government/residents?per_page=20"),
    "rollout board": ("admin", "/rollout"),
    "regency indicators": ("admin", "/rollout/indicators"),
    "admin villages": ("admin", "/admin/villages"),
}


def pg_database(name: str) -> dict[str, str]:
    """Create a PostgreSQL test database (owner + app role, RLS) and return its variables."""
    out = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        ["/bin/bash", str(HERE.parent / "deploy" / "pg-test-db.sh"), "create", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = {}
    for line in out.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = value.strip().strip("'\"")
    return env


def pg_drop(name: str) -> None:
    script = str(HERE.parent / "deploy" / "pg-test-db.sh")
    subprocess.run(["/bin/bash", script, "drop", name], check=False)  # noqa: S603 - fixed arguments


class Side:
    """One instance and its signed-in clients."""

    def __init__(self, label: str, root: Path, config: dict, villages: int, residents: int) -> None:
        started = time.perf_counter()
        self.label = label
        inst = setup.build(root, config, extra_villages=villages - 1, residents=residents)
        self.app = setup.create_app(config)
        self.clients = {"anon": self.app.test_client()}
        for who, email in (("operator", setup.OPERATOR), ("admin", setup.ADMIN)):
            client = self.app.test_client()
            setup.sign_in(client, email)
            self.clients[who] = client
        self.headers = {"Authorization": f"Bearer {inst.token}"}
        self.times: dict[str, list[float]] = {name: [] for name in PATHS}
        self.status: dict[str, int] = {}
        print(f"  {label}: {villages} villages, {inst.residents} residents, built in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip

    def get(self, name: str) -> float:
        who, path = PATHS[name]
        client = self.clients["anon" if who == "token" else who]
        headers = self.headers if who == "token" else None
        start = time.perf_counter()
        resp = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        self.status[name] = resp.status_code
        return elapsed

    def round(self, n: int) -> None:
        for name in PATHS:
            for _ in range(n):
                self.times[name].append(self.get(name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--villages", type=int, default=20_000, help="villages on the large side")
    parser.add_argument("--small", type=int, default=20, help="villages on the small side")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=30, help="requests per path per round")
    parser.add_argument("--residents", type=int, default=60)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="desa-scale-flat-"))
    pg_names: list[str] = []
    try:
        sides = []
        for label, villages in (("small", args.small), ("large", args.villages)):
            root = tmp / label
            if args.db == "postgres":
                name = f"desa_bench_flat_{label}_{os.getpid()}"
                pg_names.append(name)
                env = pg_database(name)
                config = setup.config_for(
                    root,
                    env["DESA_TEST_DATABASE_URL"],
                    env.get("DESA_TEST_MIGRATION_DATABASE_URL"),
                    env.get("DESA_TEST_DB_APP_ROLE"),
                )
            else:
                config = setup.config_for(root, f"sqlite:///{root / 'desa.db'}")
            sides.append(Side(label, root, config, villages, args.residents))
        small, large = sides
        for side in sides:  # warm up: templates compiled, caches filled
            side.round(5)
            bad = {k: v for k, v in side.status.items() if v != 200}
            if bad:
                print(f"  {side.label}: non-200 answers {bad}", file=sys.stderr)
                return 2
            side.times = {name: [] for name in PATHS}
        for _ in range(args.rounds):
            small.round(args.requests)
            large.round(args.requests)
        print(f"\n{args.db}: p50 ms, {args.small} vs {args.villages} villages "
              f"({args.rounds} interleaved rounds x {args.requests} requests per path)")  # fmt: skip
        print(f"{'path':<20} {'small p50':>10} {'large p50':>10} {'ratio':>7}  goal ≤ 1.10")
        worst = 0.0
        for name in PATHS:
            a, b = statistics.median(small.times[name]), statistics.median(large.times[name])
            ratio = b / a
            worst = max(worst, ratio)
            print(f"{name:<20} {a:>10.2f} {b:>10.2f} {ratio:>7.2f}  {'ok' if ratio <= 1.10 else 'SLOW'}")
        print(f"worst ratio {worst:.2f}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        for name in pg_names:
            pg_drop(name)


if __name__ == "__main__":
    sys.exit(main())
