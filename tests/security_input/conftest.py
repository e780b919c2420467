"""Fixtures for the input-guard tests: the resident-account villages of ``sg_resident_accounts``."""

from __future__ import annotations

from sg_resident_accounts.conftest import open_account, va, vb  # noqa: F401 - fixtures
