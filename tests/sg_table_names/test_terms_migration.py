"""Revision smart_government_0007 moves the local terms and the letterhead from the pillar's stored
settings (each village's and the platform's) into the village's own terms in the core
(``Tenant.profile["terms"]``, :mod:`desacerdas.kit.terms`), and its downgrade moves them back.

Runs on the suite's database (SQLite, or PostgreSQL with RLS in the PostgreSQL lane): the branch is
moved back to smart_government_0006, the old keys are written as that revision left them, and the
branch goes up to head again (where the test leaves it).
"""

from __future__ import annotations

import uuid

from desacerdas.extensions import db
from desacerdas.kit import terms
from desacerdas.models import PlatformPlugin, Tenant, VillagePlugin
from desacerdas.services import rollout
from desacerdas.testing import support

from .migrating import migrate

BOGOR_VILLAGE = "32.01.02.2001"  # Wanaherang, Kabupaten Bogor: a desa outside Bali
OLD_KEYS = set(terms.LEGACY_KEYS)
MENANGA_OLD = {
    "term_village_head": "Kepala Desa",  # not the Balinese default: kept
    "term_hamlet": "Banjar Dinas",  # the Balinese default now: nothing to store
    "office_name": "",  # empty meant "DESA MENANGA": the default
    "office_address": "Jl. Raya Menanga No. 1, Rendang 80863",
    "verification_step": False,  # not a term: stays in the pillar's settings
}
PLATFORM_OLD = {"letter_place": "Karangasem", "logo_document_id": str(uuid.uuid4()), "approval_step": True}


def _write_old_settings(app, village_id: int, values: dict) -> None:  # noqa: ANN001
    """As the pillar stored them before 0007 (its schema then had these keys)."""
    with app.app_context():
        row = db.session.get(VillagePlugin, (village_id, "smart_government"))
        if row is None:
            row = VillagePlugin(tenant_id=village_id, plugin="smart_government", enabled=False, settings={})
            db.session.add(row)
        row.settings = {**(row.settings or {}), **values}
        db.session.commit()


def _write_old_platform_settings(app, values: dict) -> None:  # noqa: ANN001
    with app.app_context():
        row = db.session.get(PlatformPlugin, "smart_government")
        row.settings = {**(row.settings or {}), **values}
        db.session.commit()


def _own(app, village) -> dict:  # noqa: ANN001
    with app.app_context():
        return terms.own_values(db.session.get(Tenant, village.id))


def _settings(app, village_id: int | None = None) -> dict:  # noqa: ANN001
    with app.app_context():
        if village_id is None:
            return dict(db.session.get(PlatformPlugin, "smart_government").settings or {})
        row = db.session.get(VillagePlugin, (village_id, "smart_government"))
        return dict(row.settings or {}) if row else {}


def _villages(app, make_village):  # noqa: ANN001, ANN202
    """Menanga (Bali) with the pillar on and old values; Bebandem (Bali), which already set its
    address in the core; a village outside Bali with an old hamlet word; all on the old layout."""
    menanga = make_village(support.MENANGA)
    bebandem = make_village(support.BEBANDEM)
    bogor = make_village(BOGOR_VILLAGE)
    with app.app_context():
        rollout.enable(db.session.get(Tenant, menanga.id), "smart_government", override_reason="test")
    migrate(app, "smart_government_0006", down=True)
    _write_old_settings(app, menanga.id, MENANGA_OLD)
    old = {"office_address": "Jl. Lama 1", "term_village_head": "Kepala Desa"}
    _write_old_settings(app, bebandem.id, old)
    _write_old_settings(app, bogor.id, {"term_hamlet": "Banjar"})
    _write_old_platform_settings(app, PLATFORM_OLD)
    with app.app_context():
        terms.update(db.session.get(Tenant, bebandem.id), {"office_address": "Jl. Baru 2"})
    return menanga, bebandem, bogor


def test_upgrade_moves_the_old_values_into_the_villages_terms(app, make_village):
    try:
        menanga, bebandem, bogor = _villages(app, make_village)
    finally:
        migrate(app, "smart_government@head")

    assert _own(app, menanga) == {
        "village_head": "Kepala Desa",
        "office_address": "Jl. Raya Menanga No. 1, Rendang 80863",
        "letter_place": "Karangasem",  # the platform's value, which the village saw (its logo is not)
    }
    with app.app_context():
        tenant = db.session.get(Tenant, menanga.id)
        words, head = terms.terms_for(tenant), terms.letterhead_for(tenant)
        assert (words.village_head, words.hamlet) == ("Kepala Desa", "Banjar Dinas")
        assert head.address == "Jl. Raya Menanga No. 1, Rendang 80863" and head.office_line == "DESA MENANGA"
        checks = {c.id: c.passed for c in rollout.readiness(tenant, "smart_government")}
    assert checks["letterhead_set"] is True
    # What the village set in the core already is never overwritten; the rest is still moved.
    assert _own(app, bebandem) == {
        "office_address": "Jl. Baru 2",
        "village_head": "Kepala Desa",
        "letter_place": "Karangasem",
    }
    assert _own(app, bogor) == {"hamlet": "Banjar", "letter_place": "Karangasem"}
    # The keys have left the pillar's settings; its own settings stay.
    assert _settings(app, menanga.id) == {"verification_step": False}
    assert _settings(app, bebandem.id) == {} and _settings(app, bogor.id) == {}
    assert _settings(app) == {"approval_step": True}


def test_downgrade_moves_them_back_and_upgrading_again_gives_the_same_terms(app, make_village):
    try:
        menanga, bebandem, bogor = _villages(app, make_village)
    finally:
        migrate(app, "smart_government@head")
    after_upgrade = {v.id: _own(app, v) for v in (menanga, bebandem, bogor)}
    try:
        migrate(app, "smart_government_0006", down=True)
        assert _settings(app, menanga.id) == {
            "verification_step": False,
            "term_village_head": "Kepala Desa",
            "term_hamlet": "Banjar Dinas",  # what the village saw, not the old default "Dusun"
            "term_hamlet_head": "Kelian Banjar Dinas",
            "office_address": "Jl. Raya Menanga No. 1, Rendang 80863",
            "letter_place": "Karangasem",
        }
        assert _settings(app, bogor.id) == {"term_hamlet": "Banjar", "letter_place": "Karangasem"}
        assert _settings(app, bebandem.id)["office_address"] == "Jl. Baru 2"
        with app.app_context():
            profiles = [db.session.get(Tenant, v.id).profile or {} for v in (menanga, bebandem, bogor)]
        assert all("terms" not in p for p in profiles)
    finally:
        migrate(app, "smart_government@head")
    assert {v.id: _own(app, v) for v in (menanga, bebandem, bogor)} == after_upgrade
    assert not OLD_KEYS & set(_settings(app, menanga.id))


def test_terms_set_only_in_the_core_survive_a_downgrade_and_an_upgrade(app, make_village):
    village = make_village(BOGOR_VILLAGE)  # the pillar never enabled: no settings row yet
    with app.app_context():
        terms.update(db.session.get(Tenant, village.id), {"hamlet": "Banjar"})
    try:
        migrate(app, "smart_government_0006", down=True)
        assert _settings(app, village.id) == {"term_hamlet": "Banjar"}  # moved back, nothing else
    finally:
        migrate(app, "smart_government@head")
    assert _own(app, village) == {"hamlet": "Banjar"}
    assert _settings(app, village.id) == {}
