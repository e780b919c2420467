"""Dumping list responses without marshmallow's per-value overhead, to the same output.

marshmallow dumps every value of every object through ``Field.serialize`` → ``Field.get_value`` →
``Schema.get_attribute`` → ``utils.get_value`` → ``Field._serialize``: five calls for what is, for
a string or a UUID column, ``str(value)``. A list of 20 residents of 23 fields is 460 of them.
:class:`FastDumpMixin` compiles, once per schema instance, a function that builds each object's
dict directly: plain attribute reads, strings, UUIDs, ISO dates and booleans converted inline
(with the very functions marshmallow uses), every other field still
through its own ``serialize`` (so custom fields, nested schemas and methods keep their meaning).

The output is the output of ``Schema.dump``: same keys (``data_key``), same order, same values,
fields whose value is missing left out. Anything the compiled function does not model — a schema
with pre/post-dump hooks or its own ``get_attribute``, a dotted ``attribute``, an object read by
key (a mapping) or lacking an attribute — goes through marshmallow itself. The schema class and its
fields are unchanged, so the OpenAPI document describes the same response.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type

_MISSING = ma.missing
_INLINE = {fields.String: "text", fields.Str: "text", fields.UUID: "uuid"}
_ISO = (None, "iso", "iso8601")


def _kind(field: fields.Field) -> str | None:
    """How the compiled function writes ``field``'s value inline (None: through ``serialize``)."""
    kind = _INLINE.get(type(field))
    if kind is not None:
        return kind
    if type(field) is fields.Date and field.format in _ISO:
        return "date"
    if type(field) is fields.Boolean and fields.Boolean._serialize is fields.Field._serialize:
        return "plain"  # marshmallow dumps a boolean as it is
    return None


def compile_dumper(schema: ma.Schema) -> Callable[[Any], dict[str, Any]] | None:
    """A function dumping one object like ``schema.dump(obj, many=False)``; None if the schema
    does something the function would not reproduce (hooks, its own ``get_attribute``)."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:  # noqa: SLF001
        return None
    if type(schema).get_attribute is not ma.Schema.get_attribute:
        return None
    slow = _slow(schema)
    env: dict[str, Any] = {
        "_M": _MISSING,
        "_str": str,
        "_text": ensure_text_type,
        "_slow": slow,
        "_ga": schema.get_attribute,
        "_dict": schema.dict_class,
        "_iso": date.isoformat,
    }
    lines = [
        "def dump(obj):",
        "    if obj is None or hasattr(obj, '__getitem__'):",
        "        return _slow(obj)",
        "    out = _dict()",
    ]
    for number, (attr_name, field) in enumerate(schema.dump_fields.items()):
        key = field.data_key if field.data_key is not None else attr_name
        source = field.attribute if field.attribute is not None else attr_name
        kind = _kind(field)
        env[f"_k{number}"] = key
        if kind is None or "." in source or not source.isidentifier() or field.dump_default is not _MISSING:
            env[f"_f{number}"] = field
            env[f"_a{number}"] = attr_name
            lines += [
                f"    v = _f{number}.serialize(_a{number}, obj, accessor=_ga)",
                "    if v is not _M:",
                f"        out[_k{number}] = v",
            ]
            continue
        lines += [
            f"    v = getattr(obj, {source!r}, _M)",
            "    if v is _M:",
            "        return _slow(obj)",
        ]
        if kind == "uuid":
            lines.append(f"    out[_k{number}] = None if v is None else _str(v)")
        elif kind == "date":
            lines.append(f"    out[_k{number}] = None if v is None else _iso(v)")
        elif kind == "plain":
            lines.append(f"    out[_k{number}] = v")
        else:
            lines.append(
                f"    out[_k{number}] = v if v.__class__ is _str else (None if v is None else _text(v))"
            )
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<fastdump {type(schema).__name__}>", "exec"), env)  # noqa: S102
    return env["dump"]


def _slow(schema: ma.Schema) -> Callable[[Any], Any]:
    def dump_one(obj: Any) -> Any:
        return ma.Schema.dump(schema, obj, many=False)

    return dump_one


class FastDumpMixin:
    """Put before ``ma.Schema`` in a response schema's bases: ``dump`` runs a compiled function
    (see the module doc) and gives what ``Schema.dump`` gives."""

    _fast_dumper: Callable[[Any], dict[str, Any]] | None | bool = False

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """Like ``Schema.dump``, with the per-object function compiled on first use."""
        dumper = self._fast_dumper
        if dumper is False:
            dumper = self._fast_dumper = compile_dumper(self)  # type: ignore[arg-type]
        if dumper is None or obj is None:
            return super().dump(obj, many=many)  # type: ignore[misc]
        if self.many if many is None else many:  # type: ignore[attr-defined]
            return [dumper(item) for item in obj]
        return dumper(obj)
