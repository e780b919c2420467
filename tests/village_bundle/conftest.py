"""The backup tests' fixtures: an empty second instance and storage emptied around each test."""

from backup.conftest import _storage_emptied, empty_instance  # noqa: F401
