"""The links and reports pages fit the screen in Chromium: on a 1366 px laptop and on a phone
(375 px), wide tables scroll inside their own box and long words wrap, so the page itself never
scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from tests.analytics.factories import (
    add_cost,
    early,
    followers,
    make_campaign,
    make_click,
    make_delivery,
    make_link,
    make_post,
    published_link,
    record,
    roll,
    snapshot,
    today,
)
from tests.publishing.conftest import make_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"laptop": (1366, 768), "phone": (375, 667)}
PAGES = {"links": "/app/acme/links/", "reports": "/app/acme/reports/"}
# Addresses and slugs as people paste them: long, and with nothing a line may break at.
LONG = "https://shop.example/collections/" + "springcollection_2030_" * 6

OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1
                 && !e.closest('.table-scroll'))
    .slice(0, 5).map(e => e.tagName + '.' + e.className);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


@pytest.fixture
def busy_workspace(team):
    """Every table of both pages filled, with the longest values people give them."""
    ws = team.workspace
    channel = make_channel(ws, name="Acme's Mastodon account for the spring campaign",
                           network="mastodon")  # fmt: skip
    campaign = make_campaign(ws, name="Spring launch 2030 — newsletter and social",
                             slug="spring_launch_2030_newsletter_and_social")  # fmt: skip
    add_cost(campaign, "1250000")
    post = make_post(ws, text="Spring is here: the whole collection, with a very long text " * 3)
    link = published_link(ws, channel, campaign=campaign, post=post)
    link.target = LONG + "?utm_source=mastodon&utm_medium=social&utm_campaign=spring"
    link.utm = {"utm_content": "a_long_utm_content_value_for_the_spring_post"}
    link.save()
    for n in range(3):
        make_click(link, early(today() - timedelta(days=n)),
                   referrer_host="averylongreferrerhostname.news.example.org")  # fmt: skip
    for n in range(4):
        make_link(ws, target=f"{LONG}/{n}", campaign=campaign, source="newsletter_weekly_digest")
    record(ws, click_id=link.clicks.first().click_id, amount="123456789")
    delivery = make_delivery(post, channel)
    snapshot(delivery, early(today()), likes=1234567, reposts=234567, replies=34567,
             quotes=4567, impressions=123456789)  # fmt: skip
    followers(channel, early(today() - timedelta(days=2)), 100)
    followers(channel, early(today()), 1234567)
    roll()
    return ws


def sign_in(page: Page, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie,
                               "url": base}])  # fmt: skip


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", PAGES)
def test_the_page_does_not_scroll_sideways(page: Page, live_server, team, busy_workspace,
                                           name, screen):  # fmt: skip
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server.url, team.editor)
    response = page.goto(live_server.url + PAGES[name])
    assert response is not None and response.status == 200
    assert page.locator("table").count() >= 1
    measured = page.evaluate(OVERFLOW)
    page.screenshot(path=f"/tmp/outlier-tables-{name}-{screen}.png", full_page=True)
    assert measured["scroll"] <= measured["client"], measured


def test_a_wide_table_scrolls_in_its_own_box_on_a_phone(page: Page, live_server, team,
                                                       busy_workspace):  # fmt: skip
    """What does not fit is still there: the links table scrolls sideways inside its box."""
    page.set_viewport_size({"width": 375, "height": 667})
    sign_in(page, live_server.url, team.editor)
    page.goto(live_server.url + PAGES["links"])
    box = page.locator(".table-scroll", has=page.locator("table[data-table=links]"))
    sizes = box.evaluate("e => ({scroll: e.scrollWidth, client: e.clientWidth, "
                         "overflow: getComputedStyle(e).overflowX})")  # fmt: skip
    assert sizes["overflow"] == "auto"
    assert sizes["scroll"] >= sizes["client"]
    # Every link's code is on the page and can be reached by scrolling the box.
    row = page.locator("table[data-table=links] tbody tr").first
    row.locator("code").first.scroll_into_view_if_needed()
    assert row.locator("code").first.is_visible()
