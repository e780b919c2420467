"""Resident memory of one gunicorn worker with all six pillars loaded, after 1,000 mixed requests,
beside a bare Flask + Flask-SQLAlchemy worker that served the same number of requests.

    .venv/bin/python bench/worker_memory.py [--requests 1000] [--goal-mb 150]

Both sides run under gunicorn with ONE sync worker (``--preload`` like deploy/gunicorn.conf.py) on
free loopback ports, in a temporary folder removed at the end. The platform side: SQLite, the six
pillars installed and enabled in Menanga (with its demo population), a signed-in regency admin and
an API token; its requests cycle through the start page, the village home, every GET page of every
pillar in Menanga that takes only the village's slug, the rollout board, and token API lists. The
bare side serves a page and a JSON list of 20 rows from its own SQLite table. Prints the worker's
RSS (``/proc/PID/status`` VmRSS) before and after the requests on each side, the ratio, and exits
1 when the platform's worker is above the goal.
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
    """Every GET page of Menanga that takes only the village's slug (all pillars), plus the others."""
    code = (
        "from desacerdas.app import create_app\n"
        "app = create_app()\n"
        "for rule in app.url_map.iter_rules():\n"
        "    skip = any(w in rule.rule for w in ('export', 'download', 'sample', '.csv', '.xlsx'))\n"
        "    if 'GET' in rule.methods and rule.arguments <= {'slug'} and not skip\n"
        "            and rule.rule.startswith('/desa/<slug>/'):\n"
        "        print(rule.rule)\n"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    pages = sorted({line.replace("<slug>", slug) for line in out.split() if line})
    return ["/", f"/desa/{slug}/", "/rollout", "/rollout/indicators", *pages]


def run_requests(client: Client, paths: list[tuple[str, dict[str, str]]], count: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for i in range(count):
        path, headers = paths[i % len(paths)]
        status, _ = client.request("GET", path, headers)
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


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
        api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        api_paths = [
            ("/api/v1/desa/menanga/smart_government/residents?per_page=20", api),
            ("/api/v1/desa/menanga/smart_government/residents?per_page=20&page=2", api),
        ]
        mixed = [(p, {}) for p in pages] + api_paths * max(1, len(pages) // 4)

        results = {}
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
            client = Client("127.0.0.1", port)
            if side == "platform":
                client.sign_in("regency@bench.local", password)
                paths = mixed
            else:
                paths = [("/", {}), ("/api/residents", {})]
            t0 = time.monotonic()
            statuses = run_requests(client, paths, args.requests)
            elapsed = time.monotonic() - t0
            after = rss_mb(pid)
            results[side] = (before, after, statuses, elapsed, len(paths))
            stop(process)
        print(f"{'side':<9} {'paths':>5} {'RSS start':>10} {'RSS after':>10} {'req/s':>7}  statuses")
        for side, (before, after, statuses, elapsed, n) in results.items():
            print(
                f"{side:<9} {n:>5} {before:>8.1f}MB {after:>8.1f}MB {args.requests / elapsed:>7.1f}  "
                f"{dict(sorted(statuses.items()))}"
            )
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
