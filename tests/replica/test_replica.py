"""Cross-village reports on a real streaming replica: the rollout board, its CSV and the regency
indicators read from the standby, Row-Level Security holds there, and a replica that is down or
unset leaves the reports on the primary (with a warning when it is down)."""

from __future__ import annotations

import logging
import re
import socket

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from desacerdas.models import Hamlet
from desacerdas.tenancy import NoTenantContext, replica
from desacerdas.testing import support

from .conftest import DB, replica_app


def _rows(html: str) -> dict[str, list[str]]:
    """{village: cells} of the indicators table."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = re.search(r'<th scope="row">([^<]+)<br>', tr).group(1).strip()
        rows[name] = [c.strip() for c in re.findall(r"<td>(.*?)</td>", tr)]
    return rows


def _two_villages(app):  # noqa: ANN001, ANN202
    menanga = support.make_village(app, support.MENANGA, hamlets=["Kaja", "Kelod"])
    bebandem = support.make_village(app, support.BEBANDEM, hamlets=["Tengah"])
    return menanga, bebandem


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


def test_reports_read_from_the_replica(rep_app, cluster, clean):
    _two_villages(rep_app)
    regency = support.make_user(rep_app, "regency_admin", area="51.07")
    cluster.sync()
    client = rep_app.test_client()
    support.sign_in(client, regency)
    before = replica.stats(rep_app)["statements"]

    board = client.get("/rollout")
    assert board.status_code == 200 and board.headers[replica.HEADER] == "replica"
    html = board.get_data(as_text=True)
    assert "Menanga" in html and "Bebandem" in html

    page = client.get("/rollout/indicators")
    assert page.status_code == 200 and page.headers[replica.HEADER] == "replica"
    rows = _rows(page.get_data(as_text=True))
    # core.hamlets is read village by village on the replica, each session bound for RLS there
    assert set(rows) == {"Menanga", "Bebandem"}
    assert rows["Menanga"][0] == "2" and rows["Bebandem"][0] == "1"

    export = client.get("/rollout.csv")
    assert export.headers[replica.HEADER] == "replica"
    assert support.MENANGA in export.get_data(as_text=True)

    assert replica.stats(rep_app)["statements"] > before
    assert replica.stats(rep_app)["fallbacks"] == 0
    # seen from the standby itself: the app's connections there carry their application_name
    with create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{cluster.replica_port}/{DB}").connect() as c:
        assert c.scalar(text("SELECT pg_is_in_recovery()")) is True
        names = set(
            c.scalars(text("SELECT application_name FROM pg_stat_activity WHERE datname = :d"), {"d": DB})
        )
    assert replica.APPLICATION_NAME in names


def test_rls_is_enforced_on_the_replica(rep_app, cluster, clean):
    menanga, bebandem = _two_villages(rep_app)
    cluster.sync()
    engine = create_engine(cluster.replica_url)  # the application role, on the standby
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT pg_is_in_recovery()")) is True
            assert conn.scalar(text("SELECT count(*) FROM hamlets")) == 0  # no village set: none
            conn.execute(text("SELECT set_config('desa.tenant_id', :v, true)"), {"v": str(menanga.id)})
            assert set(conn.scalars(text("SELECT name FROM hamlets"))) == {"Kaja", "Kelod"}
            assert (
                conn.scalar(text("SELECT count(*) FROM hamlets WHERE tenant_id = :b"), {"b": bebandem.id})
                == 0
            )
            conn.rollback()
            assert conn.scalar(text("SELECT count(*) FROM hamlets")) == 0  # per transaction only
    finally:
        engine.dispose()

    with rep_app.app_context():
        with replica.replica_session(bebandem.id) as s:
            assert s.info[replica.SOURCE_KEY] == replica.REPLICA
            assert set(s.scalars(select(Hamlet.name))) == {"Tengah"}
        with replica.replica_session() as s, pytest.raises(NoTenantContext):
            s.scalars(select(Hamlet)).all()
        with replica.replica_session(menanga.id) as s:
            s.add(Hamlet(tenant_id=menanga.id, name="Baru"))
            with pytest.raises(DBAPIError, match="read-only"):
                s.flush()


def test_replica_down_falls_back_to_the_primary_with_a_warning(
    rep_app, cluster, tmp_path_factory, clean, caplog
):
    down = f"postgresql+psycopg://{cluster.app_role}@127.0.0.1:{_dead_port()}/{DB}"
    app = replica_app(cluster, tmp_path_factory, DATABASE_REPLICA_URL=down)
    support.make_village(app, support.MENANGA, hamlets=["Kaja"])  # not synced: only the primary has it
    regency = support.make_user(app, "regency_admin", area="51.07")
    client = app.test_client()
    support.sign_in(client, regency)
    try:
        with caplog.at_level(logging.WARNING, logger="desacerdas.replica"):
            board = client.get("/rollout")
            page = client.get("/rollout/indicators")
        assert board.status_code == 200 and board.headers[replica.HEADER] == "primary"
        assert "Menanga" in board.get_data(as_text=True)
        assert page.status_code == 200 and page.headers[replica.HEADER] == "primary"
        assert _rows(page.get_data(as_text=True))["Menanga"][0] == "1"
        warnings = [r for r in caplog.records if "read replica unreachable" in r.getMessage()]
        assert len(warnings) == 1  # not tried again at once: no connect timeout on every request
        assert replica.stats(app)["fallbacks"] >= 2
        # the primary's connections served read-only reports; they still write afterwards
        support.make_user(app, "operator", support.Village(*_village_of(app, support.MENANGA)))
        # after the pause the replica is tried again (and found down again)
        replica.state(app).down_until = 0
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="desacerdas.replica"):
            assert client.get("/rollout").status_code == 200
        assert any("read replica unreachable" in r.getMessage() for r in caplog.records)
    finally:
        _dispose(app)


def test_no_replica_configured_reads_the_primary(rep_app, cluster, tmp_path_factory, clean):
    app = replica_app(cluster, tmp_path_factory, DATABASE_REPLICA_URL=None)
    support.make_village(app, support.MENANGA)
    client = app.test_client()
    support.sign_in(client, support.make_user(app, "platform_admin"))
    try:
        board = client.get("/rollout")
        assert board.status_code == 200 and board.headers[replica.HEADER] == "primary"
        assert "Menanga" in board.get_data(as_text=True)
        assert replica.stats(app) == {"configured": False, "statements": 0, "fallbacks": 0}
    finally:
        _dispose(app)


def _village_of(app, code: str) -> tuple[int, str, str, str]:  # noqa: ANN001
    from desacerdas.extensions import db
    from desacerdas.models import Tenant

    with app.app_context():
        t = db.session.scalar(select(Tenant).where(Tenant.code == code))
        return t.id, t.slug, t.code, t.name


def _dispose(app) -> None:  # noqa: ANN001
    from desacerdas.extensions import db

    with app.app_context():
        replica.dispose(app)
        db.session.remove()
        db.engine.dispose()
