"""Resident memory of one gunicorn worker with all six pillars loaded, after 1,000 mixed requests,
beside a bare Flask + Flask-SQLAlchemy worker that served the same number of requests.

    .venv/bin/python bench/worker_memory.py [--requests 1000] [--goal-mb 150]

Both sides run under gunicorn with ONE sync worker (``--preload`` like deploy/gunicorn.conf.py) on
free loopback ports, in a temporary folder removed at the end. The platform side: SQLite, the six
pillars installed and enabled in Menanga (with each pillar's demo data), and three identities on
their own keep-alive connections: a village staff member (operator and village secretary of
Menanga) signed in, a regency admin signed in, and the staff member's API token. The requests cycle
through the start page and every GET page under ``/desa/menanga/`` that takes only the village's
slug (as the staff member), the rollout board, its indicators and the full-data reason form (as the
regency admin), and token API lists; the few pages nobody signed in that way can open (see
``NOT_REQUESTED``) are left out. The bare side serves a page and a JSON list of 20 rows from its own
SQLite table. Prints the worker's RSS (``/proc/PID/status`` VmRSS) before and after the requests on
each side, the ratio, any platform path that did not answer 200, and exits 1 when the platform's
worker is above the goal or answered a 5xx.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "deploy" / "drill"))
from load import Client  # noqa: E402 - the drill's HTTP client (cookies, CSRF sign-in, gzip)

# gunicorn >= 25 opens a control socket under ~ by default: off (HOME is the temporary folder too).
CONTROL_SOCKET_OFF = ["--no-control-socket"]

PILLARS = (
    "smart_government",
    "smart_people",
    "smart_economy",
    "smart_society",
    "smart_environment",
    "smart_mobility",
)

# Pages under /desa/<slug>/ that are not requested, and why: without these every request is a 200.
NOT_REQUESTED = {
    "/me/data": "a ZIP download of one's own data, limited to 5 per hour",
    "/smart_government/akun": "needs a citizen's PIN session (404 otherwise)",
    "/smart_government/pin": "needs a citizen's PIN session (404 otherwise)",
    "/smart_government/letters/request": "only for a user linked to a resident (403 otherwise)",
    "/smart_government/letters/settings/preview": "needs a draft number format (400 otherwise)",
    "/settings/terms/logo": "the letterhead logo's picture: the demo village has none (404)",
    "/visits": "the visit log is for the village head, facilitators and the regency (403 for this staff)",
}
# Pages for the regency admin (village staff are sent elsewhere or refused).
REGENCY_PAGES = ("/rollout", "/rollout/indicators", "/smart_government/residents/full-data")

BARE_APP = '''
"""A bare Flask + Flask-SQLAlchemy app: one table, a page and a JSON list of 20 rows."""
import os
from flask import Flask, jsonify, render_template_string
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BARE_DATABASE_URL"]
db = SQLAlchemy(app)


class Resident(db.Model):
    __tablename__ = "residents"
    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    nik = db.Column(db.String(16), nullable=False)


with app.app_context():
    db.create_all()
    if not db.session.query(Resident).first():
        db.session.add_all(
            Resident(tenant_id=1 + i % 2, name=f"Warga {i}", nik=str(5107000000000000 + i))
            for i in range(400)
        )
        db.session.commit()

PAGE = (
    "<!doctype html><html><body><ul>"
    "{% for r in rows %}<li>{{ r.name }} {{ r.nik }}</li>{% endfor %}"
    "</ul></body></html>"
)


def _rows():
    return db.session.scalars(
        db.select(Resident).where(Resident.tenant_id == 1).order_by(Resident.name).limit(20)
    ).all()


@app.get("/")
def page():
    return render_template_string(PAGE, rows=_rows())


@app.get("/api/residents")
def api():
    return jsonify([{"id": r.id, "name": r.name, "nik": r.nik} for r in _rows()])
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(master: int, timeout: float = 120) -> int:
    """The one worker gunicorn's master forked (its child in /proc)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children")
        found = children.read_text().split() if children.exists() else []
        if found:
            return int(found[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def gunicorn(app: str, port: int, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    """One master + one sync worker, preloaded, in its own process group."""
    args = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "--preload",
        "--timeout",
        "120",
        *CONTROL_SOCKET_OFF,
        app,
    ]
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
        args, cwd=cwd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {app} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)  # noqa: S310 - loopback
            return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn {app} did not answer")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def desa(env: dict[str, str], log: Path, *args: str, ok_if: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own console script
        [str(VENV_BIN / "desa"), *args], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    with log.open("a") as fh:
        fh.write(f"+ desa {' '.join(args)}\n{result.stdout}{result.stderr}")
    if result.returncode and not (ok_if and ok_if in result.stdout + result.stderr):
        raise RuntimeError(f"desa {' '.join(args)} failed:\n{result.stdout}{result.stderr}"[-3000:])
    return result.stdout.strip()


def platform_paths(env: dict[str, str], slug: str) -> list[str]:
    """Every GET page under /desa/<slug>/ that takes only the slug (all pillars), but NOT_REQUESTED."""
    code = (
        "from desacerdas.app import create_app\n"
        "app = create_app()\n"
        "for rule in app.url_map.iter_rules():\n"
        "    skip = any(w in rule.rule for w in ('export', 'download', 'sample', '.csv', '.xlsx'))\n"
        "    if ('GET' in rule.methods and rule.arguments <= {'slug'} and not skip\n"
        "            and rule.rule.startswith('/desa/<slug>/')):\n"
        "        print(rule.rule)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode:
        raise RuntimeError(f"listing the routes failed:\n{result.stdout}{result.stderr}"[-3000:])
    out = result.stdout
    prefix = f"/desa/{slug}"
    pages = {line.replace("<slug>", slug) for line in out.split() if line}
    return sorted(p for p in pages if p.removeprefix(prefix) not in NOT_REQUESTED)


Request = tuple[str, str, dict[str, str]]  # (identity, path, headers)


def run_requests(
    clients: dict[str, Client], paths: list[Request], count: int
) -> tuple[dict[int, int], dict[tuple[str, int], int]]:
    """``count`` GETs cycling through ``paths``: statuses, and (path, status) of the non-200 ones."""
    statuses: dict[int, int] = {}
    odd: dict[tuple[str, int], int] = {}
    for i in range(count):
        who, path, headers = paths[i % len(paths)]
        status, _ = clients[who].request("GET", path, headers)
        statuses[status] = statuses.get(status, 0) + 1
        if status != 200:
            odd[path, status] = odd.get((path, status), 0) + 1
    return statuses, odd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--goal-mb", type=float, default=150.0)
    parser.add_argument("--keep", action="store_true", help="leave the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="desa-worker-memory-"))
    processes: list[subprocess.Popen] = []
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DESA_")}
        env.update(
            DESA_INSTANCE_PATH=str(work / "instance"),
            DESA_LOGIN_LIMIT="10000 per minute",
            HOME=str(work / "home"),
            PYTHONPATH=os.pathsep.join(
                [str(ROOT / "platform"), str(ROOT / "plugins"), env.get("PYTHONPATH", "")]
            ),
        )
        (work / "home").mkdir()
        log = work / "setup.log"
        print("setting up the platform (SQLite, six pillars, Menanga's demo data)...", flush=True)
        desa(env, log, "db", "upgrade")
        desa(env, log, "plugins", "install", *PILLARS)
        desa(env, log, "tenants", "apply", str(ROOT / "tenants" / "karangasem.toml"))
        password = "bench-" + os.urandom(8).hex()
        desa(
            env,
            log,
            "users",
            "create",
            "--name",
            "Bench Regency",
            "--email",
            "regency@bench.local",
            "--password",
            password,
        )
        desa(env, log, "users", "grant", "regency@bench.local", "regency_admin", "--area", "51.07")
        desa(
            env,
            log,
            "users",
            "create",
            "--name",
            "Bench Operator",
            "--email",
            "op@bench.local",
            "--password",
            password,
        )
        desa(env, log, "users", "grant", "op@bench.local", "operator", "--tenant", "menanga")
        # the secretary sees the letters' settings and types, the terms, the notification settings
        desa(env, log, "users", "grant", "op@bench.local", "village_secretary", "--tenant", "menanga")
        for pillar in PILLARS:
            desa(
                env,
                log,
                "plugins",
                "enable",
                pillar,
                "--tenant",
                "menanga",
                "--override",
                "worker memory bench",
                ok_if="already enabled",
            )
        for pillar in PILLARS:
            try:  # every pillar that ships demo data gets it, so its pages have rows to show
                desa(env, log, "plugins", "demo", pillar, "--tenant", "menanga")
            except RuntimeError as exc:
                print(f"  (no demo data for {pillar}: {str(exc).splitlines()[-1]})")
        token = desa(env, log, "users", "token", "op@bench.local", "--tenant", "menanga").splitlines()[-1]
        pages = platform_paths(env, "menanga")
        regency = [p for p in pages if p.removeprefix("/desa/menanga") in REGENCY_PAGES]
        staff = ["/", *(p for p in pages if p not in regency)]
        regency = [p for p in REGENCY_PAGES if p.startswith("/rollout")] + regency
        api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        api_paths: list[Request] = [
            ("api", "/api/v1/desa/menanga/smart_government/residents?page_size=20", api),
            ("api", "/api/v1/desa/menanga/smart_government/residents?page_size=20&page=2", api),
        ]
        mixed: list[Request] = (
            [("staff", p, {}) for p in staff]
            + [("regency", p, {}) for p in regency]
            + api_paths * max(1, (len(staff) + len(regency)) // 8)
        )

        results = {}
        odd_paths: dict[str, dict[tuple[str, int], int]] = {}
        for side in ("platform", "bare"):
            port = free_port()
            if side == "platform":
                side_env = dict(env)
                cwd = ROOT
                app = "desacerdas.wsgi:app"
            else:
                (work / "bare").mkdir()
                (work / "bare" / "bare_app.py").write_text(BARE_APP)
                side_env = dict(env, BARE_DATABASE_URL=f"sqlite:///{work / 'bare' / 'bare.db'}")
                cwd = work / "bare"
                app = "bare_app:app"
            process = gunicorn(app, port, side_env, cwd, work / f"{side}.log")
            processes.append(process)
            pid = worker_pid(process.pid)
            before = rss_mb(pid)
            clients = {name: Client("127.0.0.1", port) for name in ("staff", "regency", "api")}
            if side == "platform":
                clients["staff"].sign_in("op@bench.local", password)
                clients["regency"].sign_in("regency@bench.local", password)
                paths = mixed
            else:
                paths = [("staff", "/", {}), ("api", "/api/residents", {})]
            t0 = time.monotonic()
            statuses, odd = run_requests(clients, paths, args.requests)
            elapsed = time.monotonic() - t0
            after = rss_mb(pid)
            results[side] = (before, after, statuses, elapsed, len(paths))
            odd_paths[side] = odd
            stop(process)
        print(f"{'side':<9} {'paths':>5} {'RSS start':>10} {'RSS after':>10} {'req/s':>7}  statuses")
        for side, (before, after, statuses, elapsed, n) in results.items():
            print(
                f"{side:<9} {n:>5} {before:>8.1f}MB {after:>8.1f}MB {args.requests / elapsed:>7.1f}  "
                f"{dict(sorted(statuses.items()))}"
            )
        for side, odd in odd_paths.items():
            for (path, status), n in sorted(odd.items()):
                print(f"  {side}: {path} answered {status} x{n}")
        platform_after, bare_after = results["platform"][1], results["bare"][1]
        print(
            f"platform worker RSS after {args.requests} mixed requests: {platform_after:.1f} MB "
            f"(goal < {args.goal_mb:.0f} MB); bare Flask worker: {bare_after:.1f} MB; "
            f"ratio {platform_after / bare_after:.2f}x"
        )
        errors = sum(n for s, n in results["platform"][2].items() if s >= 500)
        if errors:
            print(f"platform answered {errors} requests with 5xx (see {work}/platform.log)")
        sys.exit(0 if platform_after < args.goal_mb and not errors else 1)
    finally:
        for process in processes:
            stop(process)
        if not args.keep:
            import shutil  # noqa: PLC0415

            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    main()
