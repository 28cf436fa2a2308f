"""The API's docs page (/api/v1/docs) is served whole by Outlier: its Swagger UI comes from
Outlier's own static files, so it works on a machine without internet access."""

from __future__ import annotations

import re

import lxml.html
from django.test import Client

ASSET_XPATH = "//script/@src | //link/@href | //img/@src | //iframe/@src"


def asset_addresses(html: str) -> list[str]:
    return [str(a) for a in lxml.html.fromstring(html).xpath(ASSET_XPATH)]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_docs_page_loads_only_same_origin_assets(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = asset_addresses(html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    for address in assets:
        assert address.startswith("/") and not address.startswith("//"), address
    # Nothing anywhere in the page names another host (no CDN, no font service).
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), html
    assert '"url": "/api/v1/openapi.json"' in html


def test_the_docs_assets_are_served_by_outlier(db):
    client = Client()
    html = client.get("/api/v1/docs").content.decode()
    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg"}
    for address in asset_addresses(html):
        served = client.get(address)
        assert served.status_code == 200, address
        kind = next(v for k, v in kinds.items() if address.endswith(k))
        assert kind in served["Content-Type"], (address, served["Content-Type"])
        assert len(body_of(served)) > 100, address
    bundle = body_of(client.get("/static/ninja/swagger-ui-bundle.js"))
    assert b"SwaggerUIBundle" in bundle


def test_the_document_the_page_reads_is_there(db):
    spec = Client().get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "Outlier API"


def test_a_static_file_that_does_not_exist_is_a_404(db):
    assert Client().get("/static/ninja/swagger-ui-bundle-from-a-cdn.js").status_code == 404
