"""A real PostgreSQL primary and streaming replica for the session (``deploy/pg-replica.sh``), with
the owner and application roles on the primary (they replicate), migrated, and an app whose
``DATABASE_REPLICA_URL`` is the standby as the application role.

Skipped only when the PostgreSQL server binaries are missing. Runs in both CI lanes: it starts
its own clusters and stops and removes them at the end. Their folder is a ``tempfile.mkdtemp``
folder of its own, not one under pytest's ``tmp_path_factory``: the servers run as user postgres,
which must be able to walk down to their data, and every pytest that starts (any suite on the
machine) resets pytest's root folder (``pytest-of-<user>``) to 0700 — a standby then dies replaying
the next CREATE DATABASE.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from desacerdas.testing import support

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "pg-replica.sh"
TEST_DB = ROOT / "deploy" / "pg-test-db.sh"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DB = "desa_replica_t"


def _have_binaries() -> bool:
    return all((PG_BIN / b).exists() for b in ("initdb", "pg_ctl", "pg_basebackup", "postgres")) and bool(
        shutil.which("psql")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exports(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            found[key] = value
    return found


@dataclass
class Cluster:
    """The running pair: where it lives, its ports, the app role's and the owner's URLs."""

    dir: Path
    primary_port: int
    replica_port: int
    app_url: str
    owner_url: str
    replica_url: str
    app_role: str

    def sync(self) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        command = ["bash", str(SCRIPT), "sync", str(self.dir), "30"]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr + self.log("replica")

    def log(self, which: str) -> str:
        """The tail of a server's log, for a failure message."""
        path = self.dir / "log" / f"{which}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if not _have_binaries():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    where = Path(tempfile.mkdtemp(prefix="desa-pg-replica-"))
    primary, standby = _free_port(), _free_port()
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(where), str(primary), str(standby)],
        capture_output=True,
        text=True,
    )
    try:
        assert started.returncode == 0, started.stderr
        env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(primary)}
        made = subprocess.run(
            ["bash", str(TEST_DB), "create", DB], capture_output=True, text=True, env=env, check=True
        )
        urls = _exports(made.stdout)
        app_url = urls["DESA_TEST_DATABASE_URL"]
        yield Cluster(
            dir=where,
            primary_port=primary,
            replica_port=standby,
            app_url=app_url,
            owner_url=urls["DESA_TEST_MIGRATION_DATABASE_URL"],
            replica_url=app_url.replace(f":{primary}/", f":{standby}/"),
            app_role=urls["DESA_TEST_DB_APP_ROLE"],
        )
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(where)], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def replica_app(cluster: Cluster, tmp_path_factory, **overrides) -> Flask:
    """An app on the cluster's primary (application role) with the replica, unless overridden."""
    config = support.app_config(
        (cluster.app_url, cluster.owner_url),
        tmp_path_factory.mktemp("instance"),
        DB_APP_ROLE=cluster.app_role,
        DATABASE_REPLICA_URL=cluster.replica_url,
    )
    config.update(overrides)
    return support.create_test_app(config)


@pytest.fixture(scope="session")
def rep_app(cluster, tmp_path_factory) -> Iterator[Flask]:
    app = replica_app(cluster, tmp_path_factory)
    support.migrate(app)
    support.wipe(app)
    cluster.sync()
    yield app
    from desacerdas.extensions import db
    from desacerdas.tenancy import replica

    with app.app_context():
        replica.dispose(app)
        db.engine.dispose()


@pytest.fixture
def clean(rep_app, cluster) -> Iterator[None]:
    """Every test starts from an empty platform (installed plugins kept), on both servers."""
    yield
    support.wipe(rep_app)
    cluster.sync()
