"""Fixtures for the sign-in throttle tests: the resident-account villages of
``sg_resident_accounts`` and a clock the throttle reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sg_resident_accounts.conftest import codes, open_account, va, vb  # noqa: F401 - fixtures

from desacerdas.services import login_throttle


class Clock:
    """The throttle's "now", moved on by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(login_throttle, "_now", fake)
    return fake
