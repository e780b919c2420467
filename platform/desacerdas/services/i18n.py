"""Translatable service messages.

Pages and the API show a refused request's message in the request's language, so services mark
their messages with these functions (``pybabel extract`` finds them as ``_`` and ``ngettext``).
The command line has no request and speaks English: outside a request the English source text is
used as it is, without asking the locale selector (which needs a request).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _babel_gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _babel_ngettext


def gettext(string: str, **variables: Any) -> str:
    """``gettext`` in a request; the English source text outside one (the command line)."""
    if has_request_context():
        return _babel_gettext(string, **variables)
    return string % variables if variables else string


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """``ngettext`` in a request; the English singular or plural outside one."""
    if has_request_context():
        return _babel_ngettext(singular, plural, num, **variables)
    return (singular if num == 1 else plural) % {"num": num, **variables}


_ = gettext


def indonesian(string: str, **variables: Any) -> str:
    """A text kept as data in the village's language (a stored document's title), whoever asks and
    from wherever (a page in English, the command line). Mark the source with ``N_``."""
    from flask import has_app_context
    from flask_babel import force_locale

    if not has_app_context():
        return string % variables if variables else string
    with force_locale("id"):
        return _babel_gettext(string, **variables)


def N_(message: str) -> str:  # noqa: N802 - the gettext "mark only" name, extracted by pybabel by default
    """Mark a message for translation without translating it now: it is stored in English (a
    worker has no reader's language) and translated where it is shown (``_(row.error)``)."""
    return message


# -- validation messages --------------------------------------------------------------------------
# marshmallow and webargs speak English; the API's 422 ``details`` are translated here so that one
# response is in one language. The English texts are marshmallow's own defaults (marshmallow 4).

_MARSHMALLOW = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid input.": _l("Invalid input."),
    "Invalid type.": _l("Invalid type."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid list.": _l("Not a valid list."),
    "Not a valid tuple.": _l("Not a valid list."),
    "Not a valid mapping type.": _l("Not a valid object."),
    "Not a valid UUID.": _l("Not a valid UUID."),
    "Not a valid email address.": _l("Not a valid email address."),
    "Not a valid URL.": _l("Not a valid URL."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid time.": _l("Not a valid time."),
    "Not a valid period of time.": _l("Not a valid period of time."),
    "Number too large.": _l("Number too large."),
    "String does not match expected pattern.": _l("String does not match expected pattern."),
    "Not a valid utf-8 string.": _l("Not a valid string."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Not a valid number."),
}
_OPERATORS = {
    "greater than": _l("greater than"),
    "greater than or equal to": _l("greater than or equal to"),
    "less than": _l("less than"),
    "less than or equal to": _l("less than or equal to"),
}
_OP = "(greater than or equal to|greater than|less than or equal to|less than)"
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Length must be between (\S+) and (\S+)\.$"),
        lambda m: _("Length must be between %(min)s and %(max)s.", min=m[1], max=m[2]),
    ),
    (re.compile(r"^Length must be (\S+)\.$"), lambda m: _("Length must be %(num)s.", num=m[1])),
    (
        re.compile(r"^Shorter than minimum length (\S+)\.$"),
        lambda m: _("Shorter than minimum length %(num)s.", num=m[1]),
    ),
    (
        re.compile(r"^Longer than maximum length (\S+)\.$"),
        lambda m: _("Longer than maximum length %(num)s.", num=m[1]),
    ),
    (re.compile(r"^Must be one of: (.*)\.$"), lambda m: _("Must be one of: %(choices)s.", choices=m[1])),
    (
        re.compile(rf"^Must be {_OP} (\S+) and {_OP} (\S+)\.$"),
        lambda m: _(
            "Must be %(min_op)s %(min)s and %(max_op)s %(max)s.",
            min_op=_OPERATORS[m[1]],
            min=m[2],
            max_op=_OPERATORS[m[3]],
            max=m[4],
        ),
    ),
    (
        re.compile(rf"^Must be {_OP} (\S+)\.$"),
        lambda m: _("Must be %(op)s %(num)s.", op=_OPERATORS[m[1]], num=m[2]),
    ),
    (
        re.compile(r"^\"?'?(.*?)'?\"? cannot be formatted as an? (.+)\.$"),
        lambda m: _("“%(input)s” is not a valid date or time.", input=m[1]),
    ),
    # marshmallow's "Not a valid {obj_type}." / "Not a valid {awareness} {obj_type}." (one or two words);
    # a longer message that starts the same is the platform's own and is kept
    (re.compile(r"^Not a valid (?:(?:naive|aware) )?\w+\.$"), lambda m: _("Invalid value.")),
]


def validation_message(message: str) -> str:
    """One validation message in the request's language: marshmallow's English defaults are
    translated; messages the platform wrote (already translated, or a msgid) go through gettext.
    Outside a request (the command line) the English text is kept, like :func:`gettext`."""
    if not has_request_context():
        return message
    if message in _MARSHMALLOW:
        return str(_MARSHMALLOW[message])
    for pattern, words in _PATTERNS:
        found = pattern.match(message)
        if found:
            return words(found)
    return gettext(message)


def validation_messages(messages: Any) -> Any:
    """``details`` of a 422 (nested by location and field, lists of messages) in the request's language."""
    if isinstance(messages, dict):
        return {key: validation_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [validation_messages(value) for value in messages]
    if isinstance(messages, str):
        return validation_message(messages)
    return messages
