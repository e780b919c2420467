"""deploy/ against the code: Docker does not run here, so the compose file, the systemd units and the
nginx configuration are checked by reading them — every command a real ``desa`` subcommand with real
options, every ``DESA_*`` variable a real setting, every port and host the one the other side uses —
and nginx itself checks the rendered configuration (``nginx -t``)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import click
import pytest
import yaml
from flask import Flask
from flask.cli import ScriptInfo

from desacerdas.cli import cli
from desacerdas.config import SETTINGS, check_production, load_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETTING_NAMES = {s.env for s in SETTINGS}
APP_SERVICES = ("migrate", "app1", "app2", "worker", "beat")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def _script(path: Path, name: str) -> ModuleType:
    """Import one of deploy/'s scripts (not a package) under a name of its own."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


nginx_render = _script(DEPLOY / "nginx" / "render.py", "desa_deploy_nginx_render")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _interpolate(value: str) -> str:
    """What ``docker compose`` makes of ``${NAME:?}`` / ``${NAME:-default}`` given test secrets."""
    return INTERPOLATION.sub(lambda m: f"test-{m.group(1).lower()}-" + "x" * 40, value)


def _resolve(args: list[str], app: Flask) -> click.Command:
    """Walk ``desa ARGS`` down the click groups (the app's too: ``db`` is Flask-Migrate's); fail on
    an unknown subcommand or option."""
    assert args[0] == "desa", args
    command: click.Command = cli
    rest = list(args[1:])
    # FlaskGroup.get_command pushes an app context as a resource of ctx: closing ctx (the with)
    # pops it, or it would stay current for every later test of the session.
    with click.Context(cli, info_name="desa", obj=ScriptInfo(create_app=lambda: app)) as ctx:
        while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
            name = rest.pop(0)
            sub = command.get_command(ctx, name)
            assert sub is not None, f"`desa … {name}` is not a command (from {args})"
            command = sub
    assert not isinstance(command, click.Group), f"{args} names a group, not a command"
    known = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for token in rest:
        if token.startswith("--"):
            assert token.split("=", 1)[0] in known, f"{token} is not an option of {args[:3]}"
    return command


def test_compose_has_every_part_of_the_platform(compose: dict) -> None:
    services = compose["services"]
    for name in (*APP_SERVICES, "nginx", "postgres", "minio", "valkey"):
        assert name in services, name
    assert services["app1"]["command"] == ["desa", "serve"]
    assert services["app2"]["command"] == ["desa", "serve"]
    assert services["migrate"]["command"] == ["desa", "db", "upgrade"]
    for name in ("app1", "app2", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_commands_are_real_desa_commands(compose: dict, service: str, app: Flask) -> None:
    _resolve(compose["services"][service]["command"], app)


def test_compose_variables_are_real_settings(compose: dict) -> None:
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        unknown = {key for key in env if key.startswith("DESA_") and key not in SETTING_NAMES}
        assert not unknown, f"{name}: not settings of config.py: {unknown}"
    for name in ("postgres", "minio", "valkey"):
        env = compose["services"][name].get("environment") or {}
        assert not [k for k in env if k.startswith("DESA_")], f"{name} uses the DESA_ namespace"


def test_compose_app_environment_starts_in_production(compose: dict, monkeypatch) -> None:  # noqa: ANN001
    env = {k: _interpolate(str(v)) for k, v in compose["services"]["app1"]["environment"].items()}
    for key in [k for k in os.environ if k.startswith("DESA_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    cfg = load_config()
    check_production(cfg)  # secret, Redis, a real broker
    assert cfg["DESA_ENV"] == "production"
    assert cfg["PROXY_HOPS"] == 1, "behind nginx the app must trust exactly one proxy hop"


def test_compose_hosts_and_ports_agree(compose: dict) -> None:
    services = compose["services"]
    env = services["app1"]["environment"]
    bind_port = env["DESA_BIND"].rsplit(":", 1)[1]
    for app in ("app1", "app2"):
        assert services[app]["expose"] == [bind_port]
    nginx_env = services["nginx"]["environment"]
    assert nginx_env["DESA_NGINX_APP1"] == f"app1:{bind_port}"
    assert nginx_env["DESA_NGINX_APP2"] == f"app2:{bind_port}"
    assert services["nginx"]["ports"][0].endswith(f":{nginx_env['DESA_NGINX_LISTEN']}")
    for key in ("DESA_DATABASE_URL", "DESA_MIGRATION_DATABASE_URL"):
        url = urlsplit(_interpolate(env[key]))
        assert (url.hostname, url.port) == ("postgres", 5432), key
    for key in ("DESA_REDIS_URL", "DESA_BROKER_URL"):
        url = urlsplit(env[key])
        assert (url.hostname, url.port) == ("valkey", 6379), key
        assert str(url.port) in services["valkey"]["expose"]
    assert env["DESA_REDIS_URL"] != env["DESA_BROKER_URL"], "rate limits and jobs share one database"
    storage = urlsplit(_interpolate(env["DESA_STORAGE_URL"]))
    assert (storage.hostname, str(storage.port)) == ("minio", "9000")
    assert str(storage.port) in services["minio"]["expose"]
    assert storage.username == services["minio"]["environment"]["MINIO_ROOT_USER"]
    assert storage.password == _interpolate(services["minio"]["environment"]["MINIO_ROOT_PASSWORD"])
    assert env["DESA_DB_APP_ROLE"] == urlsplit(_interpolate(env["DESA_DATABASE_URL"])).username


def test_compose_nginx_placeholders_match_the_configuration(compose: dict) -> None:
    placeholders = set(nginx_render.PLACEHOLDER.findall((DEPLOY / "nginx" / "desacerdas.conf").read_text()))
    given = {k for k in compose["services"]["nginx"]["environment"] if k.startswith("DESA_NGINX_")}
    assert placeholders == given


def test_compose_mounts_and_build_files_exist(compose: dict) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{source} (mounted) is missing"
    build = compose["services"]["app1"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file(), "the app image's Dockerfile"


# --- systemd -------------------------------------------------------------------------------------


def _unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as {section: [(key, value), …]} (keys repeat: Environment=, After=…)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: {line} outside a section"
        current.append((key.strip(), value.strip()))
    return sections


UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def test_systemd_units_cover_the_platform() -> None:
    assert {u.name for u in UNITS} >= {
        "desacerdas-app@.service",
        "desacerdas-worker.service",
        "desacerdas-beat.service",
        "desacerdas-migrate.service",
    }


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_unit_runs_a_real_desa_command(unit: Path, app: Flask) -> None:
    service = dict(_unit(unit)["Service"])
    exec_start = service["ExecStart"].split()
    assert exec_start[0] == "/opt/desacerdas/.venv/bin/desa", "the venv's console script"
    _resolve(["desa", *exec_start[1:]], app)
    assert service["EnvironmentFile"] == "/etc/desacerdas/desacerdas.env"
    assert service["User"] == "desacerdas"
    for key, value in _unit(unit)["Service"]:
        if key == "Environment":
            name = value.split("=", 1)[0]
            assert name in SETTING_NAMES, f"{unit.name}: {name} is not a setting"


def test_systemd_app_server_listens_on_its_instance_port() -> None:
    service = _unit(DEPLOY / "systemd" / "desacerdas-app@.service")["Service"]
    env = dict(v.split("=", 1) for k, v in service if k == "Environment")
    assert env["DESA_BIND"] == "127.0.0.1:%i"
    assert env["DESA_PROXY_HOPS"] == "1"
    assert dict(service)["KillSignal"] == "SIGTERM", "gunicorn's graceful stop"
    migrate = dict(_unit(DEPLOY / "systemd" / "desacerdas-migrate.service")["Unit"])
    assert "desacerdas-app@8001.service" in migrate["Before"]
    assert dict(migrate).get("Description")


def test_systemd_environment_example_is_a_production_configuration(monkeypatch) -> None:  # noqa: ANN001
    pairs = [
        line.split("=", 1)
        for line in (DEPLOY / "systemd" / "desacerdas.env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert not [k for k, _ in pairs if k not in SETTING_NAMES], "only real settings"
    for key in [k for k in os.environ if k.startswith("DESA_")]:
        monkeypatch.delenv(key)
    for key, value in pairs:
        monkeypatch.setenv(key, value)
    check_production(load_config())


# --- nginx ---------------------------------------------------------------------------------------


def test_nginx_body_limit_matches_the_app(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("DESA_DOCUMENT_MAX_MB", raising=False)
    text = (DEPLOY / "nginx" / "desacerdas.conf").read_text()
    size = re.search(r"client_max_body_size\s+(\d+)m;", text)
    assert size, "client_max_body_size in MB"
    assert int(size.group(1)) * 1024 * 1024 == load_config()["MAX_CONTENT_LENGTH"]


def test_nginx_configuration_has_what_production_needs() -> None:
    text = (DEPLOY / "nginx" / "desacerdas.conf").read_text()
    for needed in (
        "gzip on;",
        "proxy_buffering on;",
        "proxy_request_buffering on;",
        "X-Forwarded-Proto $scheme",
        "X-Forwarded-For",
        "proxy_next_upstream error timeout",
        "location /static/",
        "expires 30d;",
    ):
        assert needed in text, needed
    assert "non_idempotent" not in text.split("proxy_next_upstream ", 1)[1].split(";", 1)[0]
    assert len(re.findall(r"^\s*server \$\{DESA_NGINX_APP\d\}", text, re.M)) == 2


def test_nginx_render_refuses_a_missing_value() -> None:
    with pytest.raises(KeyError, match="DESA_NGINX_APP2"):
        nginx_render.render_text("server ${DESA_NGINX_APP2};", {})
    assert nginx_render.render_text("$host ${DESA_NGINX_LISTEN}", {"DESA_NGINX_LISTEN": "80"}) == "$host 80"


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="no nginx")
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    prefix = tmp_path / "nginx"
    nginx_render.render(
        prefix,
        "127.0.0.1:18080",
        ["127.0.0.1:18001", "127.0.0.1:18002"],
        str(ROOT / "platform/desacerdas/static"),
        prefix=True,
    )
    rendered = (prefix / "desacerdas.conf").read_text()
    assert "${" not in rendered and "server 127.0.0.1:18002" in rendered
    result = subprocess.run(  # noqa: S603 - the system's nginx, our own files
        [nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --- the drill -----------------------------------------------------------------------------------


def test_drill_script_parses() -> None:
    subprocess.run(["bash", "-n", str(DEPLOY / "drill.sh")], check=True, timeout=10)  # noqa: S603, S607


def test_drill_load_paths_are_routes_of_the_platform(app) -> None:  # noqa: ANN001
    load = _script(DEPLOY / "drill" / "load.py", "desa_deploy_drill_load")
    adapter = app.url_map.bind("localhost")
    for _kind, path, _headers in load.mix("menanga", "token", None):
        endpoint, _args = adapter.match(path.split("?", 1)[0], method="GET")
        assert endpoint, path
