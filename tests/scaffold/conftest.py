"""The pytest plugin's fixtures, with the fake plugins of ``fakes.py`` installed."""

from __future__ import annotations

import pytest

from .fakes import PLUGINS


@pytest.fixture(scope="session")
def desa_app_config() -> dict:
    return {"EXTRA_PLUGINS": PLUGINS, "DISCOVER_PLUGINS": False}
