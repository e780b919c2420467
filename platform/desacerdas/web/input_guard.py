"""Refusing input that no handler should ever see, before any handler sees it.

A hook that runs before anything else in a request answers 400 (a JSON error under ``/api/``, a
page otherwise, in the request's language) when the request carries:

- a NUL byte or another C0 control character except TAB, LF and CR, or a lone UTF-16 surrogate, in
  the path, a query argument, a form field (its name or value; the name of an uploaded file, not
  its contents) or a JSON string (a key or a value). No text the platform keeps contains one;
  PostgreSQL refuses NUL outright (a 500 before this guard), and exports choke on the others;
- a JSON body nested deeper than ``DESA_JSON_MAX_DEPTH`` (32), checked on the raw bytes *before*
  the parser recurses (100,000 levels would otherwise exhaust the stack or take a worker);
- a body sent as JSON that is not valid JSON (or not UTF-8).

The checks are linear in the size of the request, which ``MAX_CONTENT_LENGTH`` already bounds.
Proved by ``tests/security_input/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, abort, current_app, g, make_response, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .errors import error_response

# C0 controls but TAB (\x09), LF (\x0a) and CR (\x0d); lone surrogates (U+D800–U+DFFF).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


class InputRefused(Exception):
    """Why a request is refused: ``message`` for the person, ``code`` for the API."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def has_forbidden(text: str) -> bool:
    """Whether ``text`` holds a control character (but TAB/LF/CR) or a lone surrogate."""
    return FORBIDDEN.search(text) is not None


def json_too_deep(data: bytes, max_depth: int) -> bool:
    """Whether the JSON text ``data`` nests arrays/objects deeper than ``max_depth``.

    Works on the bytes, without parsing: strings are dropped (brackets inside them do not count),
    then the innermost ``[]``/``{}`` pairs are removed once per level, at most ``max_depth`` times:
    anything left after that is deeper. Unbalanced text is left to the parser, which refuses it."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", data))
    for _level in range(max_depth):
        if not brackets:
            return False
        brackets, removed = _INNERMOST_PAIR.subn(b"", brackets)
        if not removed:  # unbalanced (not valid JSON): too deep only if it opens that deep
            return brackets.count(b"[") + brackets.count(b"{") > max_depth
    return bool(brackets)


def _json_strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, keys included (iteratively: depth is already bounded,
    but a wide value must not recurse either)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                yield key
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def _form_texts() -> Iterable[tuple[str, str]]:
    """(where, text) for the path, query, form fields and upload names of the request."""
    yield "path", request.path
    for key, value in request.args.items(multi=True):
        yield key, key
        yield key, value
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        return  # refused (413) by whoever reads the form, after the village is known: not parsed here
    try:
        form, files = request.form, request.files
    except HTTPException as exc:  # a form over MAX_FORM_MEMORY_SIZE / MAX_FORM_PARTS
        g.input_guard_deferred = exc  # raised again in before_request, once the village is resolved
        return
    for key, value in form.items(multi=True):
        yield key, key
        yield key, value
    for key, upload in files.items(multi=True):
        yield key, key
        yield key, upload.filename or ""


def _bad_characters() -> InputRefused:
    message = _("The request contains a control character or an invalid character. Remove it and try again.")
    return InputRefused(message, "invalid_characters")


def check_request() -> None:
    """Raise :class:`InputRefused` if the current request carries input no handler should see."""
    for _where, text in _form_texts():
        if has_forbidden(text):
            raise _bad_characters()
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data.strip():
        return
    max_depth = int(current_app.config.get("JSON_MAX_DEPTH") or 32)
    if json_too_deep(data, max_depth):
        raise InputRefused(
            _("The JSON body is nested too deeply (at most %(depth)d levels).", depth=max_depth),
            "json_too_deep",
        )
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InputRefused(_("The request body is not valid JSON."), "invalid_json") from None
    if any(has_forbidden(text) for text in _json_strings(parsed)):
        raise _bad_characters()


def init_app(app: Flask) -> None:
    """Run :func:`check_request` first in every request: as the app's URL value preprocessor, which
    Flask calls before the blueprints' (API authentication, village resolution: they query the
    database with the path's values) and before every ``before_request`` hook."""

    @app.url_value_preprocessor
    def _guard(endpoint: str | None, values: dict[str, Any] | None) -> None:
        try:
            check_request()
        except InputRefused as refused:
            abort(make_response(error_response(400, refused.message, refused.code)))

    @app.before_request
    def _deferred() -> None:
        exc = g.pop("input_guard_deferred", None)
        if exc is not None:
            raise exc
