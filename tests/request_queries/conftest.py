"""Counting the SQL statements of one request, and a second app on the same database (another
worker): what the request-identification tests need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event

from desacerdas.extensions import db
from desacerdas.testing import support

# Statements that identify the caller, the village and its plugins (not the view's own).
IDENTITY_MARKERS = (
    "api_tokens",
    "user_sessions",
    "FROM users",
    "memberships",
    "FROM tenants",
    "village_plugins",
    "platform_plugins",
    "platform_state",
    "set_config",
)


def is_identity(statement: str) -> bool:
    return any(marker in statement for marker in IDENTITY_MARKERS)


class Recorder:
    """The statements run on an app's engine while :meth:`recording` is open."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []

    def identity(self) -> list[str]:
        return [s for s, _params in self.statements if is_identity(s)]

    def writes(self, table: str) -> list[str]:
        return [s for s, _params in self.statements if s.startswith("UPDATE " + table)]


@pytest.fixture
def recording() -> Callable[[Flask], object]:
    @contextmanager
    def _recording(app: Flask) -> Iterator[Recorder]:
        with app.app_context():
            engine = db.engine
        recorder = Recorder()

        def _listen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
            recorder.statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", _listen)
        try:
            yield recorder
        finally:
            event.remove(engine, "before_cursor_execute", _listen)

    return _recording


@pytest.fixture(scope="session")
def other_app(db_urls, tmp_path_factory, _migrated) -> Flask:
    """Another worker: a second app object on the same database, with its own caches."""
    instance = tmp_path_factory.mktemp("other-instance")
    return support.create_test_app(support.app_config(db_urls, instance))
