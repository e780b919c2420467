"""``desa serve``: run the platform under gunicorn with ``deploy/gunicorn.conf.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


@click.command("serve")
@click.option("--bind", help="Address to listen on (default DESA_BIND or 127.0.0.1:8000).")
def serve(bind: str | None) -> None:
    """Serve the platform with gunicorn (for development with reload: ``desa run --debug``).

    This process becomes gunicorn (exec, not a child process), so a signal sent to it (SIGTERM from
    systemd, a container runtime or ``kill``) reaches gunicorn's master, which stops its workers.
    """
    args = [sys.executable, "-m", "gunicorn", "--config", str(CONF)]
    if bind:
        args += ["--bind", bind]
    args.append("desacerdas.wsgi:app")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, args)  # noqa: S606 - replaces this process with gunicorn
