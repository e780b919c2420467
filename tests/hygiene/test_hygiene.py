"""The suite keeps its files to itself: nothing in the checkout's ./instance (the session guard in
tests/conftest.py fails a run that writes there) and SeaweedFS leaves nothing in /tmp. (gunicorn's
control socket: tests/plugin_system/test_cli_serve.py checks a real server leaves none in $HOME.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from desacerdas.config import load_config
from desacerdas.testing.s3 import SeaweedS3

TESTS = Path(__file__).resolve().parents[1]
CHECKOUT = TESTS.parent
TMP = "/tmp"  # noqa: S108 - where weed would leave its files


def test_an_app_without_the_test_config_stays_out_of_the_checkout(tmp_path_factory):
    """``create_app()`` with no overrides (a CLI runner, a forgotten config) derives its database,
    documents and broker from DESA_INSTANCE_PATH, which the session points at a temporary folder."""
    config = load_config()
    base = tmp_path_factory.getbasetemp()
    for key in ("INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI", "STORAGE_URL", "BROKER_URL"):
        value = str(config[key])
        assert str(CHECKOUT / "instance") not in value, (key, value)
        assert str(base) in value, (key, value)


def test_the_guard_fails_a_run_that_writes_into_instance(tmp_path):
    """A copy of the suite's conftest around a test that writes ./instance/documents/x.pdf: the run
    fails and names the file and the test, though the test itself passed."""
    shutil.copy(TESTS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_careless.py").write_text(
        "from pathlib import Path\n\n\n"
        "def test_writes_into_the_checkout():\n"
        "    Path('instance/documents').mkdir(parents=True)\n"
        "    Path('instance/documents/x.pdf').write_bytes(b'%PDF')\n\n\n"
        "def test_harmless():\n"
        "    pass\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "test hygiene" in done.stdout
    written = tmp_path / "instance" / "documents" / "x.pdf"
    assert f"{written}  (after test_careless.py::test_writes_into_the_checkout)" in done.stdout


def test_seaweedfs_keeps_its_logs_and_sockets_in_its_folder(tmp_path):
    before = set(os.listdir(TMP))
    server = SeaweedS3(tmp_path / "weed").start()
    try:
        ports = {str(p) for p in server.ports.values()} | {str(p + 10000) for p in server.ports.values()}
        assert server.leftovers(), "weed's gRPC sockets are where the module expects them"
    finally:
        server.stop()
    assert server.leftovers() == []
    # only names with this server's ports: other servers on the machine may be running
    mine = [n for n in set(os.listdir(TMP)) - before if any(port in n for port in ports)]
    assert mine == []
    logs = os.listdir(tmp_path / "weed" / "logs")
    assert any(name.startswith("weed.") for name in logs), logs
