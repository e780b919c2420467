"""The kit's lists (``desacerdas.kit.lists``) and the shared pagination under them: filters with typed
values and a clear 400, the sort whitelist, page numbers that cannot break anything, the page size
cap, page links that keep the filters, and the API envelope (``X-Pagination``) — through a tiny page
and JSON view, and through the existing lists that use the same pagination."""

from __future__ import annotations

import json

import pytest
from flask import Blueprint, jsonify, render_template_string
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from desacerdas.extensions import db
from desacerdas.kit.lists import (
    Filter,
    ListError,
    ListSpec,
    Sort,
    boolean,
    choice,
    integer,
    iso_date,
    uuid_value,
)
from desacerdas.models import Tenant, TenantStatus
from desacerdas.testing.support import VILLAGE_CODES, sql_statements
from desacerdas.web.pagination import MAX_PAGE, parse_page

HUGE = "9223372036854775808"  # 2**63: beyond any 64-bit offset

VILLAGES = ListSpec(
    filters={
        "q": Filter.contains(Tenant.name),
        "status": Filter.equals(Tenant.status, parse=choice(TenantStatus)),
        "min_id": Filter(lambda stmt, v: stmt.where(Tenant.id >= v), parse=integer(minimum=1)),
    },
    sorts={"name": Sort(Tenant.name, Tenant.id), "code": Sort(Tenant.code, Tenant.id)},
    default_sort="name",
    per_page=2,
    max_per_page=3,
)

PAGE = """{% from "_forms.html" import pager %}
<ul>{% for t in result.items %}<li>{{ t.name }}</li>{% endfor %}</ul>
{{ pager(result, result.page_url("kit_lists.page")) }}"""


@pytest.fixture(scope="module")
def lapp(db_urls, tmp_path_factory, _migrated):
    """An app of its own with a page and a JSON view listing villages through ``VILLAGES``."""
    from conftest import make_app

    app = make_app(db_urls, tmp_path_factory)
    bp = Blueprint("kit_lists", __name__)

    @bp.get("/kit-lists")
    def page():  # noqa: ANN202
        return render_template_string(PAGE, result=VILLAGES.page(select(Tenant)))

    @bp.get("/api/kit-lists")
    def as_json():  # noqa: ANN202
        result = VILLAGES.page(select(Tenant))
        return jsonify(result.envelope(lambda t: t.slug)), 200, result.headers()

    app.register_blueprint(bp)
    return app


@pytest.fixture
def four(lapp, make_village) -> list[str]:
    """Four villages; their names in name order."""
    for code in VILLAGE_CODES[:4]:
        make_village(code)
    with lapp.app_context():
        return list(db.session.scalars(select(Tenant.name).order_by(Tenant.name, Tenant.id)))


def names(resp) -> list[str]:  # noqa: ANN001
    import re

    return re.findall(r"<li>([^<]+)</li>", resp.get_data(as_text=True))


# -- through a page ----------------------------------------------------------------------------------


def test_page_sorts_pages_and_links_keep_the_filters(lapp, four):
    client = lapp.test_client()
    assert names(client.get("/kit-lists")) == four[:2]
    second = client.get("/kit-lists?page=2")
    assert names(second) == four[2:]
    assert 'href="/kit-lists?page=1" rel="prev"' in second.get_data(as_text=True)
    assert names(client.get("/kit-lists?sort=-name")) == four[::-1][:2]
    html = client.get("/kit-lists?sort=-name&page_size=1").get_data(as_text=True)
    assert 'href="/kit-lists?sort=-name&amp;page_size=1&amp;page=2" rel="next"' in html


def test_filters_narrow_the_list(lapp, four):
    client = lapp.test_client()
    word = four[0][:4].lower()
    assert names(client.get(f"/kit-lists?q={word}&page_size=3")) == [n for n in four if word in n.lower()][:3]
    assert names(client.get("/kit-lists?status=archived")) == []
    assert names(client.get("/kit-lists?status=&q=")) == four[:2]  # empty values are no filter


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("status=gone", "Filter status: Choose one of: active, suspended, archived."),
        ("min_id=abc", "Filter min_id: abc is not a whole number."),
        ("min_id=0", "Filter min_id: 0 is below the least allowed, 1."),
        ("sort=population", "Sort by one of: name, code"),
        ("page_size=4", "The page size must be a number from 1 to 3."),
        ("page_size=0", "The page size must be a number from 1 to 3."),
        ("page_size=x", "The page size must be a number from 1 to 3."),
        ("page_size=" + "9" * 5000, "The page size must be a number from 1 to 3."),  # int() would refuse it
    ],
)
def test_bad_values_are_a_clear_400(lapp, four, query, needle):
    client = lapp.test_client()
    page = client.get(f"/kit-lists?{query}")
    assert page.status_code == 400 and needle in page.get_data(as_text=True)
    api = client.get(f"/api/kit-lists?{query}")
    assert api.status_code == 400 and needle in api.get_json()["error"]["message"]


@pytest.mark.parametrize("page", [HUGE, "99", "-3", "abc", "1e9", "２", "0002"])
def test_any_page_number_is_an_answer_never_a_500(lapp, four, page):
    resp = lapp.test_client().get(f"/kit-lists?page={page}")
    assert resp.status_code == 200
    expected = {"-3": four[:2], "abc": four[:2], "1e9": four[:2], "２": four[:2], "0002": four[2:]}
    assert names(resp) == expected.get(page, [])  # past the end: an empty page


def test_page_past_the_end_links_back_to_the_last_page(lapp, four):
    html = lapp.test_client().get(f"/kit-lists?page={HUGE}").get_data(as_text=True)
    assert 'href="/kit-lists?page=2" rel="prev"' in html and 'rel="next"' not in html


# -- the JSON envelope --------------------------------------------------------------------------------


def test_envelope_and_header_match_flask_smorest(lapp, four):
    client = lapp.test_client()
    resp = client.get("/api/kit-lists?page=2&page_size=1")
    body = resp.get_json()
    meta = {"total": 4, "total_pages": 4, "first_page": 1, "last_page": 4, "page": 2}
    meta.update(previous_page=1, next_page=3)
    assert body["pagination"] == meta and json.loads(resp.headers["X-Pagination"]) == meta
    assert len(body["items"]) == 1
    beyond = client.get(f"/api/kit-lists?page={HUGE}").get_json()
    assert beyond["items"] == [] and "page" not in beyond["pagination"]
    assert beyond["pagination"]["total"] == 4
    empty = client.get("/api/kit-lists?status=archived").get_json()
    assert empty["pagination"] == {"total": 0, "total_pages": 0}


def test_api_page_sets_flask_smorest_item_count(lapp, four):
    with lapp.test_request_context("/?page_size=2"):
        params = PaginationParameters(page=2, page_size=2)
        items = VILLAGES.api_page(select(Tenant), {"sort": "-name"}, params)
        assert [t.name for t in items] == four[::-1][2:] and params.item_count == 4
    with lapp.test_request_context("/"):
        params = PaginationParameters(page=int(HUGE), page_size=25)
        assert VILLAGES.api_page(select(Tenant), {}, params) == []
        assert params.page_size == 2  # no page_size asked: the spec's default


def test_apply_from_a_dict_outside_a_page(lapp, four):
    """The command line and exports pass a dict; typed values (from an API schema) are taken as is."""
    with lapp.test_request_context("/"):
        result = VILLAGES.apply(select(Tenant), {"status": TenantStatus.ACTIVE, "sort": "code"}, page=1)
        assert (
            result.total == 4 and result.sort == "code" and result.filters == {"status": TenantStatus.ACTIVE}
        )
        assert result.query_args(format="csv") == {"status": "active", "sort": "code", "format": "csv"}
        stmt = VILLAGES.query(select(Tenant), {"q": four[3]})
        assert [t.name for t in db.session.scalars(stmt)] == [four[3]]
        with pytest.raises(ListError) as refused:
            VILLAGES.apply(select(Tenant), {"min_id": "x"})
        assert refused.value.status == 400 and refused.value.argument == "min_id"


def test_parsers():
    assert integer(1, 5)("3") == 3 and boolean("ya") is True and boolean("0") is False
    assert str(iso_date("2025-03-01")) == "2025-03-01"
    assert choice({"l": "male"})("l") == "male"
    for parse, bad in ((integer(1, 5), "6"), (uuid_value, "nope"), (iso_date, "01/03/2025"), (boolean, "?")):
        with pytest.raises(ValueError):
            parse(bad)
    with pytest.raises(ValueError, match="default sort"):
        ListSpec(sorts={"name": Sort(Tenant.name)}, default_sort="size")


def test_parse_page():
    assert parse_page(HUGE) == MAX_PAGE and parse_page(None) == 1 and parse_page("0") == 1
    assert parse_page(7) == 7 and parse_page(True) == 1 and parse_page(" 12 ") == 12


# -- the existing lists on the same pagination ------------------------------------------------------------


def test_existing_pages_and_api_survive_a_huge_page(client, four, make_user, login, bearer):
    admin = make_user("platform_admin")
    login(admin)
    for path in ("/admin/villages", "/rollout", "/admin/audit"):
        resp = client.get(f"{path}?page={HUGE}")
        assert resp.status_code == 200, path
    api = client.get(f"/api/v1/villages?page={HUGE}", headers=bearer(admin))
    assert api.status_code == 200 and api.get_json() == []
    assert json.loads(api.headers["X-Pagination"])["total"] == 4


def test_a_first_page_shorter_than_a_page_is_its_own_count(lapp, four):
    """No count statement for a list that fits on its first page; a full first page and any
    later page are still counted (the pager needs the total)."""
    with sql_statements(lapp) as seen:
        client = lapp.test_client()
        short = client.get("/api/kit-lists?q=" + four[0][:4].lower() + "&page_size=3")
        counts = [s for s in seen if "count(" in s.lower()]
        assert short.status_code == 200 and json.loads(short.headers["X-Pagination"])["total"] >= 1
        assert json.loads(short.headers["X-Pagination"])["total"] == len(short.json["items"])
        assert not counts
        seen.clear()
        full = client.get("/api/kit-lists?page_size=2")
        assert json.loads(full.headers["X-Pagination"])["total"] == 4
        assert [s for s in seen if "count(" in s.lower()]
        seen.clear()
        second = client.get("/api/kit-lists?page_size=3&page=2")
        assert json.loads(second.headers["X-Pagination"])["total"] == 4 and len(second.json["items"]) == 1
        assert [s for s in seen if "count(" in s.lower()]
