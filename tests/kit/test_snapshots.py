"""Monthly indicator snapshots (``desacerdas.kit.snapshots``, ``desa indicators snapshot``) and the
12-month trends on the regency dashboard and the village dashboard: idempotent, periods checked,
only enabled plugins, suspended and archived villages skipped by --all, and village isolation (a
village's page never shows another's figures; a regency admin of another area sees none)."""

from __future__ import annotations

import re

import pytest
from plugin_system.fake_plugins import FakePlugin
from sqlalchemy import select

from desacerdas import hookimpl
from desacerdas.cli.indicators import snapshot
from desacerdas.extensions import db
from desacerdas.kit import snapshots
from desacerdas.models import Tenant
from desacerdas.models.kit import IndicatorSnapshot
from desacerdas.plugin_system.indicators import current_period
from desacerdas.plugin_system.types import Indicator
from desacerdas.services import ServiceError, rollout
from desacerdas.services import tenants as tenant_svc
from desacerdas.tenancy import tenant_session
from desacerdas.testing.support import BEBANDEM, MENANGA

NOW = current_period()
CORE_KEYS = {"core.hamlets", "core.staff_accounts"}


class Metrics(FakePlugin):
    """Reports ``metrics.visits`` with the value set for (village slug, period); 0 otherwise."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.values: dict[tuple[str, str], int | None] = {}
        self.extra: list[Indicator] = []

    @hookimpl
    def desa_indicators(self, tenant, period, session) -> list[Indicator]:  # noqa: ANN001
        value = self.values.get((tenant.slug, period), 0)
        return [Indicator("metrics.visits", "Visits", value, "people"), *self.extra]


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    return Metrics("metrics")


@pytest.fixture(scope="module")
def sapp(metrics, db_urls, tmp_path_factory, _migrated):
    from conftest import make_app

    app = make_app(db_urls, tmp_path_factory, DISCOVER_PLUGINS=False, EXTRA_PLUGINS={"metrics": metrics})
    with app.app_context():
        rollout.install("metrics")
    return app


@pytest.fixture(autouse=True)
def _reset(metrics):
    yield
    metrics.values.clear()


@pytest.fixture
def two(sapp, make_village):
    """Menanga with metrics enabled, Bebandem without."""
    menanga, bebandem = make_village(MENANGA), make_village(BEBANDEM)
    with sapp.app_context():
        rollout.enable(db.session.get(Tenant, menanga.id), "metrics")
    return menanga, bebandem


def _take(sapp, village, period: str | None = None) -> int:  # noqa: ANN001
    with sapp.app_context():
        return snapshots.take(db.session.get(Tenant, village.id), period)


def _rows(sapp, village) -> dict[tuple[str, str], float | None]:  # noqa: ANN001
    with sapp.app_context(), tenant_session(village.id) as session:
        return {(r.period, r.key): r.value for r in session.scalars(select(IndicatorSnapshot))}


# -- taking ---------------------------------------------------------------------------------------------


def test_take_is_idempotent_and_updates(sapp, metrics, two):
    menanga, _bebandem = two
    metrics.values[("menanga", NOW)] = 5
    assert _take(sapp, menanga) == 3
    metrics.values[("menanga", NOW)] = 8
    assert _take(sapp, menanga) == 3  # again: updated, not duplicated
    rows = _rows(sapp, menanga)
    assert len(rows) == 3 and rows[(NOW, "metrics.visits")] == 8.0
    assert {k for _p, k in rows} == CORE_KEYS | {"metrics.visits"}
    assert _rows(sapp, _bebandem) == {}  # nothing leaked into the other village


def test_a_key_longer_than_the_column_is_stored_once_and_updated(sapp, metrics, two):
    menanga, _bebandem = two
    long_key = "metrics." + "x" * 150
    metrics.extra = [Indicator(long_key, "Long", 1, "people")]
    try:
        assert _take(sapp, menanga) == 4
        metrics.extra = [Indicator(long_key, "Long", 2, "people")]
        assert _take(sapp, menanga) == 4  # found again by its stored (cut) key: updated, not inserted
        assert _rows(sapp, menanga)[(NOW, long_key[:120])] == 2.0
    finally:
        metrics.extra = []


def test_a_plugin_not_enabled_is_not_snapshotted_and_history_stays(sapp, metrics, two):
    menanga, bebandem = two
    assert _take(sapp, bebandem) == 2
    assert {k for _p, k in _rows(sapp, bebandem)} == CORE_KEYS
    _take(sapp, menanga)
    with sapp.app_context():
        rollout.disable(db.session.get(Tenant, menanga.id), "metrics")
    assert _take(sapp, menanga) == 2  # only the core's now ...
    assert (NOW, "metrics.visits") in _rows(sapp, menanga)  # ... and the month already stored stays


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-13", "The period must be a month written YYYY-MM (for example 2025-03), not 2025-13."),
        ("March", "not March."),
        ("2025-3", "not 2025-3."),
        ("1999-12", "not 1999-12."),
        (snapshots.shift(NOW, 1), "has not begun yet."),
    ],
)
def test_bad_periods_are_refused_clearly(value, message):
    with pytest.raises(ServiceError) as refused:
        snapshots.parse_period(value)
    assert message in refused.value.message


def test_periods():
    assert snapshots.parse_period(None) == NOW and snapshots.parse_period(" 2024-02 ") == "2024-02"
    assert snapshots.shift("2025-01", -1) == "2024-12" and snapshots.shift("2024-12", 13) == "2026-01"
    assert snapshots.window(3, "2025-02") == ["2024-12", "2025-01", "2025-02"]


def test_history_has_every_month_and_only_this_village(sapp, metrics, two):
    menanga, bebandem = two
    before = snapshots.shift(NOW, -2)
    metrics.values[("menanga", before)] = 4
    _take(sapp, menanga, before)
    _take(sapp, bebandem, before)
    with sapp.app_context():
        with tenant_session(menanga.id) as session:
            found = snapshots.history(session, ["metrics.visits"])
        with tenant_session(bebandem.id) as session:
            theirs = snapshots.history(session, ["metrics.visits"])
            every = snapshots.history(session)
    series = found["metrics.visits"]
    assert len(series) == 12 and series[-1] == (NOW, None) and series[-3] == (before, 4.0)
    assert theirs == {"metrics.visits": [(p, None) for p in snapshots.window()]}
    assert set(every) == CORE_KEYS


def test_trend_svg_and_text():
    points = [(p, None) for p in snapshots.window(12)]
    points[2] = (points[2][0], 3.0)
    points[3] = (points[3][0], 5.0)
    trend = snapshots.Trend.of(Indicator("k", "Visits <b>", 7.6), points)
    svg = str(trend.svg())
    assert svg.startswith('<svg class="trend" role="img"') and "<script" not in svg
    assert "Visits &lt;b&gt;" in svg and svg.count("<polyline") == 1  # months 3–4 joined, then a gap
    assert trend.points[-1] == (NOW, 7.6) and trend.text().endswith(f"{NOW}: 8")  # counts: whole
    assert str(snapshots.Trend.of(Indicator("k", "None", None), None).svg()).endswith("</title></svg>")
    assert snapshots.format_value(0.456, "ratio") == "0.46" and snapshots.format_value(None) == "–"


# -- the command line -----------------------------------------------------------------------------------


def test_cli_all_skips_suspended_and_archived(sapp, metrics, two, make_village):
    menanga, bebandem = two
    others = [make_village("51.07.04.2001"), make_village("51.07.03.2012")]
    with sapp.app_context():
        tenant_svc.suspend(db.session.get(Tenant, others[0].id), "test")
        tenant_svc.archive(db.session.get(Tenant, others[1].id), "test")
    runner = sapp.test_cli_runner()
    period = snapshots.shift(NOW, -1)
    result = runner.invoke(snapshot, ["--all", "--period", period])
    assert result.exit_code == 0, result.output
    assert f"Snapshot {period}: 5 indicators of 2 village(s) stored." in result.output
    assert "Skipped 2 suspended or archived village(s)." in result.output
    assert result.output == runner.invoke(snapshot, ["--all", "--period", period]).output  # idempotent
    assert _rows(sapp, others[0]) == {}
    archived = runner.invoke(snapshot, ["--tenant", others[1].slug])
    assert archived.exit_code == 1 and "is archived: no snapshot is taken." in archived.output


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--period", "2025-13", "--all"], 1, "must be a month written YYYY-MM"),
        ([], 2, "Give either --tenant SLUG or --all."),
        (["--all", "--tenant", "menanga"], 2, "Give either --tenant SLUG or --all."),
        (["--tenant", "nowhere"], 1, "No village with slug 'nowhere'."),
    ],
)
def test_cli_refusals(sapp, two, args, code, needle):
    result = sapp.test_cli_runner().invoke(snapshot, args)
    assert result.exit_code == code and needle in result.output


def test_cli_reports_a_failing_village_and_goes_on(sapp, metrics, two, monkeypatch):
    menanga, _bebandem = two
    real = snapshots.take

    def flaky(tenant, period=None):  # noqa: ANN001, ANN202
        if tenant.slug == menanga.slug:
            raise RuntimeError("plugin broke")
        return real(tenant, period)

    monkeypatch.setattr(snapshots, "take", flaky)
    result = sapp.test_cli_runner().invoke(snapshot, ["--all"])
    assert result.exit_code == 1 and "menanga: RuntimeError: plugin broke" in result.output
    assert "2 indicators of 1 village(s) stored." in result.output


# -- pages ----------------------------------------------------------------------------------------------


def _history_of_menanga(sapp, metrics, menanga, bebandem) -> None:  # noqa: ANN001
    """Menanga 11, 12, 13 in the three months before this one; Bebandem 777 (it never shows)."""
    with sapp.app_context():
        rollout.enable(db.session.get(Tenant, bebandem.id), "metrics")
    for back, value in ((3, 11), (2, 12), (1, 13)):
        period = snapshots.shift(NOW, -back)
        metrics.values[("menanga", period)] = value
        metrics.values[("bebandem", period)] = 777
        _take(sapp, menanga, period)
        _take(sapp, bebandem, period)
    metrics.values[("menanga", NOW)] = 14
    metrics.values[("bebandem", NOW)] = 700


def _visible(html: str) -> str:
    """The page's text and titles, without tags and attributes (tokens, ids)."""
    return re.sub(r"<[^>]+>", " ", html)


def _trend_text(html: str, label: str) -> str:
    match = re.search(
        r'<svg class="trend" role="img" aria-label="' + label + r'[^"]*"[^>]*><title>([^<]*)', html
    )
    assert match, html
    return match.group(1)


def test_village_dashboard_shows_its_own_twelve_months(sapp, metrics, two, make_user, login):
    menanga, bebandem = two
    _history_of_menanga(sapp, metrics, menanga, bebandem)
    client = sapp.test_client()
    login(make_user("operator", menanga), client)
    html = client.get(f"/desa/{menanga.slug}/dashboard").get_data(as_text=True)
    months = _trend_text(html, "Visits").split(" · ")
    assert len(months) == 12
    assert [m.rsplit(": ", 1)[1] for m in months[-4:]] == ["11", "12", "13", "14"]
    assert not re.search(r"\b(777|700)\b", _visible(html))  # Bebandem's figures never appear
    indo = client.get(f"/desa/{menanga.slug}/dashboard?lang=id").get_data(as_text=True)
    assert 'class="trend"' in indo


def test_regency_dashboard_trend_sums_villages_in_scope(sapp, metrics, two, make_user, login):
    menanga, bebandem = two
    _history_of_menanga(sapp, metrics, menanga, bebandem)
    client = sapp.test_client()
    login(make_user("regency_admin", area="51.07"), client)
    html = client.get("/rollout/indicators").get_data(as_text=True)
    values = [m.rsplit(": ", 1)[1] for m in _trend_text(html, "Visits").split(" · ")]
    assert values[-4:] == ["788", "789", "790", "714"]  # Menanga + Bebandem, then this month live
    assert values[0] == "–"

    outsider = sapp.test_client()
    login(make_user("regency_admin", area="51.06"), outsider)  # Kabupaten Bangli
    other = outsider.get("/rollout/indicators").get_data(as_text=True)
    assert 'class="trend"' not in other and "Menanga" not in other
    assert not re.search(r"\b(788|714|777)\b", _visible(other))
