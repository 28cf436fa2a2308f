"""The API's docs page works without internet: in Chromium, with every request to another
origin refused, Swagger UI still draws the API from Outlier's own static files."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_with_the_internet_cut_off(page: Page, live_server):
    base = live_server.url
    elsewhere: list[str] = []

    def only_outlier(route: Route) -> None:
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_outlier)
    page.goto(f"{base}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Outlier API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert elsewhere == []
