"""Translatable service messages.

Pages and the API show a refused request's message in the request's language, so services mark
their messages with these functions (``pybabel extract`` finds them as ``_`` and ``ngettext``).
The command line has no request and speaks English: outside a request the English source text is
used as it is, without asking the locale selector (which needs a request).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext as _babel_gettext
from flask_babel import ngettext as _babel_ngettext


def gettext(string: str, **variables: Any) -> str:
    if has_request_context():
        return _babel_gettext(string, **variables)
    return string % variables if variables else string


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    if has_request_context():
        return _babel_ngettext(singular, plural, num, **variables)
    return (singular if num == 1 else plural) % {"num": num, **variables}


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext "mark only" name, extracted by pybabel by default
    """Mark a message for translation without translating it now: it is stored in English (a
    worker has no reader's language) and translated where it is shown (``_(row.error)``)."""
    return message
