"""Readiness checks of the pillar: what a village must have before it serves its residents here
(:data:`CHECKS`, declared by ``plugin.py``). The kit gives the generic ones (village head,
hamlets, staff); the two below are the pillar's own."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from desacerdas.kit import terms as village_terms
from desacerdas.models import Role, Tenant
from desacerdas.plugin_system.pillar import Check, has_hamlets, has_role, has_staff, page_link
from desacerdas.plugin_system.types import ReadinessCheck

from .letters.models import LetterType


def terms_page(tenant: Tenant) -> str:
    """Where the village sets its letterhead (the core's page), also outside a request (the CLI)."""
    return page_link(tenant, "village_terms.edit", "settings/terms")


def letter_types_page(tenant: Tenant) -> str:
    """The pillar's letter types page (it opens once the pillar is enabled in the village)."""
    return page_link(tenant, "smart_government.letters.letter_types", "smart_government/letters/types")


def letterhead_set(tenant: Tenant, session: Session) -> ReadinessCheck:
    """Letters print the office's address under the letterhead: the village must have written its
    own (the default, built from the district and regency names, is no address a letter can use)."""
    ok = bool(village_terms.own_values(tenant).get("office_address"))
    return ReadinessCheck(
        "letterhead_set",
        str(_l("The letterhead and the office address are set")),
        ok,
        str(
            _l(
                "Fill in the office address on the village's page Local terms and letterhead: %(url)s",
                url=terms_page(tenant),
            )
        ),
        terms_page(tenant),
    )


@cache
def _letter_type_counts() -> Select:
    """All letter types and the active ones, one statement built once (the rollout board asks it
    of every village on the page)."""
    return select(func.count(LetterType.id), func.count(LetterType.id).filter(LetterType.active.is_(True)))


def letter_type_active(tenant: Tenant, session: Session) -> ReadinessCheck:
    """At least one active letter type. A village that never had any gets the common ones on
    enable, so it passes; one that switched them all off does not."""
    total, active = session.execute(_letter_type_counts()).one()
    return ReadinessCheck(
        "letter_type_active",
        str(_l("At least one letter type is active")),
        total == 0 or active > 0,
        str(_l("Activate a letter type (the common ones are added when the pillar is first enabled).")),
        letter_types_page(tenant),
    )


CHECKS: list[Check] = [
    has_role(
        Role.VILLAGE_HEAD,
        _l("A village head account exists"),
        _l("A platform admin invites the village head; the members page then lists them."),
    ),
    has_hamlets(
        _l("At least one hamlet is registered"), _l("Add the village's hamlets (banjar dinas / dusun).")
    ),
    has_staff(
        _l("A secretary or operator account exists"),
        _l("Invite an operator or the village secretary on the members page, to serve at the counter."),
    ),
    letterhead_set,
    letter_type_active,
]
