"""The drill's mixed load: several clients, each on its own keep-alive connection through nginx.

Each client walks a mix of anonymous pages, static files, token-authenticated API lists and signed-in
report pages (the rollout board and regency indicators, read from the replica) for a bounded time and
records every request: status, latency, and whether it failed. A summary goes to ``--out`` (JSON).

    python deploy/drill/load.py --base http://127.0.0.1:PORT --seconds 30 --clients 6 \
        --slug menanga --token TOKEN --login regency@drill.local --password PW --out load.json
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Client:
    """One keep-alive connection with the cookies nginx's app servers handed it."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
    ) -> tuple[int, bytes]:
        """One request; a dropped keep-alive connection is reopened once (a browser does the same)."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.setdefault("Accept-Encoding", "gzip")
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, data
        raise AssertionError("unreachable")

    def sign_in(self, login: str, password: str) -> None:
        """Sign in through the real form (CSRF token and all)."""
        status, page = self.request("GET", "/auth/login")
        match = CSRF.search(page.decode("utf-8", "replace"))
        if status != 200 or not match:
            raise RuntimeError(f"the sign-in page answered {status} without a CSRF token")
        body = urlencode({"csrf_token": match.group(1), "login": login, "password": password})
        status, _ = self.request(
            "POST", "/auth/login", {"Content-Type": "application/x-www-form-urlencoded"}, body
        )
        if status != 302:
            raise RuntimeError(f"signing in as {login} answered {status}, not a redirect")


def mix(slug: str, token: str, only: str | None) -> list[tuple[str, str, dict[str, str]]]:
    """The paths a client cycles through: (kind, path, headers)."""
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    paths = [
        ("page", "/", {}),
        ("page", f"/desa/{slug}/", {}),
        ("static", "/static/css/site.css", {}),
        ("api", f"/api/v1/desa/{slug}/smart_government/residents?per_page=20", api),
        ("api", f"/api/v1/desa/{slug}/smart_government/residents?per_page=20&page=2", api),
        ("report", "/rollout", {}),
        ("report", "/rollout/indicators", {}),
        ("page", f"/desa/{slug}/smart_government/residents", {}),
        ("health", "/healthz", {}),
    ]
    return [p for p in paths if only is None or p[0] == only]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace) -> dict:
    """Run the clients for ``args.seconds`` (or ``args.requests`` each) and summarise."""
    parts = urlsplit(args.base)
    records: list[tuple[float, str, str, int, float, str]] = []
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + args.seconds

    def running() -> bool:
        """Until the deadline, or (with --until-file) until that file appears."""
        if args.until_file:
            return not os.path.exists(args.until_file) and time.monotonic() < start + 3600
        return time.monotonic() < deadline

    paths = mix(args.slug, args.token, args.only)
    failures: list[str] = []

    def worker(number: int) -> None:
        client = Client(parts.hostname or "127.0.0.1", parts.port or 80)
        try:
            client.sign_in(args.login, args.password)
        except Exception as exc:  # noqa: BLE001 - reported, and counted as an error
            with lock:
                failures.append(f"client {number}: {exc}")
                records.append((time.monotonic() - start, "signin", "/auth/login", 0, 0.0, str(exc)))
            return
        i = number
        done = 0
        while running() and (not args.requests or done < args.requests):
            kind, path, headers = paths[i % len(paths)]
            i += 1
            done += 1
            t0 = time.monotonic()
            try:
                status, _ = client.request("GET", path, headers)
                note = ""
            except Exception as exc:  # noqa: BLE001 - a failed request is data here
                status, note = 0, f"{type(exc).__name__}: {exc}"
                client.conn = None
            with lock:
                records.append((t0 - start, kind, path, status, time.monotonic() - t0, note))

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    errors = [r for r in records if r[3] != 200]
    latencies = [r[4] for r in records if r[3] == 200]
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({r[1] for r in records}):
        mine = [r for r in records if r[1] == kind]
        by_kind[kind] = {
            "requests": len(mine),
            "errors": sum(1 for r in mine if r[3] != 200),
            "p95_ms": round(percentile([r[4] for r in mine if r[3] == 200], 0.95) * 1000, 1),
        }
    return {
        "requests": len(records),
        "errors": len(errors),
        "seconds": round(elapsed, 1),
        "rate": round(len(records) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "by_kind": by_kind,
        "error_samples": [
            {"t": round(r[0], 2), "path": r[2], "status": r[3], "note": r[5]} for r in errors[:20]
        ],
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="The production drill's mixed load.")
    parser.add_argument("--base", required=True, help="nginx's address, http://host:port")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--until-file", help="run until this file exists (instead of --seconds)")
    parser.add_argument("--requests", type=int, default=0, help="stop each client after this many")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--token", required=True, help="an API token with a role in the village")
    parser.add_argument("--login", required=True, help="a regency admin of the village's regency")
    parser.add_argument("--password", required=True)
    parser.add_argument("--only", choices=["page", "static", "api", "report", "health"])
    parser.add_argument("--out", required=True)
    summary = run(parser.parse_args())
    with open(parser.parse_args().out, "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("error_samples", "by_kind")}))


if __name__ == "__main__":
    main()
