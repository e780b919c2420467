"""The short reference an applicant keeps to follow their registration: ``K7QM-4TZP``.

Eight characters of Crockford's base 32 (digits and capitals without ``I``, ``L``, ``O``, ``U``),
printed in two groups of four, so it can be read over the phone, written on paper and typed on a
small keypad. It is random (``secrets``), never a sequence: the status page behind it shows only
the kind of request, when it was sent and the decision, and 32⁸ ≈ 1.1 × 10¹² codes behind a
rate-limited page cannot be walked. It is unique per village (a constraint); a clash, about one
in 10⁸ for a village with a few thousand requests, is drawn again.

Typed back, a reference is forgiving: lower case, spaces, a missing dash and the look-alikes we
never print (``O`` for ``0``, ``I``/``L`` for ``1``) are read as the applicant meant them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I L O U
LENGTH = 8
GROUP = 4
PATTERN = re.compile(rf"^[{ALPHABET}]{{{GROUP}}}-[{ALPHABET}]{{{LENGTH - GROUP}}}$")
# What people type for a sign we never print.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference() -> str:
    """A fresh random reference, ``XXXX-XXXX``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:GROUP]}-{raw[GROUP:]}"


def normalise(text: str | None) -> str | None:
    """The reference the applicant meant by ``text`` (``k7qm 4tzp`` → ``K7QM-4TZP``), or None when
    it cannot be one of ours."""
    raw = re.sub(r"[\s\-._]", "", (text or "").upper())
    if len(raw) != LENGTH:
        return None
    raw = raw.translate(_LOOKALIKES)
    code = f"{raw[:GROUP]}-{raw[GROUP:]}"
    return code if PATTERN.match(code) else None


def unused_reference(taken: Callable[[str], bool], tries: int = 10) -> str:
    """A new reference that ``taken`` says is free in the village (drawn again on a clash)."""
    for _ in range(tries):
        code = new_reference()
        if not taken(code):
            return code
    raise RuntimeError(f"no free registration reference after {tries} tries")  # pragma: no cover
