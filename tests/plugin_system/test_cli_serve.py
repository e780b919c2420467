"""``desa serve`` becomes gunicorn: killing the process that was started stops the whole server,
nothing is left listening. Runs a real gunicorn on a free port with a temporary instance."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs a POSIX system")

STARTUP = 60.0
SHUTDOWN = 20.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _desa() -> list[str]:
    script = Path(sys.executable).with_name("desa")
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from desacerdas.cli import main; main()"]
    )


def _in_group(pgid: int) -> list[int]:
    """Live processes of a process group (zombies excluded), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def _wait(predicate, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_sigterm_to_desa_serve_leaves_no_gunicorn_behind(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESA_", "PYTEST_"))}
    env.update(
        DESA_INSTANCE_PATH=str(tmp_path / "instance"),
        DESA_GUNICORN_WORKERS="2",
        DESA_GUNICORN_TIMEOUT="5",
        HOME=str(tmp_path / "home"),  # gunicorn's default control socket: ~/.gunicorn (disabled)
        XDG_RUNTIME_DIR="",
    )
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [*_desa(), "serve", "--bind", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: everything it starts can be found
    )
    pgid = proc.pid
    try:
        assert _wait(lambda: _listening(port) or proc.poll() is not None, STARTUP), "never listened"
        assert proc.poll() is None, (tmp_path / "serve.log").read_text()
        assert _wait(lambda: len(_in_group(pgid)) >= 3, STARTUP)  # the master and two workers
        proc.send_signal(signal.SIGTERM)  # the process that was started: desa serve
        proc.wait(timeout=SHUTDOWN)
        assert _wait(lambda: not _in_group(pgid), SHUTDOWN), f"left running: {_in_group(pgid)}"
        assert not _listening(port)
        # deploy/gunicorn.conf.py disables the control socket: nothing in the user's home
        assert not (tmp_path / "home" / ".gunicorn").exists()
    finally:
        if proc.poll() is None or _in_group(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            proc.wait(timeout=SHUTDOWN)
        log.close()
