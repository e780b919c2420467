"""The demo village has letters in every state, made through the real services."""

from __future__ import annotations

from smart_government.letters.models import Letter, LetterRequest, RequestStatus
from sqlalchemy import func, select

from desacerdas.cli import cli
from desacerdas.services import rollout
from desacerdas.tenancy import tenant_session


def test_the_demo_has_letters_in_every_state_that_verify(app, client, menanga):
    with app.app_context():
        rollout.enable(menanga.tenant(), "smart_government", override_reason="test")
    demo = ["plugins", "demo", "smart_government", "--tenant", menanga.slug]
    runner = app.test_cli_runner()
    result = runner.invoke(cli, demo, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_session(menanga.id) as s:
        states = {status for (status,) in s.execute(select(LetterRequest.status))}
        letters = s.scalars(select(Letter).order_by(Letter.seq)).all()
        tokens = [letter.token for letter in letters]
        requests = s.scalar(select(func.count(LetterRequest.id)))
    # With the default workflow (no approval step) "approved" is never reached; every other state is.
    assert states == set(RequestStatus) - {RequestStatus.APPROVED}
    assert len(letters) == 3 and len({letter.number for letter in letters}) == 3
    page = client.get(f"/desa/{menanga.slug}/smart_government/verify/{tokens[0]}")
    assert page.status_code == 200 and letters[0].number in page.get_data(as_text=True)
    again = runner.invoke(cli, demo, catch_exceptions=False)
    assert again.exit_code == 0
    with app.app_context(), tenant_session(menanga.id) as s:
        assert s.scalar(select(func.count(LetterRequest.id))) == requests


def test_with_an_approval_step_the_demo_has_an_approved_request_too(app, menanga):
    from desacerdas.plugin_system import settings as plugin_settings

    with app.app_context():
        tenant = menanga.tenant()
        plugin_settings.update("smart_government", {"approval_step": True}, tenant=tenant)
        rollout.enable(tenant, "smart_government", override_reason="test")
    result = app.test_cli_runner().invoke(
        cli, ["plugins", "demo", "smart_government", "--tenant", menanga.slug]
    )
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_session(menanga.id) as s:
        states = {status for (status,) in s.execute(select(LetterRequest.status))}
    assert states == set(RequestStatus)
