"""Password and secret hashing with argon2id at the OWASP-recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..services.i18n import _, ngettext

# OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)

MIN_PASSWORD_LENGTH = 10


def hash_secret(secret: str) -> str:
    return hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """A human reason the password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return ngettext(
            "Password must be at least %(num)d character.",
            "Password must be at least %(num)d characters.",
            MIN_PASSWORD_LENGTH,
        )
    if password.isdigit():
        return _("Password must not be only digits.")
    return None
