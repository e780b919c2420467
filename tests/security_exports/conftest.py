"""Fixtures for the export tests: the populated villages of ``smart_government_pages``."""

from __future__ import annotations

from smart_government_pages.conftest import pop_bebandem, pop_menanga  # noqa: F401 - fixtures
