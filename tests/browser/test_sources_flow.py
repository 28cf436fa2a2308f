"""A curator in a real browser: adds a site to a topic's sources, sees its feed found and read,
sees the suggestions arrive, scoops one with an insight and dismisses another by key."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from outlier.curation.models import Scoop
from outlier.sources.models import Suggestion, SuggestionState
from tests.browser.test_publishing_flow import log_in
from tests.conftest import ARTICLE_HTML
from tests.sources.conftest import feed_server  # noqa: F401
from tests.sources.feed_server import rss

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_site_see_suggestions_scoop_one_dismiss_one(
    page: Page,
    live_server,
    team,
    topic,
    feed_server,  # noqa: F811 (the fixture imported above)
):
    base = live_server.url
    server = feed_server.base
    feed_server.add("/rivers", ARTICLE_HTML, content_type="text/html")
    feed = feed_server.add("/blog/feed.xml", rss("Planet blog", [
        ("b1", "Rivers are rising", f"{server}/rivers"),
        ("b2", "Celebrity gossip at the gala", f"{server}/gala")]))  # fmt: skip
    feed_server.add("/blog/", "<!doctype html><html><head><link rel=alternate "
                    f'type="application/rss+xml" href="{feed}"></head><body>Blog</body></html>',
                    content_type="text/html")  # fmt: skip

    log_in(page, base, "contributor@acme.test")
    page.goto(f"{base}/app/{team.workspace.slug}/topics/{topic.slug}/")
    page.get_by_role("link", name="Sources").click()
    page.get_by_label("Feed or site address").fill(f"{server}/blog/")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added Planet blog.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(feed)

    page.get_by_role("link", name="Suggestions").first.click()
    rows = page.locator("[data-suggestion]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("from Planet blog")

    rivers = page.locator("[data-suggestion]", has_text="Rivers are rising")
    rivers.get_by_label("Your insight").fill("The fastest rise in a century.")
    rivers.get_by_role("button", name="Scoop").click()
    expect(page.get_by_text("Scooped: Rivers are rising")).to_be_visible()
    scoop = Scoop.objects.get(topic=topic)
    assert scoop.insight == "The fastest rise in a century." and scoop.title == "Rivers are rising"

    # The keyboard: j selects the one left, d dismisses it.
    page.wait_for_load_state("domcontentloaded")
    expect(rows).to_have_count(1)
    page.keyboard.press("j")
    expect(rows.first).to_contain_class("current")
    page.keyboard.press("d")
    expect(page.get_by_text("Dismissed: the topic will suggest less like it.")).to_be_visible()
    expect(page.locator("[data-suggestion]")).to_have_count(0)
    gala = Suggestion.objects.get(title="Celebrity gossip at the gala")
    assert gala.state == SuggestionState.DISMISSED
