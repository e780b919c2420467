"""Audit times on the clock of the village each event belongs to (WITA for Bali, WIB for Java, WIT
for Papua), the platform's zone (UTC) for events without a village; the zone is printed on each row."""

from __future__ import annotations

from datetime import UTC, datetime

from desacerdas.extensions import db
from desacerdas.models import AuditEvent

BOGOR = "32.01.02.2001"  # Jawa Barat: WIB
AT = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)


def _event(app, action: str, village=None) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.add(
            AuditEvent(
                at=AT, action=action, tenant_id=village.id if village else None, actor_label="uji", detail={}
            )
        )
        db.session.commit()


def test_platform_audit_log_each_row_in_its_village_zone(
    app, client, menanga, make_village, make_user, login
):
    bogor = make_village(BOGOR)
    _event(app, "test.bali", menanga)
    _event(app, "test.java", bogor)
    _event(app, "test.none")
    login(make_user("platform_admin"))
    html = client.get("/admin/audit?action=test.&lang=id").get_data(as_text=True)
    assert "09.30 WITA" in html  # 01:30 UTC in Karangasem
    assert "08.30 WIB" in html  # in Bogor
    assert "01.30 UTC" in html  # no village: the platform's zone
    assert 'datetime="2026-01-05T01:30:00+00:00"' in html  # the machine-readable time stays UTC
    english = client.get("/admin/audit?action=test.bali&lang=en").get_data(as_text=True)
    assert "9:30" in english and "WITA" in english


def test_regency_admin_and_village_page_in_the_village_zone(
    app, client, menanga, make_village, make_user, login
):
    bogor = make_village(BOGOR)
    _event(app, "test.bali", menanga)
    _event(app, "test.java", bogor)
    login(make_user("regency_admin", area="51.07"))
    html = client.get("/admin/audit?action=test.&lang=id").get_data(as_text=True)
    assert "09.30 WITA" in html and " WIB</time>" not in html  # Bogor is outside their regency
    page = client.get(f"/admin/villages/{menanga.slug}?lang=id").get_data(as_text=True)
    assert "WITA" in page and " UTC" not in page


def test_village_pillar_history_in_village_zone(app, client, make_village, make_user, login):
    from desacerdas.models import Tenant
    from desacerdas.services import rollout

    papua = make_village("91.71.01.2008")  # Kayo Batu, Kota Jayapura: WIT
    with app.app_context():
        rollout.enable(db.session.get(Tenant, papua.id), "smart_government", override_reason="uji")
    login(make_user("village_head", papua))
    html = client.get(f"/desa/{papua.slug}/pillars?lang=id").get_data(as_text=True)
    assert " WIT</time>" in html


def test_zone_helpers_outside_a_village(app):
    from desacerdas.web.zoned_time import in_zone

    with app.test_request_context("/?lang=id"):
        assert in_zone(None) == "—"
        assert in_zone(AT.replace(tzinfo=None)).endswith("UTC")  # a naive time is UTC
