"""Jobs in words: state labels, the error in the reader's language, a progress line."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models import Job, JobState
from ..services.i18n import _

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
