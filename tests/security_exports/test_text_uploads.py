"""Text accepted as CSV only when it holds no markup: an HTML page or an SVG image with a comma in
it is refused (415, naming what it is) wherever files are uploaded (documents, the residents'
import), and a CSV document comes back as an attachment the browser may not sniff."""

from __future__ import annotations

import io

import pytest

from desacerdas.services import filetypes

HTML_WITH_COMMA = b"<html><body><script>alert(document.cookie)</script>a,b,c\n1,2,3</body></html>"
SVG_WITH_COMMA = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><text x="1,2">a,b</text></svg>\n'
MARKUP = {
    "html": HTML_WITH_COMMA,
    "svg": SVG_WITH_COMMA,
    "bom+doctype": b"\xef\xbb\xbf \r\n\t<!DOCTYPE html>\nnik,name\n1,2\n",
    "xml": b'<?xml version="1.0"?>\n<svg>a,b</svg>',
    "upper": b"  <HTML><SCRIPT>x,y</SCRIPT></HTML>",
    "late script": b"nik,name\n5107011705900001,<script>alert(1)</script>\n",
    "late svg": b"nik,name\n1,<svg/onload=alert(1)>\n",
    "comment": b"<!-- a,b -->\n1,2\n",
    "tag at start": b"<p>nik,name</p>\n1,2\n",
}


@pytest.mark.parametrize("name", list(MARKUP))
def test_markup_is_never_detected_as_csv(name):
    data = MARKUP[name]
    assert filetypes.detect(data, io.BytesIO(data)) is None
    assert filetypes.describe(data) in ("text/html", "image/svg+xml", "application/xml")


def test_describe_names_the_markup():
    assert filetypes.describe(HTML_WITH_COMMA) == "text/html"
    assert filetypes.describe(SVG_WITH_COMMA) == "image/svg+xml"
    assert filetypes.describe(b"just text") == "text/plain"


@pytest.mark.parametrize(
    "data",
    [
        b"nik,name\n5107011705900001,I Wayan\n",
        b"\xef\xbb\xbfnik;name;note\n1;Made;umur < 5 tahun\n",
        b"kk_number,name,address\n1,Ketut,Jl. Raya > 2\n",
    ],
)
def test_real_csv_is_still_csv(data):
    assert filetypes.detect(data, io.BytesIO(data)) == filetypes.CSV


def docs_url(village) -> str:  # noqa: ANN001
    return f"/api/v1/desa/{village.slug}/documents"


@pytest.mark.parametrize(
    ("data", "detected"), [(HTML_WITH_COMMA, "text/html"), (SVG_WITH_COMMA, "image/svg+xml")]
)
def test_document_upload_of_markup_named_csv_is_415(client, menanga, make_user, bearer, data, detected):
    headers = bearer(make_user("operator", menanga))
    for kind in ("spreadsheet", "general"):
        resp = client.post(
            docs_url(menanga),
            data={"title": "Data", "kind": kind, "file": (io.BytesIO(data), "data.csv")},
            headers=headers,
            content_type="multipart/form-data",
        )
        assert resp.status_code == 415, resp.get_data(as_text=True)[:300]
        assert detected in resp.get_json()["error"]["message"]
    listed = client.get(docs_url(menanga), headers=headers)
    assert listed.status_code == 200 and "data.csv" not in listed.get_data(as_text=True)


def test_a_csv_document_downloads_as_an_attachment_that_is_not_sniffed(client, menanga, make_user, bearer):
    headers = bearer(make_user("operator", menanga))
    data = b"nik,name\n5107011705900001,I Wayan\n"
    resp = client.post(
        docs_url(menanga),
        data={"title": "Data", "kind": "spreadsheet", "file": (io.BytesIO(data), "data.html")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    doc = resp.get_json()
    got = client.get(f"{docs_url(menanga)}/{doc['id']}/download", headers=headers)
    body = got.get_data()
    got.close()
    assert got.status_code == 200 and body == data
    assert got.mimetype == "text/csv"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["Content-Disposition"].split(";")[1].strip() == 'filename="data.csv"'


def test_another_village_cannot_fetch_the_csv_document(client, menanga, bebandem, make_user, bearer):
    headers = bearer(make_user("operator", menanga))
    data = b"nik,name\n1,2\n"
    doc = client.post(
        docs_url(menanga),
        data={"title": "Data", "kind": "spreadsheet", "file": (io.BytesIO(data), "d.csv")},
        headers=headers,
        content_type="multipart/form-data",
    ).get_json()
    other = bearer(make_user("operator", bebandem))
    assert client.get(f"{docs_url(bebandem)}/{doc['id']}/download", headers=other).status_code == 404
    assert client.get(f"{docs_url(menanga)}/{doc['id']}/download", headers=other).status_code in (403, 404)


def test_residents_import_of_markup_is_refused(pop_menanga, menanga, make_user, login):
    client = login(make_user("operator", menanga))
    resp = client.post(
        pop_menanga.page("residents/import"), data={"file": (io.BytesIO(HTML_WITH_COMMA), "warga.csv")}
    )
    assert resp.status_code == 415
    assert "detected: text/html" in resp.get_data(as_text=True)
