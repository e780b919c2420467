"""The plugin developer's loop, end to end, as CI proves it: scaffold a plugin into a temporary
folder, pip-install it beside the platform, run its own tests, migrate, enable it for one village,
and see its page there (signed in: the page is for the village's people) and a 404 in another.

The plugin is installed into the running virtualenv (that is the point), so the install window is
kept short and the distribution is always uninstalled in ``finally``. Everything that needs the
plugin runs in subprocesses: this test process never imports it, and its tests and commands run
on a fresh SQLite database even in the PostgreSQL lane (the ``DESA_*`` variables are dropped).
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


def _desa() -> list[str]:
    script = Path(sys.executable).with_name("desa")
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from desacerdas.cli import main; main()"]
    )


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


# The page is for the village's people (kit.access.require): a visitor is sent to sign in, so the
# probes sign in as the operator the loop created (the form is posted directly: no CSRF token).
SIGN_IN = """
import json, sys
from desacerdas.app import create_app

name, login, password = sys.argv[1:4]
app = create_app()
app.config["WTF_CSRF_ENABLED"] = False
client = app.test_client()
visitor = client.get(f"/desa/menanga/{name}/").status_code
signed_in = client.post("/auth/login", data={"login": login, "password": password}).status_code
"""

PROBE = (
    SIGN_IN
    + """
menanga = client.get(f"/desa/menanga/{name}/")
bebandem = client.get(f"/desa/bebandem/{name}/")
print(json.dumps({
    "visitor": visitor,
    "signed_in": signed_in,
    "menanga": menanga.status_code,
    "bebandem": bebandem.status_code,
    "seeded": "Example" in menanga.get_data(as_text=True),
    "nav": f"/desa/menanga/{name}/" in client.get("/desa/menanga/").get_data(as_text=True),
}))
"""
)

# The plugin's own catalogue (compiled by the scaffold) is used: its page is in Indonesian by
# default, in English with ?lang=en, with no text of the other language.
LANG_PROBE = (
    SIGN_IN
    + """
pages = {lang: client.get(f"/desa/menanga/{name}/" + query).get_data(as_text=True)
         for lang, query in (("id", ""), ("en", "?lang=en"))}
id_texts = ("Yang sudah dicatat Menanga.", "0 buah", "1 barang", "Judul memuat")
en_texts = ("What Menanga has recorded.", "0 units", "1 item", "Title contains")
print(json.dumps({
    "id": all(t in pages["id"] for t in id_texts) and not any(t in pages["id"] for t in en_texts),
    "en": all(t in pages["en"] for t in en_texts) and not any(t in pages["en"] for t in id_texts),
}))
"""
)


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
    desa = _desa()
    _forget_stale_probes(work, env)
    project = create_plugin(name, tmp_path / "src")
    timings: dict[str, float] = {}
    started = time.monotonic()
    try:
        _ok(_pip_install(project, work, env))
        timings["pip install"] = time.monotonic() - started

        tests = _ok(
            _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], project, env)
        )
        assert " passed" in tests, tests
        timings["its tests"] = time.monotonic() - started

        _ok(_run([*desa, "db", "upgrade"], work, env))
        _ok(_run([*desa, "tenants", "create", "51.07.01.2003"], work, env))
        _ok(_run([*desa, "tenants", "create", "51.07.06.2003"], work, env))
        assert f"Installed {name}" in _ok(_run([*desa, "plugins", "install", name], work, env))
        refused = _run([*desa, "plugins", "enable", name, "--tenant", "menanga"], work, env)
        assert refused.returncode == 1 and "not ready" in refused.stderr + refused.stdout  # no hamlet yet
        _ok(_run([*desa, "tenants", "add-hamlet", "menanga", "Banjar Kaja"], work, env))
        assert f"Enabled {name}" in _ok(
            _run([*desa, "plugins", "enable", name, "--tenant", "menanga"], work, env)
        )
        login, password = "operator@menanga.test", secrets.token_urlsafe(16)
        create_user = ["users", "create", "--name", "Operator", "--email", login, "--password", password]
        _ok(_run([*desa, *create_user], work, env))
        _ok(_run([*desa, "users", "grant", login, "operator", "--tenant", "menanga"], work, env))
        timings["migrate and enable"] = time.monotonic() - started

        probe = [name, login, password]
        seen = json.loads(
            _ok(_run([sys.executable, "-c", PROBE, *probe], work, env)).strip().splitlines()[-1]
        )
        languages = json.loads(
            _ok(_run([sys.executable, "-c", LANG_PROBE, *probe], work, env)).splitlines()[-1]
        )
        timings["serve"] = time.monotonic() - started

        # Disable keeps the data; purge (a separate, explicit step) lists it, then deletes it.
        _ok(_run([*desa, "plugins", "disable", name, "--tenant", "menanga"], work, env))
        listed = _ok(_run([*desa, "plugins", "purge", name, "--tenant", "menanga", "--dry-run"], work, env))
        purged = _ok(_run([*desa, "plugins", "purge", name, "--tenant", "menanga", "--yes"], work, env))
        again = _ok(_run([*desa, "plugins", "purge", name, "--tenant", "menanga", "--dry-run"], work, env))
        timings["purge"] = time.monotonic() - started
    finally:
        _pip_uninstall(dist, work, env)
    assert seen == {
        "visitor": 302,
        "signed_in": 302,
        "menanga": 200,
        "bebandem": 404,
        "seeded": True,
        "nav": True,
    }
    assert languages == {"id": True, "en": True}
    assert f"{name}_items" in listed and "1 rows" in listed and "Nothing deleted" in listed
    assert "Purged" in purged and "1 rows" in purged
    assert "0 rows" in again
    assert name not in {ep.name for ep in md.entry_points(group=ENTRY_POINT_GROUP)}
    print("loop timings (s, cumulative):", {k: round(v, 1) for k, v in timings.items()})
