"""The kinds of job the core and plugins declare with :func:`job_kind`.

A kind is a name (``smart_government.registry_import``), a title for pages, whether running it a
second time after a worker died is harmless (``retry_safe``), whether everything it does lands in the
job's one transaction (``all_or_nothing``: false when it stores a document or changes storage on
its way), an optional ``summary(result)`` (its result in words for the job page) and the handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import JobContext

Handler = Callable[["JobContext"], "dict[str, Any] | None"]
Summary = Callable[[dict[str, Any]], "list[tuple[str, Any]]"]


@dataclass(frozen=True)
class JobKind:
    name: str
    title: Any  # a LazyString: shown in the reader's language
    handler: Handler
    retry_safe: bool = False
    permission: str | None = None  # who may start it (checked by the page that submits, not here)
    all_or_nothing: bool = True  # False: a failure or a cancel may leave part of its work behind
    summary: Summary | None = None  # the result as (label, value) lines; else a generic rendering


_KINDS: dict[str, JobKind] = {}


class UnknownJobKind(KeyError):
    """No handler is registered under this name (a programming error, or a plugin not loaded)."""


def job_kind(
    kind: str,
    *,
    title: Any,
    retry_safe: bool = False,
    permission: str | None = None,
    all_or_nothing: bool = True,
    summary: Summary | None = None,
) -> Callable[[Handler], Handler]:
    """Register ``handler(ctx: JobContext) -> dict | None`` as the work of jobs of ``kind``.

    Registering the same name again replaces the handler (a module imported twice, a test).
    """
    if not kind or len(kind) > 80:
        raise ValueError("a job kind is a name of 1 to 80 characters")

    def register(handler: Handler) -> Handler:
        _KINDS[kind] = JobKind(kind, title, handler, retry_safe, permission, all_or_nothing, summary)
        return handler

    return register


def get(kind: str) -> JobKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownJobKind(kind) from None


def find(kind: str) -> JobKind | None:
    return _KINDS.get(kind)


def title_of(kind: str) -> str:
    """The kind's title in words, or its name when the plugin that declared it is not loaded."""
    found = _KINDS.get(kind)
    return str(found.title) if found is not None else kind


def all_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)
