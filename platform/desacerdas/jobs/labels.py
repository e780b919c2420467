"""Jobs in words: state labels, the error in the reader's language, a progress line."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from ..models import Job, JobState
from ..services.i18n import _
from . import kinds

STATE_LABELS = {
    JobState.QUEUED: _l("Waiting to start"),
    JobState.RUNNING: _l("Running"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
    JobState.CANCELLED: _l("Cancelled"),
}


def state_label(state: JobState | str) -> str:
    return str(STATE_LABELS[JobState(state)])


def error_text(job: Job) -> str | None:
    """The job's error in the reader's language (stored in English with its values)."""
    if not job.error:
        return None
    found = (job.result or {}).get("error") if isinstance(job.result, dict) else None
    if isinstance(found, dict) and found.get("msgid"):
        try:
            return _(found["msgid"], **(found.get("vars") or {}))
        except (KeyError, TypeError, ValueError):
            return job.error
    return _(job.error)


def result_of(job: Job) -> dict | None:
    """What the handler returned (without the runner's own error record)."""
    if not isinstance(job.result, dict):
        return job.result
    if job.state == JobState.DONE:
        return job.result
    return {k: v for k, v in job.result.items() if k != "error"} or None


SKIPPED_KEYS = frozenset({"error", "document_id", "dry_run", "ok"})  # shown otherwise, or not words


def _value(value: Any) -> str | None:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return format_decimal(value, format="#,##0")
    if isinstance(value, float):
        return format_decimal(value)
    if isinstance(value, str):
        return value
    return None  # lists and deeper values: too long for a summary (the API has them all)


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def generic_summary(result: dict[str, Any]) -> list[tuple[str, str]]:
    """A result dict as (label, value) lines: scalars as they are (counts with thousands
    separators), one level of nested dicts as "Key: sub-key"; lists are left out."""
    lines: list[tuple[str, str]] = []
    for key, value in result.items():
        if key in SKIPPED_KEYS:
            continue
        if isinstance(value, dict):
            for sub, inner in value.items():
                shown = _value(inner)
                if shown is not None:
                    lines.append((f"{_label(str(key))}: {str(sub).replace('_', ' ')}", shown))
            continue
        shown = _value(value)
        if shown is not None:
            lines.append((_label(str(key)), shown))
    return lines


def summary(job: Job) -> list[tuple[str, str]]:
    """A finished job's result in words for its page: the kind's own ``summary`` or the generic one."""
    result = result_of(job)
    if job.state != JobState.DONE or not isinstance(result, dict):
        return []
    kind = kinds.find(job.kind)
    if kind is not None and kind.summary is not None:
        return [(str(label), _value(value) or "") for label, value in kind.summary(result)]
    return generic_summary(result)
