"""docs/plugins.md documents every hook and every fixture of the pytest plugin."""

from __future__ import annotations

import inspect
from pathlib import Path

from desacerdas.plugin_system.hookspecs import ALL_HOOKS
from desacerdas.testing import pytest_plugin

DOC = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text()


def test_every_hook_has_a_reference_section():
    missing = [hook for hook in ALL_HOOKS if f"\n### {hook}\n" not in DOC or f"[`{hook}(" not in DOC]
    assert missing == []


def test_every_fixture_of_the_pytest_plugin_is_documented():
    fixtures = [name for name, _obj in inspect.getmembers(pytest_plugin) if name.startswith("desa_")]
    assert len(fixtures) >= 15
    assert [name for name in fixtures if f"`{name}`" not in DOC] == []
    assert [name for name in fixtures if name not in (pytest_plugin.__doc__ or "")] == []
