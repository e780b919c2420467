"""The facilitator's work surface (``/facilitation``) and the visit log of each village.

* :mod:`.surface` — one card per village of the caller's rollout scope: what blocks the next
  pillar, what waits on people (``desa_waiting_items``), the last activity, open follow-ups and the
  indicators' trend, scored by "needs attention". Read only through ``tenancy.cross_village.read_each``.
* :mod:`.visits` — the visit log (``facilitator_visits``): facilitators record visits and calls,
  the village head and the regency read them.
* :mod:`.views` — the pages; the API is ``desacerdas.api.facilitation``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..auth.permissions import registry
from ..models import Role
from ..web.labels import register_events

VISITS_VIEW = "village.visits.view"
VISITS_RECORD = "village.visits.record"

# Read-only: a regency admin of the area reads the log too.
registry.register(
    VISITS_VIEW,
    "Read the facilitators' visit log of the village",
    (Role.VILLAGE_HEAD, Role.FACILITATOR),
    read_only=True,
)
registry.register(VISITS_RECORD, "Record a facilitator's visit or call to the village", (Role.FACILITATOR,))

# The audit log shows these in words (web/labels.py).
register_events(
    {
        "facilitation.visit_recorded": _l("Facilitator's visit recorded"),
        "facilitation.follow_up_done": _l("Follow-up of a visit done"),
        "facilitation.follow_up_reopened": _l("Follow-up of a visit opened again"),
    }
)

__all__ = ["VISITS_RECORD", "VISITS_VIEW"]
