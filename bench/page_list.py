"""A page of 20 rows: the platform's residents page against a bare Flask + Jinja page of the same 20.

Both sides run under gunicorn (2 sync workers) on loopback and are loaded by ``wrk`` (2 threads, 4
connections) in interleaved rounds (platform, bare, platform, …). The platform side is the real
page, signed in as the village's operator (a real session cookie): sign-in check, village and
plugins, permissions, the filter form, the count, navigation, translations, security headers. The
bare side (``bench/bare_pages/page_app.py``) runs the same query for the same 20 rows into a page
of the same shape. Prints req/s, p50 and p99 per side, the SQL statements per request of each, and
the ratio (goal ≥ 0.60).

    .venv/bin/python bench/page_list.py [--rounds 4] [--seconds 6] [--path residents|home|start]

Needs ``wrk`` (apt-get install wrk). SQLite, in a temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

from bare_pages import platform_setup as setup  # noqa: E402

PATHS = {
    "residents": f"/desa/{setup.SLUG}/smart_government/residents",
    "home": f"/desa/{setup.SLUG}/",
    "start": "/",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(spec: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--no-control-socket", "--log-level", "warning", spec]
    with log.open("w") as out:
        return subprocess.Popen(  # noqa: S603 - our own command line
            cmd,
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(port: int, path: str, proc: subprocess.Popen, log: Path) -> None:
    """Until both workers have loaded the app (two answers in a row)."""
    deadline, answered = time.monotonic() + 120, 0
    while time.monotonic() < deadline and answered < 4:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn on {port} ended:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as resp:  # noqa: S310
                answered += resp.status == 200
        except OSError:
            time.sleep(0.3)
    if answered >= 4:
        return
    raise SystemExit(f"gunicorn on {port} did not start:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def sign_in_cookie(port: int, email: str) -> str:
    """Sign in over HTTP (the login form with its CSRF token); the ``Cookie`` header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(base + "/auth/login", timeout=60).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"login": email, "password": setup.PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    opener.open(base + "/auth/login", urllib.parse.urlencode(data).encode(), timeout=60).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check(port: int, path: str, headers: dict[str, str], needle: str) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
        body = resp.read().decode()
    if resp.status != 200 or needle not in body:
        raise SystemExit(f"{path} on {port}: {resp.status}, {needle!r} not on the page (signed in?)")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, headers: dict[str, str]) -> dict[str, float]:
    """req/s, p50 and p99 (ms) of one wrk run; refuses a run with errors or non-2xx answers."""
    cmd = ["wrk", "-t", "2", "-c", "4", "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    if "Non-2xx" in out or re.search(r"Socket errors:.*(read|write|timeout) [1-9]", out):
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
    }


def count_platform(config: dict, path: str) -> int:
    from sqlalchemy import event

    from desacerdas.extensions import db

    app = setup.create_app(config)
    client = app.test_client()
    setup.sign_in(client, setup.OPERATOR)
    client.get(path)
    with app.app_context():
        engine = db.engine
    seen: list[int] = []

    def listener(*_args) -> None:  # noqa: ANN002
        seen.append(1)

    event.listen(engine, "before_cursor_execute", listener)
    client.get(path)
    event.remove(engine, "before_cursor_execute", listener)
    with app.app_context():
        db.engine.dispose()
    return len(seen)


def count_bare(url: str, tenant_id: int) -> int:
    """The bare side's statements per request, counted in a process of its own."""
    env = {**os.environ, "BARE_DATABASE_URL": url, "BARE_TENANT_ID": str(tenant_id), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.bare_pages.page_app"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=6, help="wrk duration per side per round")
    parser.add_argument("--path", choices=sorted(PATHS), default="residents", help="the platform page")
    parser.add_argument("--residents", type=int, default=60)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="desa-page-list-"))
    procs: list[subprocess.Popen] = []
    try:
        root = tmp / "platform"
        db_url = f"sqlite:///{root / 'desa.db'}"
        config = setup.config_for(root, db_url)
        inst = setup.build(root, config, residents=args.residents)
        with sqlite3.connect(root / "desa.db") as conn:
            found = conn.execute("select id from tenants where slug = ?", (setup.SLUG,)).fetchone()
        tenant_id = found[0]
        path = PATHS[args.path]
        per_request = {"platform": count_platform(config, path), "bare": count_bare(db_url, tenant_id)}
        ports = {"platform": free_port(), "bare": free_port()}
        specs = {"platform": "bench.bare_pages.platform_wsgi:app", "bare": "bench.bare_pages.page_app:app"}
        envs = {
            "platform": {"BENCH_CONFIG": str(root / "config.json")},
            "bare": {"BARE_DATABASE_URL": db_url, "BARE_TENANT_ID": str(tenant_id)},
        }
        for side in ("platform", "bare"):
            log = tmp / f"{side}.log"
            proc = start_gunicorn(specs[side], ports[side], envs[side], log)
            procs.append(proc)
            wait_ready(ports[side], "/" if side == "platform" else "/residents", proc, log)
        headers = {
            "platform": {"Cookie": sign_in_cookie(ports["platform"], setup.OPERATOR)},
            "bare": {},
        }
        urls = {"platform": path, "bare": "/residents"}
        if args.path == "residents":
            check(ports["platform"], path, headers["platform"], "Register a resident")
        print(f"page: platform {path} ({inst.residents} residents, 20 a page) vs bare {urls['bare']}")
        print(
            f"sqlite, gunicorn 2 sync workers per side, wrk -t2 -c4, {args.rounds} rounds x {args.seconds} s"
        )
        for side in ("platform", "bare"):  # warm-up
            wrk(f"http://127.0.0.1:{ports[side]}{urls[side]}", 2, headers[side])
        runs: dict[str, list[dict[str, float]]] = {"platform": [], "bare": []}
        for n in range(args.rounds):
            for side in ("platform", "bare"):
                got = wrk(f"http://127.0.0.1:{ports[side]}{urls[side]}", args.seconds, headers[side])
                runs[side].append(got)
                print(
                    f"  round {n + 1} {side:<8} {got['rps']:>8.1f} req/s  p50 {got['p50']:.2f} ms", flush=True
                )

        def med(side: str, key: str) -> float:
            return statistics.median(r[key] for r in runs[side])

        print(f"\n{'side':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'SQL/req':>8}")
        for side in ("platform", "bare"):
            rps, p50, p99 = med(side, "rps"), med(side, "p50"), med(side, "p99")
            print(f"{side:<9} {rps:>9.1f} {p50:>8.2f} {p99:>8.2f} {per_request[side]:>8}")
        ratio = med("platform", "rps") / med("bare", "rps")
        print(f"ratio platform/bare req/s: {ratio:.2f}  (goal ≥ 0.60)")
        return 0
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
