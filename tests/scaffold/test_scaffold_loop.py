"""The plugin developer's loop, end to end, as CI proves it: scaffold a plugin into a temporary
folder, pip-install it beside the platform, run its own tests, migrate, enable it for one village,
and see its page there (signed in: the page is for the village's people) and a 404 in another.

The plugin is installed into the running virtualenv (that is the point), so the install window is
kept short and the distribution is always uninstalled in ``finally``. Everything that needs the
plugin runs in subprocesses: this test process never imports it, and its tests and commands run
on a fresh SQLite database even in the PostgreSQL lane (the ``DESA_*`` variables are dropped).

Time: two child processes instead of sixteen (the platform's import and start cost ~3 s of CPU a
process). The plugin's own pytest run goes in the background while one driver process runs every
``desa`` command in order through click (``cli.main``, a fresh app per command, as the console
script does) and then signs in and reads the pages; it prints one JSON report that this test checks.
``desa`` the console script itself is exercised by ``tests/plugin_system/test_cli_serve.py``.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desacerdas.plugin_system.manager import ENTRY_POINT_GROUP
from desacerdas.plugin_system.scaffold import Names, create_plugin

PREFIX = "loop_probe_"
TIMEOUT = 180


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"{' '.join(done.args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _setuptools_builds_offline() -> bool:
    """setuptools builds editable wheels with ``--no-build-isolation`` only with ``wheel`` installed
    (or from setuptools 70.1, which has its own ``bdist_wheel``)."""
    try:
        version = tuple(int(p) for p in md.version("setuptools").split(".")[:2])
    except (md.PackageNotFoundError, ValueError):
        return False
    return version >= (64, 0) and (version >= (70, 1) or importlib.util.find_spec("wheel") is not None)


def _pip_install(project: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", str(project)]
    if _setuptools_builds_offline():
        args.insert(-2, "--no-build-isolation")  # else pip fetches setuptools into a build env
    return _run(args, cwd, env)


def _pip_uninstall(dist: str, cwd: Path, env: dict[str, str]) -> None:
    _run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", dist], cwd, env)


def _forget_stale_probes(cwd: Path, env: dict[str, str]) -> None:
    """Uninstall probes a killed run left behind (their project folder is gone)."""
    for dist in md.distributions():
        name = dist.metadata["Name"] or ""
        if not name.startswith("desacerdas-loop-probe-"):
            continue
        url = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
        if not Path(url.removeprefix("file://")).exists():
            _pip_uninstall(name, cwd, env)


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESA_", "PYTEST_")) and k != "FLASK_APP"}
    env.update(DESA_INSTANCE_PATH=str(instance), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


# One process runs the developer's commands in order, each through the ``desa`` command group with
# a fresh app (FlaskGroup creates one per invocation), then the page probes. The page is for the
# village's people (kit.access.require): a visitor is sent to sign in, so the probes sign in as the
# operator the loop created (the form is posted directly: no CSRF token). The plugin's own
# catalogue (compiled by the scaffold) is used: its page is in Indonesian by default, in English
# with ?lang=en, with no text of the other language.
DRIVER = """
import json, sys, time, traceback
from click.testing import CliRunner
from desacerdas.cli import cli

name, login, password = sys.argv[1:4]
report = {"commands": []}


def desa(*args):
    started = time.monotonic()
    result = CliRunner().invoke(cli, list(args), prog_name="desa")
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(result.exception))
    seconds = round(time.monotonic() - started, 2)
    report["commands"].append({"args": list(args), "code": result.exit_code, "output": output, "s": seconds})
    return result.exit_code, output


def step(*args):
    code, output = desa(*args)
    if code != 0:  # stop here: the test reports this command with its output
        report["failed"] = report["commands"][-1]
        print(json.dumps(report))
        sys.exit(0)
    return output


step("db", "upgrade")
step("tenants", "create", "51.07.01.2003")
step("tenants", "create", "51.07.06.2003")
report["installed"] = f"Installed {name}" in step("plugins", "install", name)
code, output = desa("plugins", "enable", name, "--tenant", "menanga")
report["refused_without_hamlet"] = code == 1 and "not ready" in output
step("tenants", "add-hamlet", "menanga", "Banjar Kaja")
report["enabled"] = f"Enabled {name}" in step("plugins", "enable", name, "--tenant", "menanga")
step("users", "create", "--name", "Operator", "--email", login, "--password", password)
step("users", "grant", login, "operator", "--tenant", "menanga")

from desacerdas.app import create_app

app = create_app()
app.config["WTF_CSRF_ENABLED"] = False
client = app.test_client()
visitor = client.get(f"/desa/menanga/{name}/").status_code
signed_in = client.post("/auth/login", data={"login": login, "password": password}).status_code
menanga = client.get(f"/desa/menanga/{name}/")
report["seen"] = {
    "visitor": visitor,
    "signed_in": signed_in,
    "menanga": menanga.status_code,
    "bebandem": client.get(f"/desa/bebandem/{name}/").status_code,
    "seeded": "Example" in menanga.get_data(as_text=True),
    "nav": f"/desa/menanga/{name}/" in client.get("/desa/menanga/").get_data(as_text=True),
}
pages = {lang: client.get(f"/desa/menanga/{name}/" + query).get_data(as_text=True)
         for lang, query in (("id", ""), ("en", "?lang=en"))}
id_texts = ("Yang sudah dicatat Menanga.", "0 buah", "1 barang", "Judul memuat")
en_texts = ("What Menanga has recorded.", "0 units", "1 item", "Title contains")
report["languages"] = {
    "id": all(t in pages["id"] for t in id_texts) and not any(t in pages["id"] for t in en_texts),
    "en": all(t in pages["en"] for t in en_texts) and not any(t in pages["en"] for t in id_texts),
}

# Disable keeps the data; purge (a separate, explicit step) lists it, then deletes it.
step("plugins", "disable", name, "--tenant", "menanga")
report["listed"] = step("plugins", "purge", name, "--tenant", "menanga", "--dry-run")
report["purged"] = step("plugins", "purge", name, "--tenant", "menanga", "--yes")
report["again"] = step("plugins", "purge", name, "--tenant", "menanga", "--dry-run")
print(json.dumps(report))
"""


def _report(done: subprocess.CompletedProcess) -> dict:
    """The driver's JSON report; a command that failed fails the test with its output."""
    report = json.loads(_ok(done).strip().splitlines()[-1])
    failed = report.get("failed")
    assert failed is None, f"desa {' '.join(failed['args'])}: exit {failed['code']}\n{failed['output']}"
    return report


def test_scaffold_install_test_migrate_enable_and_serve(tmp_path):
    if not any(ep.name == "desacerdas" for ep in md.entry_points(group="pytest11")):
        pytest.fail(
            "the desacerdas pytest11 entry point is missing: reinstall the platform (pip install -e .)"
        )
    name = PREFIX + secrets.token_hex(4)
    dist = Names(name).mapping()["dist"]
    work, instance = tmp_path / "work", tmp_path / "instance"
    work.mkdir()
    env = _env(instance)
    _forget_stale_probes(work, env)
    project = create_plugin(name, tmp_path / "src")
    timings: dict[str, float] = {}
    started = time.monotonic()
    own_tests: subprocess.Popen | None = None
    try:
        _ok(_pip_install(project, work, env))
        timings["pip install"] = time.monotonic() - started

        # The plugin's own tests (their own temporary database) beside the driver's commands.
        log = tmp_path / "own-tests.log"
        with log.open("wb") as out:  # the child keeps its own copy of the file descriptor
            own_tests = subprocess.Popen(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                cwd=project,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        probe = [name, "operator@menanga.test", secrets.token_urlsafe(16)]
        driven = _run([sys.executable, "-c", DRIVER, *probe], work, env)
        timings["commands and pages"] = time.monotonic() - started
        code = own_tests.wait(TIMEOUT)
        tests = log.read_text()
        timings["its tests"] = time.monotonic() - started
        assert code == 0 and " passed" in tests, tests
        report = _report(driven)
    finally:
        if own_tests is not None and own_tests.poll() is None:
            own_tests.kill()
            own_tests.wait(10)
        _pip_uninstall(dist, work, env)
    assert report["installed"] and report["enabled"]
    assert report["refused_without_hamlet"]  # no hamlet yet: not ready
    assert report["seen"] == {
        "visitor": 302,
        "signed_in": 302,
        "menanga": 200,
        "bebandem": 404,
        "seeded": True,
        "nav": True,
    }
    assert report["languages"] == {"id": True, "en": True}
    listed, purged, again = report["listed"], report["purged"], report["again"]
    assert f"{name}_items" in listed and "1 rows" in listed and "Nothing deleted" in listed
    assert "Purged" in purged and "1 rows" in purged
    assert "0 rows" in again
    assert name not in {ep.name for ep in md.entry_points(group=ENTRY_POINT_GROUP)}
    print("loop timings (s, cumulative):", {k: round(v, 1) for k, v in timings.items()})
    print("commands (s):", {" ".join(c["args"][:2]): c["s"] for c in report["commands"]})
