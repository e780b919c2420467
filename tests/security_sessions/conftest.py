"""Resident fixtures borrowed from the resident-accounts tests (villages with NIKs and accounts)."""

from sg_resident_accounts.conftest import open_account, va, vb  # noqa: F401
