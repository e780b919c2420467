"""The API list of 20 residents against a bare Flask + Flask-SQLAlchemy app, served for real.

Both sides run under gunicorn with 2 sync workers on loopback and are loaded by ``wrk`` in
interleaved rounds (platform, bare, platform, bare …):

- the platform: ``GET /api/v1/desa/menanga/smart_government/residents?page_size=20`` with a
  personal API token of the village's operator (token → user, the village and its plugins, the
  permission check, the isolation hook, the page's count and rows, flask-smorest's dump and the
  ``X-Pagination`` header; on PostgreSQL through the application role, RLS forced);
- the bare app (``bench/bare/api_app.py``): the same 20 rows by the same query as the same JSON
  fields, nothing else (on PostgreSQL as the superuser: no RLS).

Prints req/s of each side per round and the median, the ratio platform/bare, p50/p99 latency and
the SQL statements per request of each side (counted in-process with an engine listener). The
default run takes under two minutes (most of it the set-up: migrations).

    .venv/bin/python bench/api_list.py [--db sqlite|postgres] [--rounds 3] [--seconds 6]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SLUG = "menanga"
PATH = f"/api/v1/desa/{SLUG}/smart_government/residents?page_size=20"
BARE_PATH = "/residents?page_size=20"
PG_NAME = f"desa_bench_api_{os.getpid()}"
RESIDENTS = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- databases -------------------------------------------------------------------------------------


def pg_create() -> dict[str, str]:
    """A throwaway database with an owner and an application role (deploy/pg-test-db.sh)."""
    out = subprocess.run(  # noqa: S603
        ["bash", str(ROOT / "deploy/pg-test-db.sh"), "create", PG_NAME],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(re.findall(r"export (\w+)=(\S+)", out))


def pg_drop() -> None:
    script = str(ROOT / "deploy/pg-test-db.sh")
    subprocess.run(["bash", script, "drop", PG_NAME], check=False)  # noqa: S603, S607


def platform_env(root: Path, db: str, pg: dict[str, str]) -> dict[str, str]:
    """The environment the platform's gunicorn (and the in-process counting app) runs with."""
    env = {
        "DESA_ENV": "development",
        "DESA_INSTANCE_PATH": str(root / "instance"),
        "DESA_SECRET_KEY": "bench-" + "x" * 40,
        "DESA_BROKER_URL": "memory://",
        "DESA_DEFAULT_LOCALE": "en",
    }
    if db == "postgres":
        env["DESA_DATABASE_URL"] = pg["DESA_TEST_DATABASE_URL"]
        env["DESA_MIGRATION_DATABASE_URL"] = pg["DESA_TEST_MIGRATION_DATABASE_URL"]
        env["DESA_DB_APP_ROLE"] = pg["DESA_TEST_DB_APP_ROLE"]
    else:
        env["DESA_DATABASE_URL"] = f"sqlite:///{root / 'bench.db'}"
    return env


def bare_url(db: str, env: dict[str, str]) -> str:
    url = env["DESA_DATABASE_URL"]
    if db == "postgres":  # the superuser: the bare side pays no RLS
        return re.sub(r"//[^@/]+@", "//postgres@", url)
    return url


def setup_platform(env: dict[str, str]) -> tuple[int, str]:
    """Migrate, install the plugins, provision Menanga with 300 residents, an operator's token."""
    os.environ.update(env)
    from desacerdas.app import create_app
    from desacerdas.extensions import db
    from desacerdas.models import User
    from desacerdas.services.auth import create_api_token
    from desacerdas.testing import support

    app = create_app()
    support.migrate(app)
    village = support.make_village(app, support.MENANGA, enable=["smart_government"])
    add_residents(app, village.id, RESIDENTS)
    person = support.make_user(app, "operator", village)
    with app.app_context():
        _token, plain = create_api_token(db.session.get(User, person.id), "bench")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return village.id, plain


def add_residents(app, tenant_id: int, count: int) -> None:  # noqa: ANN001
    """``count`` residents with every column filled (the list's page is 20 of them)."""
    import datetime as dt
    import random
    import uuid

    from smart_government.registry.models import Resident, Sex

    rng = random.Random(12)
    first = ["Wayan", "Made", "Nyoman", "Ketut", "Putu", "Kadek", "Komang", "Ni Luh"]
    last = ["Sudarsana", "Ayu", "Wirawan", "Suastika", "Pertiwi", "Adnyana", "Mahendra", "Dewi"]
    with app.app_context():
        from desacerdas.tenancy import tenant_session

        with tenant_session(tenant_id) as session:
            for n in range(count):
                name = f"{rng.choice(first)} {rng.choice(last)} {n}"
                birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25000))
                session.add(
                    Resident(
                        id=uuid.uuid4(),
                        nik=f"510701{birth:%d%m%y}{n:04d}",
                        name=name,
                        name_search=name.lower(),
                        birth_place="Karangasem",
                        birth_date=birth,
                        sex=Sex.MALE if n % 2 else Sex.FEMALE,
                        religion="Hindu",
                        marital_status="kawin",
                        relationship_to_head="kepala keluarga",
                        education="SMA",
                        occupation="Petani",
                        blood_type="O",
                        address=f"Banjar Kaja No. {n}",
                        phone=f"08123{n:06d}",
                        father_name="I Gede",
                        mother_name="Ni Nyoman",
                    )
                )
            session.commit()


# -- SQL statements per request --------------------------------------------------------------------


def statements_per_request(app, path: str, headers: dict[str, str], engine_of) -> float:  # noqa: ANN001
    """Average SQL statements one request runs (after warm-up), counted at the cursor."""
    from sqlalchemy import event

    client = app.test_client()
    for _ in range(5):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
    count = [0]

    def _count(*_args) -> None:  # noqa: ANN002
        count[0] += 1

    with app.app_context():
        engine = engine_of()
    event.listen(engine, "before_cursor_execute", _count)
    try:
        for _ in range(10):
            client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return count[0] / 10


def count_platform(token: str) -> float:
    """The platform's statements per request, in this process (its environment is set)."""
    from desacerdas.app import create_app
    from desacerdas.extensions import db

    app = create_app()
    count = statements_per_request(app, PATH, {"Authorization": f"Bearer {token}"}, lambda: db.engine)
    with app.app_context():
        db.engine.dispose()
    return count


def count_bare(url: str, tenant_id: int) -> float:
    """The bare app's, in a process of its own: the platform's isolation hook (installed on every
    SQLAlchemy session of a process) must not see the bare app's query of a village table."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from bench import api_list; "
        "from bench.bare.api_app import create_app, db; "
        "app = create_app(sys.argv[2], int(sys.argv[3])); "
        "print(api_list.statements_per_request(app, api_list.BARE_PATH, {}, lambda: db.engine))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, str(ROOT), url, str(tenant_id)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(out.split()[-1])


# -- servers and load ------------------------------------------------------------------------------


def start_gunicorn(app_spec: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [
        str(BIN / "gunicorn"),
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level",
        "warning",
        app_spec,
    ]
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return proc


def wait_ready(port: int, path: str, headers: dict[str, str], proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn on {port} ended:\n{log.read_text()[-2000:]}")
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)  # noqa: S310
            with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {port} did not answer {path}:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, headers: dict[str, str]) -> dict[str, float]:
    """req/s, p50 and p99 (ms) of a wrk run; refuses a run with errors or non-2xx answers."""
    cmd = ["wrk", "-t", "2", "-c", "4", "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    if "Non-2xx" in out or "Socket errors" in out and re.search(r"(read|write|timeout) [1-9]", out):
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
    }


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=6, help="wrk duration of each side per round")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    sys.path.insert(0, str(ROOT))

    root = Path(tempfile.mkdtemp(prefix="desa-bench-api-"))
    procs: list[subprocess.Popen] = []
    pg: dict[str, str] = {}
    try:
        if args.db == "postgres":
            pg = pg_create()
        env = platform_env(root, args.db, pg)
        started = time.monotonic()
        tenant_id, token = setup_platform(env)
        auth = {"Authorization": f"Bearer {token}"}
        stmts_platform = count_platform(token)
        stmts_bare = count_bare(bare_url(args.db, env), tenant_id)

        ports = {"platform": free_port(), "bare": free_port()}
        bare_env = {"BARE_DATABASE_URL": bare_url(args.db, env), "BARE_TENANT_ID": str(tenant_id)}
        specs = {
            "platform": ("desacerdas.wsgi:app", env, PATH, auth),
            "bare": ("bench.bare.api_app:app", bare_env, BARE_PATH, {}),
        }
        for side, (spec, side_env, path, headers) in specs.items():
            log = root / f"{side}.log"
            proc = start_gunicorn(spec, ports[side], side_env, log)
            procs.append(proc)
            wait_ready(ports[side], path, headers, proc, log)

        results: dict[str, list[dict[str, float]]] = {"platform": [], "bare": []}
        setup_s = time.monotonic() - started
        print(f"API list of 20 residents, {args.db}, gunicorn 2 sync workers, wrk -t2 -c4", end="")
        print(f" (set-up {setup_s:.0f} s)")
        for side, (_spec, _env, path, headers) in specs.items():  # warm both
            wrk(f"http://127.0.0.1:{ports[side]}{path}", 2, headers)
        for number in range(1, args.rounds + 1):
            line = []
            for side, (_spec, _env, path, headers) in specs.items():
                got = wrk(f"http://127.0.0.1:{ports[side]}{path}", args.seconds, headers)
                results[side].append(got)
                line.append(f"{side} {got['rps']:7.1f} req/s")
            ratio = results["platform"][-1]["rps"] / results["bare"][-1]["rps"]
            print(f"round {number}: " + ", ".join(line) + f", ratio {ratio:.2f}")

        def med(side: str, key: str) -> float:
            return statistics.median(r[key] for r in results[side])

        print(f"{'side':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL/request':>12}")
        for side, stmts in (("platform", stmts_platform), ("bare", stmts_bare)):
            rps, p50, p99 = med(side, "rps"), med(side, "p50"), med(side, "p99")
            print(f"{side:<10} {rps:>8.1f} {p50:>8.2f} {p99:>8.2f} {stmts:>12.1f}")
        ratio = med("platform", "rps") / med("bare", "rps")
        print(f"ratio platform/bare (median req/s): {ratio:.2f}× (goal ≥ 0.70×)")
    finally:
        for proc in procs:
            stop(proc)
        if args.db == "postgres":
            try:
                from desacerdas.extensions import db

                db.engine.dispose()
            except Exception:  # noqa: BLE001, S110 - nothing was connected
                pass
            pg_drop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
