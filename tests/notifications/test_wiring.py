"""The worker task, the every-minute sweep, the kinds the core declares, wording that breaks."""

from __future__ import annotations

import pytest

from desacerdas.jobs.schedule import beat_schedule
from desacerdas.models import Tenant
from desacerdas.models.notification import NotificationChannel, NotificationTemplate
from desacerdas.notifications import NotificationKind, all_kinds, get_kind, render
from desacerdas.testing.support import village_session


def test_task_and_periodic_are_registered(app):
    celery = app.extensions["celery"]
    assert "desa.notifications.deliver" in celery.tasks
    assert "desa.notifications.deliver_due" in celery.tasks
    schedule = beat_schedule()["desa.notifications.deliver_due"]
    assert schedule["schedule"].total_seconds() == 60


def test_core_kinds_and_unknown_kinds(app):
    with app.app_context():
        kinds = all_kinds()
        assert kinds["contact.verify"].secret and kinds["auth.password_reset"].secret
        with pytest.raises(KeyError):
            get_kind("no.such.kind")
    with pytest.raises(ValueError):
        NotificationKind("x", "x", "any", ("fax",), {"id": {"subject": "", "body": ""}})


def test_broken_village_wording_falls_back_to_the_default(app, menanga):
    with village_session(app, menanga) as s:
        s.add(  # stored by an older version or by hand: fails when rendered
            NotificationTemplate(
                kind="test.letter_ready",
                channel=NotificationChannel.INBOX,
                locale="id",
                subject="{{ x",
                body="{% for %}",
            )
        )
        s.commit()
        text = render("test.letter_ready", "inbox", "id", {"number": "2"}, s.get(Tenant, menanga.id), s)
    assert text.subject == "Surat 2 siap"


def test_plugin_kinds_are_collected_through_the_hook(app):
    with app.app_context():
        keys = set(all_kinds())
    assert {"contact.verify", "auth.password_reset"} <= keys
    assert any(key.startswith("smart_government.") for key in keys)  # the pillar's desa_notification_kinds
