"""Exceptions of the jobs package: how a handler says it failed, and how submit says the queue is down."""

from __future__ import annotations

from typing import Any

from ..services import ServiceError
from ..services.i18n import N_, _


class JobFailed(Exception):
    """Raised by a handler: the job fails with this message in words, and its transaction rolls back.

    ``JobFailed("Row %(row)s has no NIK.", row=12)`` keeps the English source and the values, so
    the job page shows the message in the reader's language.
    """

    def __init__(self, message: str, **variables: Any) -> None:
        self.msgid = str(message)
        self.variables = variables
        self.message = self.msgid % variables if variables else self.msgid
        super().__init__(self.message)


class JobCancelled(Exception):
    """Raised through :meth:`JobContext.check_cancelled`: someone asked to stop; the handler's
    transaction rolls back (a kind that is not all-or-nothing may have stored something before)."""


class BrokerDown(ServiceError):
    """:func:`desacerdas.jobs.submit` could not hand the job to the work queue (503)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "The work queue is not available right now, so the job could not start. "
                "Please try again soon."
            ),
            "broker_unavailable",
            503,
        )


# Stored in ``Job.error`` in English (the source text) and translated when shown.
WORKER_STOPPED = N_("The worker stopped while running this job.")
QUEUE_DOWN = N_("The work queue was not available, so the job never started.")
UNEXPECTED = N_("An unexpected error stopped the job. Nothing it did was kept.")
UNEXPECTED_PARTIAL = N_("An unexpected error stopped the job. What it finished before that was kept.")
UNKNOWN_KIND = N_("This kind of job is not known to the worker (is its pillar installed?).")
CANCELLED = N_("Cancelled before it finished. Nothing it did was kept.")
CANCELLED_PARTIAL = N_("Cancelled before it finished. What it finished before that was kept.")
NEVER_STARTED = N_("No worker picked this job up.")
