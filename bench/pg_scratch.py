"""What the PostgreSQL benchmarks share: a database of their own (owner and application roles,
RLS forced, made by ``deploy/pg-test-db.sh``) dropped at the end even when stopped, the usual
arguments to use an existing one instead, and a percentile."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(ROOT / "deploy" / "pg-test-db.sh")


def pg_create(name: str) -> dict[str, str]:
    out = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        ["/bin/bash", SCRIPT, "create", name], check=True, capture_output=True, text=True
    ).stdout
    return dict(re.findall(r"export (\w+)=(\S+)", out))


def pg_drop(name: str) -> None:
    subprocess.run(["/bin/bash", SCRIPT, "drop", name], check=False)  # noqa: S603 - fixed arguments


def plain(url: str) -> str:
    """A SQLAlchemy URL as a libpq one (psycopg.connect)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def add_database_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the application role's URL (else a database of its own)")
    parser.add_argument("--owner-url", help="the tables' owner (migrations)")
    parser.add_argument("--app-role", help="the application role's name")
    parser.add_argument("--super-url", help="a superuser on the same database (the bulk load, the bare side)")


def run_on_own_database(args: argparse.Namespace, name: str, run: Callable[..., int]) -> int:
    """``run(args, own database name or None, temporary folder)``; the database (unless one was
    given) and the folder are removed afterwards, also after SIGTERM or SIGINT."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(130))
    os.environ.setdefault("PGOPTIONS", "-c client_min_messages=warning")
    own = None if args.database_url else f"desa_bench_{name}_{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix=f"desa-bench-{name}-"))
    try:
        return run(args, own, tmp)
    finally:
        if own:
            pg_drop(own)
        shutil.rmtree(tmp, ignore_errors=True)
