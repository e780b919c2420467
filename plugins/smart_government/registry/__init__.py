"""The population registry: residents, families and their civil events (``models``), the rules
every page, API call and import goes through (``service``, ``listing``), population figures
(``statistics``), exports, demo data, and the registry's pages and API.

The service's functions are importable from here (``from smart_government.registry import
create_resident``); the pillar's own modules import the submodules.
"""

from .listing import RESIDENTS, SORTS, search
from .service import (
    EVENT_STATUS,
    RESIDENT_FIELDS,
    clean_text,
    create_family,
    create_resident,
    get_family,
    get_resident,
    new_resident_values,
    normalise_name,
    record_event,
    replace_temporary_nik,
    update_resident,
)
from .vocabulary import BLOOD_TYPES, EDUCATION_LEVELS, MARITAL_STATUSES, RELATIONSHIPS, RELIGIONS

__all__ = [
    "BLOOD_TYPES",
    "EDUCATION_LEVELS",
    "EVENT_STATUS",
    "MARITAL_STATUSES",
    "RELATIONSHIPS",
    "RELIGIONS",
    "RESIDENTS",
    "RESIDENT_FIELDS",
    "SORTS",
    "clean_text",
    "create_family",
    "create_resident",
    "get_family",
    "get_resident",
    "new_resident_values",
    "normalise_name",
    "record_event",
    "replace_temporary_nik",
    "search",
    "update_resident",
]
