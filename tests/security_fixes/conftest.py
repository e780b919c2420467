"""Fixtures for the security fixes: the resident-account villages of ``sg_resident_accounts`` and
the throttle's clock of ``security_signin``."""

from __future__ import annotations

from security_signin.conftest import clock  # noqa: F401 - fixtures
from sg_resident_accounts.conftest import account_row, open_account, va, vb  # noqa: F401 - fixtures
