"""Words for the alerts' stored values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import Hazard

HAZARD_LABELS = {
    Hazard.FLOOD: _l("flood"),
    Hazard.FIRE: _l("fire"),
    Hazard.VOLCANO: _l("volcanic activity"),
    Hazard.LANDSLIDE: _l("landslide"),
    Hazard.EARTHQUAKE: _l("earthquake"),
    Hazard.OTHER: _l("danger"),
}
